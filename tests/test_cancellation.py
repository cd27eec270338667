"""A request cancelled from outside: a timeout middleware, BaseHTTPMiddleware, a forced shutdown.

The pull loop runs in a task of its own. When the request's task is cancelled, the loop is
stopped as a leaving client stops it: the model's stream is closed once, by the loop, and a hook
already running (saving the answer) finishes. Sends that would wait on a client nobody reads for
any more are dropped, so the cancelled request returns at once instead of after a grace period.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import FakeOpenStream, LiveServer
from tests.helpers import Source, wait_for


class Hooks:
    """Records each hook call; each hook takes ``delay`` seconds, like a database write."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[tuple[str, str]] = []  # (hook, its argument) once the hook has finished

    def options(self) -> dict[str, Any]:
        return {name: self._hook(name) for name in ("on_complete", "on_error", "on_disconnect")}

    def _hook(self, name: str) -> Any:
        async def hook(argument: object) -> None:
            await asyncio.sleep(self.delay)
            self.calls.append((name, str(argument)))

        return hook


class Timeout:
    """``app`` behind a timeout middleware that cancels each request after ``seconds``; notes when it returned."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app, self.seconds = app, seconds
        self.returned_after: float | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        with anyio.move_on_after(self.seconds):
            await self.app(scope, receive, send)
        self.returned_after = time.monotonic() - started


def app_for(make_response: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/s")
    async def route() -> Response:
        response: Response = make_response()
        return response

    return app


def get_dropped(url: str) -> bytes:
    """GET ``url``; the server drops a response its app abandoned, so the body ends early."""
    body = b""
    with (
        httpx.Client(base_url=url, timeout=10) as client,
        client.stream("GET", "/s") as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        for chunk in response.iter_raw():
            body += chunk
    return body


def test_a_request_cancelled_mid_stream_closes_the_source_once_and_quietly(
    templates: Jinja2Templates, caplog: pytest.LogCaptureFixture
) -> None:
    # Closing the model's stream from the request's task while the loop was still inside it
    # logged "aclose(): asynchronous generator is already running" for every such stream.
    source, hooks = Source(["tok "], delay=0.01), Hooks()
    app = app_for(
        lambda: FragmentStreamResponse(
            source.stream(forever=True), "chat.html", "plain", templates=templates, **hooks.options()
        )
    )
    with caplog.at_level("WARNING", logger="fastapi_fragments"), LiveServer(Timeout(app, 0.3)) as live:
        body = get_dropped(live.url)
        assert wait_for(lambda: source.closed and hooks.calls, within=2), "the source was not closed, or no hook ran"
    assert b"tok tok" in body
    assert [name for name, _ in hooks.calls] == ["on_disconnect"]
    assert hooks.calls[0][1].startswith("tok tok")
    assert not [record for record in caplog.records if "closing the token source" in record.getMessage()]


def test_a_hook_running_when_the_request_is_cancelled_runs_to_its_end(templates: Jinja2Templates) -> None:
    # The answer is done after ~20 ms and on_complete saves it until ~520 ms; the timeout fires at
    # 300 ms. A native cancel of the loop's task would cut the hook short and lose the message.
    hooks = Hooks(delay=0.5)
    app = app_for(
        lambda: FragmentStreamResponse(
            Source(["a", "b"], delay=0.01).stream(), "chat.html", "plain", templates=templates, **hooks.options()
        )
    )
    with LiveServer(Timeout(app, 0.3)) as live:
        get_dropped(live.url)  # the body's end would come after the hook
        assert wait_for(lambda: hooks.calls, within=3), "the hook was cut short"
    assert hooks.calls == [("on_complete", "ab")]


def test_a_hook_running_after_the_client_left_survives_a_cancellation_too(templates: Jinja2Templates) -> None:
    # The client leaves at once; on_disconnect runs for 500 ms; the timeout fires at 400 ms,
    # while the request's task waits for the loop that runs the hook.
    hooks = Hooks(delay=0.5)
    app = app_for(
        lambda: FragmentStreamResponse(
            Source(["w "], delay=0.01).stream(forever=True),
            "chat.html",
            "plain",
            templates=templates,
            **hooks.options(),
        )
    )
    with LiveServer(Timeout(app, 0.4)) as live:
        with httpx.Client(base_url=live.url, timeout=10) as client, client.stream("GET", "/s") as response:
            next(response.iter_raw())
        assert wait_for(lambda: hooks.calls, within=3), "on_disconnect was cut short"
    assert [name for name, _ in hooks.calls] == ["on_disconnect"]


def test_a_failed_answer_cancelled_during_on_error_gets_no_second_hook_and_no_grace_wait(
    templates: Jinja2Templates,
) -> None:
    # Behind BaseHTTPMiddleware, once the timeout cancelled the request nobody reads the sends:
    # the error frame waited for the 15 s grace, then on_disconnect followed on_error.
    hooks = Hooks(delay=0.5)

    async def failing() -> AsyncIterator[str]:
        yield "a"
        raise RuntimeError("the model crashed")

    async def passthrough(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        return response

    inner = BaseHTTPMiddleware(
        app_for(
            lambda: FragmentStreamResponse(failing(), "chat.html", "plain", templates=templates, **hooks.options())
        ),
        passthrough,
    )
    timeout = Timeout(inner, 0.3)
    with LiveServer(timeout) as live:
        with httpx.Client(base_url=live.url, timeout=30) as client, pytest.raises(httpx.HTTPError):
            client.get("/s")
        assert wait_for(lambda: timeout.returned_after is not None, within=5), "the cancelled request hung"
        time.sleep(0.3)  # a second hook would come right after the first
    assert [name for name, _ in hooks.calls] == ["on_error"]


def test_a_request_cancelled_before_the_response_started_closes_the_source(templates: Jinja2Templates) -> None:
    # The response's start is delayed (a slow middleware); the timeout fires first. The SDK's
    # stream is open (its HTTP response exists) though nothing was read from it yet.
    source, hooks = FakeOpenStream(["a", "b"]), Hooks()
    app = app_for(lambda: FragmentStreamResponse(source, "chat.html", "plain", templates=templates, **hooks.options()))

    async def slow_start(scope: Any, receive: Any, send: Any) -> None:
        async def delayed(message: Any) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(0.6)
            await send(message)

        await app(scope, receive, delayed if scope["type"] == "http" else send)

    with LiveServer(Timeout(slow_start, 0.3)) as live:
        with httpx.Client(base_url=live.url, timeout=10) as client:
            assert client.get("/s").status_code == 500  # uvicorn's answer for an app that never started one
        assert wait_for(lambda: source.closed and hooks.calls, within=3), "the source was not closed, or no hook ran"
    assert hooks.calls == [("on_disconnect", "")]
