"""A connection cut mid-answer or mid-reasoning is resumed from the registry, without a second generation.

The demo's htmx 2 page resumes: its answer runs in the ``StreamRegistry`` and the EventSource reconnects
to it. The demo's htmx 4 page cannot (its POST response is the stream, so a cut ends it); an htmx 4 page
resumes when it follows the registry with ``hx-sse:connect``, a GET that htmx 4 retries with
``Last-Event-ID``: the last test serves such a page.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import pytest
from fastapi import FastAPI, Request
from playwright.sync_api import Page
from playwright.sync_api import Request as BrowserRequest
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from fastapi_fragments import FragmentsMiddleware, StreamRegistry
from fastapi_fragments.testing import FakeReasoning, FakeReply, FakeText, FakeToolCall, FakeUsage, LiveServer
from tests.browser.chat_page import FIRST, answer_text, ask, shown_answer, turn_regions, wait_for_state, wait_until
from tests.browser.cuttable_proxy import CuttableProxy
from tests.browser.demo_server import Demo, RecordingLLM, fast_model
from tests.parts.wire_items import anthropic_events

#: The first turn is thinking: its reasoning panel open and growing, no answer text yet.
THINKING = """() => {
  const turn = document.querySelector("#conversation .turn");
  const reasoning = turn?.querySelector(".reasoning details[open] .fragments-reasoning-text");
  return (reasoning?.textContent.length || 0) > 20 && !turn.querySelector(".answer-text");
}"""


def stream_requests(page: Page, path: str = "/chat/stream/") -> list[BrowserRequest]:
    """The requests for answer streams (under ``path``) the page makes from now on (a reconnect is one more)."""
    streams: list[BrowserRequest] = []

    def record(request: BrowserRequest) -> None:
        if path in request.url:
            streams.append(request)

    page.on("request", record)
    return streams


def cuttable(url: str) -> CuttableProxy:
    """A proxy in front of the server at ``url``, for the page to load through and the test to cut."""
    port = urlsplit(url).port
    assert port is not None
    return CuttableProxy(port)


@contextmanager
def asking_through_a_proxy(
    page: Page, demo: Demo, tokens_per_second: float
) -> Iterator[tuple[RecordingLLM, list[BrowserRequest], CuttableProxy]]:
    """The demo's page, loaded through a proxy the test can cut, asking ``FIRST`` of a model at that pace:
    the model, the stream requests from then on, the proxy."""
    llm = fast_model(tokens_per_second=tokens_per_second)
    demo.use(llm)
    streams = stream_requests(page)
    with cuttable(demo.url) as proxy:
        page.goto(f"http://127.0.0.1:{proxy.port}/")
        ask(page, FIRST)
        yield llm, streams, proxy


def final_regions(page: Page) -> dict[str, str]:
    """The first turn's regions (``turn_regions``) once it is done, its usage line included (it comes last)."""
    wait_for_state(page, 0, "done", timeout=30)
    page.locator(".turn .usage .fragments-usage").wait_for(timeout=5_000)
    return turn_regions(page, 0)


def test_a_cut_connection_resumes_the_same_answer(page: Page, demo: Demo) -> None:
    with asking_through_a_proxy(page, demo, tokens_per_second=40) as (llm, streams, proxy):
        page.wait_for_function("() => (document.querySelector('.turn .answer')?.textContent || '').length > 100")
        proxy.cut()
        time.sleep(1)  # the generation goes on server-side meanwhile
        proxy.restore()
        wait_for_state(page, 0, "done", timeout=30)

    assert answer_text(page, 0) == shown_answer(page, FIRST)
    assert len(streams) >= 2, "the browser should have reconnected to the stream"
    assert (llm.opened, llm.completed) == (1, 1), "a reconnect must follow the running answer, not start another"


def test_a_connection_dropped_mid_reasoning_resumes_to_the_same_final_page(page: Page, demo: Demo) -> None:
    # The page the same question ends as when nothing cuts it (at full speed: the pace changes no render).
    demo.use(fast_model(tokens_per_second=math.inf))
    page.goto(demo.url + "/")
    ask(page, FIRST)
    uncut = final_regions(page)

    # At 60 tokens/s the model thinks for about 1.7 s before it answers, and answers for about 3 s more.
    with asking_through_a_proxy(page, demo, tokens_per_second=60) as (llm, streams, proxy):
        page.wait_for_function(THINKING)
        proxy.cut()
        assert page.evaluate(THINKING), "the connection was cut after the model stopped thinking"
        # The generation goes on server-side: it ends its reasoning and its search while the page is cut off.
        wait_until(lambda: llm.opened == 1, "the model to start its answer while the page is cut off")
        proxy.restore()
        resumed = final_regions(page)

    assert resumed == uncut
    assert len(streams) >= 2, "the browser should have reconnected to the stream"
    assert (llm.opened, llm.completed) == (1, 1), "a reconnect must follow the running answer, not start another"


