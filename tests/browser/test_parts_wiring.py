"""A multi-part stream in real htmx 2 and htmx 4, wired with ``fragments/parts.html``'s macros.

The model thinks, calls a tool, then answers; the page must show the reasoning panel open and
growing while it thinks, closed with a measured duration once the answer starts, the tool card
changing status in place (one card, never a second), and the usage line at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from fastapi_fragments import FragmentsMiddleware, FragmentStreamResponse
from fastapi_fragments.testing import FakeReasoning, FakeReply, FakeText, FakeToolCall, FakeUsage, LiveServer
from tests.parts.wire_items import anthropic_events

STATIC = Path(__file__).parents[2] / "demo_app" / "static"
SCRIPTS = {
    frontend: f'<script src="/static/vendor/{frontend}/htmx.min.js"></script>'
    f'<script src="/static/vendor/{frontend}/{ext}"></script>'
    for frontend, ext in (("htmx2", "sse.js"), ("htmx4", "hx-sse.js"))
}
REPLY = FakeReply(
    parts=[
        FakeReasoning([f"step {i}. " for i in range(8)]),
        FakeToolCall("search_docs", ['{"query": ', '"htmx"}'], id="call_a"),
        FakeText(["htmx ", "swaps ", "HTML."]),
    ],
    usage=FakeUsage(input_tokens=12, output_tokens=40),
    finish_reason="end_turn",
)
BLOCKS = """{% import "fragments/parts.html" as parts %}
{% block answer %}{% if thinking %}<p class="thinking">Thinking…</p>{% endif %}{{ text }}{% endblock %}
{% block reasoning %}{{ parts.reasoning(reasoning, thinking, duration) }}{% endblock %}
{% block tools %}{{ parts.tool_cards(tool_calls) }}{% endblock %}
{% block usage %}{{ parts.usage(usage, finish_reason) }}{% endblock %}"""
TEMPLATES = {
    "chat.html": BLOCKS,
    "htmx2.html": """{% import "fragments/htmx.html" as sse %}{% import "fragments/parts.html" as parts %}
<div {{ sse.connect("/stream") }}>{{ parts.htmx2("reasoning") }}{{ parts.htmx2("tools") }}
<div id="answer" {{ sse.swap() }}></div>{{ parts.htmx2("usage") }}</div>""",
    "htmx4.html": """{% import "fragments/htmx.html" as sse %}{% import "fragments/parts.html" as parts %}
<form {{ sse.post("/stream", "#answer") }}><button id="go">Ask</button></form>
{{ parts.htmx4("reasoning") }}{{ parts.htmx4("tools") }}<div id="answer"></div>{{ parts.htmx4("usage") }}""",
}


async def model() -> AsyncIterator[Any]:
    """Anthropic's events for the reply, a model's pace apart (the thinking slower)."""
    for item in anthropic_events(REPLY):
        delta = getattr(item, "delta", None)
        await asyncio.sleep(0.12 if getattr(delta, "type", "") == "thinking_delta" else 0.08)
        yield item


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, templates=env)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/page/{frontend}")
    async def page(frontend: str) -> Response:
        return HTMLResponse(f"<!doctype html>{SCRIPTS[frontend]}{env.get_template(f'{frontend}.html').render()}")

    @app.api_route("/stream", methods=["GET", "POST"])
    async def stream() -> Response:
        return FragmentStreamResponse(
            model(), "chat.html", "answer", min_interval=0,
            reasoning_block="reasoning", tools_block="tools", usage_block="usage",
        )  # fmt: skip

    with LiveServer(app) as server:
        yield server.url


@pytest.mark.parametrize("frontend", ["htmx2", "htmx4"])
def test_reasoning_tools_and_usage_on_the_page(page: Page, site: str, frontend: str) -> None:
    # Recorded from before the page's scripts run: what the panel and the cards looked like meanwhile.
    page.add_init_script("""
        window.__seen = {openGrowing: 0, cards: new Set(), maxCards: 0, thinkingAnswer: false};
        new MutationObserver(() => {
            const panel = document.querySelector('#reasoning details');
            if (panel && panel.open && panel.textContent.includes('step 2.')) window.__seen.openGrowing++;
            for (const card of document.querySelectorAll('#tools .fragments-tool'))
                window.__seen.cards.add(card.dataset.status);
            window.__seen.maxCards = Math.max(window.__seen.maxCards,
                document.querySelectorAll('#tools .fragments-tool').length);
            if (document.querySelector('#answer .thinking')) window.__seen.thinkingAnswer = true;
        }).observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
    """)
    page.goto(f"{site}/page/{frontend}")
    if frontend == "htmx4":
        page.click("#go")
    page.wait_for_selector("#usage .fragments-usage", timeout=10000)
    seen = page.evaluate("({...window.__seen, cards: [...window.__seen.cards]})")
    assert seen["openGrowing"] >= 1, "the panel was never open while the reasoning grew"
    assert seen["thinkingAnswer"], "the answer never said the model was thinking"
    assert {"pending", "running"} <= set(seen["cards"]) and seen["maxCards"] == 1
    panel = page.locator("#reasoning details")
    assert panel.get_attribute("open") is None, "the panel stays open after the answer started"
    assert page.locator("#reasoning summary").inner_text().startswith("Thought for ")
    assert "step 7." in (page.locator("#reasoning").text_content() or "")  # closed: hidden, but there
    assert page.locator("#answer").inner_text() == "htmx swaps HTML."
    assert page.locator("#tools .fragments-tool").count() == 1
    assert page.locator("#usage").inner_text() == "12 tokens in · 40 out"
