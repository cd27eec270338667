"""How a stream is delivered: a quiet model's waiting text, slow or vanished clients, close handlers."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.types import Message

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import LiveServer, SSEParser
from tests.helpers import Source, wait_for

ROUTES: dict[str, Any] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = FastAPI()

    @app.get("/s/{name}")
    async def route(name: str) -> Response:
        response: Response = ROUTES[name]()
        return response

    with LiveServer(app) as live:
        yield live.url


def test_text_waiting_for_the_interval_is_sent_when_the_model_goes_quiet(
    server: str, templates: Jinja2Templates
) -> None:
    source = Source(["a", "b", "c"], delay=0.001, pause_before={2: 1.5})  # then the model thinks for 1.5 s
    ROUTES["quiet"] = lambda: FragmentStreamResponse(
        source.stream(), "chat.html", "plain", templates=templates, min_interval=0.1
    )
    arrivals: list[tuple[float, str]] = []
    parser = SSEParser()
    with httpx.Client(base_url=server, timeout=10) as client, client.stream("GET", "/s/quiet") as response:
        for chunk in response.iter_raw():
            for event in parser.feed(chunk):
                arrivals.append((time.monotonic(), event.data))
    fragments = [(at, data) for at, data in arrivals if data not in ("",)]
    first_at = fragments[0][0]
    ab = next(at for at, data in fragments if data == "ab")
    assert ab - first_at < 1.0, "the text that came within the interval waited for the next token"
    assert fragments[-1][1] == "abc"


def test_a_client_that_stops_reading_is_dropped_after_send_timeout(templates: Jinja2Templates, server: str) -> None:
    source = Source(["x" * 20_000], delay=0.005)
    ended: list[str] = []
    ROUTES["stuck"] = lambda: FragmentStreamResponse(
        source.stream(forever=True),
        "chat.html",
        "plain",
        templates=templates,
        min_interval=0,
        send_timeout=0.3,
        on_disconnect=ended.append,
    )
    host, port = server.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        sock.sendall(f"GET /s/stuck HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        # Never read: the server's sends block once the socket buffers are full.
        assert wait_for(lambda: source.closed, within=10), "the stream kept pulling for a client that stopped reading"
        assert wait_for(lambda: len(ended) == 1, within=2)
    assert ended[0].startswith("x" * 20_000)


def test_the_close_handler_runs_and_the_source_closes_when_the_client_leaves(
    server: str, templates: Jinja2Templates
) -> None:
    source = Source(["w "], delay=0.02)
    messages: list[Message] = []

    async def on_close(message: Message) -> None:
        messages.append(message)

    ROUTES["leave"] = lambda: FragmentStreamResponse(
        source.stream(forever=True),
        "chat.html",
        "plain",
        templates=templates,
        client_close_handler_callable=on_close,
    )
    parser, events = SSEParser(), []
    with httpx.Client(base_url=server, timeout=10) as client, client.stream("GET", "/s/leave") as response:
        for chunk in response.iter_raw():
            events += parser.feed(chunk)
            if len(events) >= 3:
                break
    assert wait_for(lambda: source.closed, within=2), "the source was not closed when the client left"
    assert messages == [{"type": "http.disconnect"}]


@pytest.mark.anyio
async def test_a_server_that_raises_on_send_to_a_gone_client_ends_the_stream_quietly(
    templates: Jinja2Templates,
) -> None:
    # ASGI 2.4 lets a server raise OSError from send() once the client is gone (uvicorn returns
    # instead); the response must take that as a disconnect, not crash.
    source = Source(["w "], delay=0.01)
    ended: list[str] = []
    response = FragmentStreamResponse(
        source.stream(forever=True), "chat.html", "plain", templates=templates, on_disconnect=ended.append
    )
    sent: list[Message] = []
    never = asyncio.Event()

    async def receive() -> Message:
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if len(sent) == 3:
            raise OSError("connection reset by peer")
        sent.append(message)

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}
    await asyncio.wait_for(response(scope, receive, send), timeout=5)
    assert source.closed
    assert len(ended) == 1