#: A model that thinks for a while (the reasoning is slowest), searches, answers and reports its usage.
SLOW_THINKER = FakeReply(
    parts=[
        FakeReasoning([f"step {i}. " for i in range(12)]),
        FakeToolCall("search_docs", ['{"query": ', '"htmx"}'], id="call_a"),
        FakeText(["htmx ", "swaps ", "the ", "HTML ", "each ", "message ", "carries, ", "over ", "one ", "SSE."]),
    ],
    usage=FakeUsage(input_tokens=12, output_tokens=40),
    finish_reason="end_turn",
)
#: The htmx 4 page: the turn follows the registry's stream with ``sse.follow`` (``hx-sse:connect``, a GET
#: htmx 4 retries, closed by ``done``), and says why its stream closed (``message``: the ``done`` event
#: closed it; it will not reconnect).
HTMX4_PAGE = """{% import "fragments/parts.html" as parts %}{% import "fragments/htmx.html" as sse %}
{% block page %}<!doctype html>
<script src="/static/vendor/htmx4/htmx.min.js"></script><script src="/static/vendor/htmx4/hx-sse.js"></script>
<script>document.addEventListener("htmx:sse:close", (e) => { e.target.dataset.closed = e.detail.reason; });</script>
<div id="conversation"><div class="turn" id="turn-{{ stream_id }}" data-state="streaming"
 {{ sse.follow(stream_url, "#answer") }} hx-on:done="this.dataset.state = 'done'">
{{ parts.htmx4("sources", "sources") }}{{ parts.htmx4("reasoning", "reasoning") }}{{ parts.htmx4("tools", "tools") }}
{{ parts.htmx4("answer", "answer") }}{{ parts.htmx4("usage", "usage") }}</div></div>{% endblock %}
{% block sources %}{% for source in sources %}<cite>{{ source }}</cite>{% endfor %}{% endblock %}
{% block answer %}{% if thinking %}<p class="thinking">Thinking…</p>{% endif %}
{%- if text %}<p class="answer-text">{{ text }}</p>{% endif %}{% endblock %}
{% block reasoning %}{{ parts.reasoning(reasoning, thinking, duration) }}{% endblock %}
{% block tools %}{{ parts.tool_cards(tool_calls) }}{% endblock %}
{% block usage %}{{ parts.usage(usage, finish_reason) }}{% endblock %}"""


class SlowThinker:
    """One run of ``SLOW_THINKER`` as Anthropic's events, ``pace`` seconds apart (a thought 1.5 times that).

    Counts its runs, and tells when it has started to answer, for a test to wait on from another thread.
    """

    def __init__(self, pace: float) -> None:
        self.pace = pace
        self.opened = 0
        self.completed = 0
        self.answering = False

    async def stream(self) -> AsyncIterator[Any]:
        """The events, paced; ``opened`` counts the start and ``completed`` the end."""
        self.opened += 1
        for item in anthropic_events(SLOW_THINKER):
            kind = getattr(getattr(item, "delta", None), "type", "")
            await asyncio.sleep(self.pace * (1.5 if kind == "thinking_delta" else 1))
            self.answering = self.answering or kind == "text_delta"
            yield item
        self.completed += 1


@dataclass
class Htmx4Site:
    """The running htmx 4 app: its URL, and the model each page load started (the newest last)."""

    url: str
    models: list[SlowThinker]


@pytest.fixture(scope="module")
def htmx4_site() -> Iterator[Htmx4Site]:
    """An app whose page starts ``SLOW_THINKER`` in a ``StreamRegistry`` (``?pace=`` seconds per event)."""
    registry = StreamRegistry()
    models: list[SlowThinker] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with registry:
            yield

    templates = jinja2.Environment(loader=jinja2.DictLoader({"page.html": HTMX4_PAGE}), autoescape=True)
    app = FastAPI(lifespan=lifespan)
    app.add_middleware(FragmentsMiddleware, templates=templates)
    app.mount("/static", StaticFiles(directory=Path(__file__).parents[2] / "demo_app" / "static"), name="static")
    app.router.routes.extend(registry.routes())

    @app.get("/")
    async def page(request: Request, pace: float = 0) -> Response:
        model = SlowThinker(pace)
        models.append(model)
        return await registry.start(
            request, model.stream(), "page.html", "answer", scaffold_block="page",
            sources_block="sources", sources=["htmx 4: hx-sse"],
            reasoning_block="reasoning", tools_block="tools", usage_block="usage",
        )  # fmt: skip

    with LiveServer(app) as server:
        yield Htmx4Site(server.url, models)


def test_htmx4_connect_dropped_mid_reasoning_resumes_to_the_same_final_page(page: Page, htmx4_site: Htmx4Site) -> None:
    # The page the model's script ends as when nothing cuts it (at full speed: the pace changes no render).
    page.goto(htmx4_site.url + "/")
    uncut = final_regions(page)
    assert "step 11." in uncut["reasoning"] and "SSE." in uncut["answer"], uncut

    # At 0.1 s an event, the model thinks for about 2 s, searches for 0.7 s, then answers for 1.4 s.
    streams = stream_requests(page, "/fragments/streams/")
    loads = len(htmx4_site.models)
    with cuttable(htmx4_site.url) as proxy:
        page.goto(f"http://127.0.0.1:{proxy.port}/?pace=0.1")
        model = htmx4_site.models[-1]
        page.wait_for_function(THINKING)
        proxy.cut()
        assert page.evaluate(THINKING), "the connection was cut after the model stopped thinking"
        # The generation goes on server-side: it ends its reasoning and its search while the page is cut off.
        wait_until(lambda: model.answering, "the model to start its answer while the page is cut off")
        proxy.restore()
        resumed = final_regions(page)

    assert resumed == uncut
    # The done event closed the stream (htmx 4 reconnects to one that merely ends, again and again).
    page.wait_for_function("() => document.querySelector('.turn').dataset.closed === 'message'", timeout=5_000)
    assert len(streams) >= 2, "htmx 4 should have reconnected to the stream"
    assert streams[-1].headers.get("last-event-id", "").isdigit(), "the reconnect should say which frame it has"
    assert (model.opened, model.completed) == (1, 1), "a reconnect must follow the running answer, not start another"
    assert len(htmx4_site.models) == loads + 1, "a reconnect must not load the page (and start a generation) again"
