"""A registry stream with part blocks: every part's latest render is in the snapshot, and a reconnect
mid-reasoning shows the same page as an uninterrupted run (on real uvicorn, with the raw SSE client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import Response

from fastapi_fragments import FragmentsMiddleware, StreamRegistry
from fastapi_fragments.parts._result import StreamResult
from fastapi_fragments.testing import FakeLLM, LiveServer, SSEMessage
from tests.registry.registry_app import TEMPLATES
from tests.registry.registry_helpers import start_answer

pytestmark = pytest.mark.anyio

THOUGHTS = [f"thought{i} " for i in range(12)]
TOKENS = ["<think>", *THOUGHTS, "</think>", "The ", "answer."]


def parts_app(registry: StreamRegistry, llm: FakeLLM, results: list[StreamResult]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with registry:
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(FragmentsMiddleware, templates=TEMPLATES)
    app.router.routes.extend(registry.routes())

    @app.post("/chat")
    async def chat(request: Request, q: Annotated[str, Form()]) -> Response:
        return await registry.start(
            request, llm.stream(q), "registry_parts.html", "answer", scaffold_block="turn",
            reasoning_block="reasoning", tools_block="tools", usage_block="usage", on_finish=results.append,
        )  # fmt: skip

    return app


def last(events: list[SSEMessage]) -> dict[str, str]:
    assert events and events[-1].event == "done", events
    return {event.event: event.data for event in events}


async def test_a_reconnect_mid_reasoning_shows_the_same_page() -> None:
    results: list[StreamResult] = []
    llm = FakeLLM(TOKENS, delay=0.05)
    with LiveServer(parts_app(StreamRegistry(), llm, results)) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            turn = await start_answer(client)
            assert 'sse-swap="reasoning"' in turn.html and 'id="usage"' in turn.html
            whole = await turn.open()
            first = await turn.open()
            seen = await first.until("reasoning", 2)
            await first.close()
            assert 'data-thinking="true"' in seen.data
            second = await turn.open(headers={"Last-Event-ID": first.last_event_id})
            resumed = await second.read_all()
            uninterrupted = await whole.read_all()
    reasoning = [event.data for event in resumed if event.event == "reasoning"]
    shown = seen.data.split('<div class="fragments-reasoning-text">')[1].split("</div>")[0]
    assert shown in reasoning[0], "the reconnect starts from the reasoning the page showed, or further"
    assert last(resumed) == last(uninterrupted)
    end = last(uninterrupted)
    assert 'data-thinking="false"' in end["reasoning"] and "".join(THOUGHTS).strip() in end["reasoning"]
    assert "<p>The answer.</p>" in end["fragment"] and 'class="thinking"' not in end["fragment"]
    assert '<span class="finish">stop</span>' in end["usage"]
    assert [result.outcome for result in results] == ["completed"] and results[0].text == "The answer."
    assert len(llm.calls) == 1


async def test_a_stop_mid_reasoning_closes_the_panel_for_every_follower() -> None:
    results: list[StreamResult] = []
    llm = FakeLLM(TOKENS, delay=0.1)
    with LiveServer(parts_app(StreamRegistry(), llm, results)) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            turn = await start_answer(client)
            follower = await turn.open()
            while (event := await follower.next_event()) is not None:
                if event.event == "reasoning" and "thought0" in event.data:
                    break  # the model is thinking, with something to show
            stopped = await client.post(turn.stop_url, headers=turn.headers)
            assert stopped.status_code == 204
            events = await follower.read_all()
    end = last(events)
    assert 'data-thinking="false"' in end["reasoning"] and "thought0" in end["reasoning"]
    assert "Thinking" not in end["reasoning"]
    assert 'class="thinking"' not in end["fragment"] and 'data-status="stopped"' in end["fragment"]
    assert '<span class="finish">error</span>' in end["usage"]
    assert [result.outcome for result in results] == ["stopped"]
