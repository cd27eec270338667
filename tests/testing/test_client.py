"""The stream readers, async against a live server and sync through Starlette's TestClient."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import FakeLLM, FakeOpenStream, LiveServer, aread_events, read_events


def make_app(templates: Jinja2Templates, llm: FakeLLM) -> FastAPI:
    app = FastAPI()

    @app.get("/answer")
    async def answer() -> Response:
        return FragmentStreamResponse(llm.stream("q"), "chat.html", "plain", templates=templates, min_interval=0)

    return app


@pytest.mark.anyio
async def test_aread_events_reads_to_the_end_or_stops_early(templates: Jinja2Templates) -> None:
    llm = FakeLLM(["a", "b", "c"], delay=0.01)
    with LiveServer(make_app(templates, llm)) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            full = await aread_events(client, "/answer")
            first = await aread_events(client, "/answer", max_events=1)
    assert full.ended and full.names == ["fragment"] * 4 + ["done"] and full.data_of("fragment")[-1] == "abc"
    assert not first.ended and first.names == ["fragment"]


def test_read_events_works_with_the_test_client(templates: Jinja2Templates) -> None:
    llm = FakeLLM(["x", "y"])
    with TestClient(make_app(templates, llm)) as client:
        result = read_events(client, "/answer")
    assert result.status_code == 200 and result.names[-1] == "done" and result.data_of("fragment")[-1] == "xy"
    assert llm.calls[0].closed and llm.calls[0].finished


def test_fake_open_stream_yields_its_tokens_and_records_closing(templates: Jinja2Templates) -> None:
    stream = FakeOpenStream(["already ", "open"])
    app = FastAPI()

    @app.get("/answer")
    async def answer() -> Response:
        return FragmentStreamResponse(stream, "chat.html", "plain", templates=templates)

    with TestClient(app) as client:
        result = read_events(client, "/answer")
    assert result.data_of("fragment")[-1] == "already open" and stream.closed
