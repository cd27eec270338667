"""No task, thread or iterator outlives its stream, whether it ends, fails or is cut off."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import FakeLLM, LiveServer, read_events


def test_streams_leave_nothing_behind(templates: Jinja2Templates) -> None:
    llm = FakeLLM([f"w{i} " for i in range(200)], delay=0.005)
    failing = FakeLLM(["a", "b"], fail_after=1)
    sync_closed: list[bool] = []

    def sync_tokens() -> Iterator[str]:
        try:
            for i in range(200):
                time.sleep(0.005)
                yield f"s{i}"
        finally:
            sync_closed.append(True)

    app = FastAPI()

    @app.get("/async")
    async def async_route() -> Response:
        return FragmentStreamResponse(llm.stream("q"), "chat.html", "plain", templates=templates)

    @app.get("/sync")
    async def sync_route() -> Response:
        return FragmentStreamResponse(sync_tokens(), "chat.html", "plain", templates=templates)

    @app.get("/fail")
    async def fail_route() -> Response:
        return FragmentStreamResponse(failing.stream("q"), "chat.html", "plain", templates=templates)

    @app.get("/tasks")
    async def tasks() -> Response:
        return PlainTextResponse(str(len(asyncio.all_tasks())))

    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        read_events(client, "/async")  # warm up what lives as long as the event loop (its thread pool)
        baseline_tasks = int(client.get("/tasks").text)
        baseline_threads = threading.active_count()
        for round_ in range(6):
            read_events(client, "/async", max_events=2)  # cut off mid-answer
            read_events(client, "/sync", max_events=2)
            read_events(client, "/fail")
            if round_ % 2:
                read_events(client, "/async")  # read to the end
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and int(client.get("/tasks").text) > baseline_tasks:
            time.sleep(0.05)
        assert int(client.get("/tasks").text) <= baseline_tasks, "tasks outlived their streams"
        assert all(call.closed for call in llm.calls + failing.calls), "an LLM stream was left open"
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(sync_closed) < 6:
            time.sleep(0.05)
        assert len(sync_closed) == 6, "a sync source was left open"
    # anyio's worker threads are pooled (and idle ones expire): bound them, don't expect zero.
    assert threading.active_count() <= baseline_threads + 4
