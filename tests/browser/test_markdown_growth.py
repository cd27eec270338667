"""Markdown mode in real htmx 2 and htmx 4, on pages wired by hand as the wire contract says.

The first frame puts the block around an empty body; elements are added to it once, and a
paragraph that only grows is sent as its new words (a bold word once it closes), appended into
a marker element that the body's last element carries (found by a permanent element's
``hx-target`` on htmx 2, an ``<hx-partial>`` selector on htmx 4). The model pauses
mid-paragraph so the test can look at the paragraph while it is still growing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import jinja2
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page, expect
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from fastapi_fragments import HTMX2, HTMX4, FragmentStreamResponse
from fastapi_fragments.markdown._streaming import render_markdown
from fastapi_fragments.testing import LiveServer

STATIC = Path(__file__).parents[2] / "demo_app" / "static"
FIRST = ["# Title\n\n", "Hello", " big", " wide", " **bold", "**", " words"]
REST = [" and more.\n\n", "- one\n", "- two", " items\n\n", "```\ncode", " line\n```\n"]
ANSWER = "".join(FIRST + REST)

PAGES = {
    "htmx2": """<!doctype html><script src="/static/vendor/htmx2/htmx.min.js"></script>
<script src="/static/vendor/htmx2/sse.js"></script>
<div hx-ext="sse" sse-connect="/stream/htmx2" sse-close="done">
  <div id="answer" sse-swap="fragment"></div>
  <div hidden sse-swap="append" hx-target="#answer [data-fragments-body]" hx-swap="beforeend"></div>
  <div hidden sse-swap="tail" hx-target="#answer [data-fragments-body] > :last-child" hx-swap="outerHTML"></div>
  <div hidden sse-swap="message" hx-swap="beforeend"
       hx-target="#answer [data-fragments-body] > :last-child [data-fragments-grow]"></div>
</div>""",
    "htmx4": """<!doctype html><script src="/static/vendor/htmx4/htmx.min.js"></script>
<script src="/static/vendor/htmx4/hx-sse.js"></script>
<form hx-post="/stream/htmx4" hx-target="#answer" hx-swap="beforeend"><button id="go">Go</button></form>
<div id="answer"></div>""",
}


async def answer() -> AsyncIterator[str]:
    for index, token in enumerate(FIRST):
        # After "Hello", a pause longer than any interval (even one stretched under load): the
        # page gets "Hello" as a full tail, so the words after it can only come as growth.
        await asyncio.sleep(1.2 if index == 2 else 0.02)
        yield token
    await asyncio.sleep(1.5)  # the model thinks: the test looks at the growing tail meanwhile
    for token in REST:
        await asyncio.sleep(0.01)
        yield token


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    env = jinja2.Environment(loader=jinja2.DictLoader({"md.html": "{% block answer %}{{ text }}{% endblock %}"}))
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/page/{frontend}")
    async def page(frontend: str) -> Response:
        return HTMLResponse(PAGES[frontend])

    @app.api_route("/stream/{frontend}", methods=["GET", "POST"])
    async def stream(frontend: str) -> Response:
        dialect = HTMX2() if frontend == "htmx2" else HTMX4()
        return FragmentStreamResponse(
            answer(), "md.html", "answer", templates=env, mode="markdown", dialect=dialect, min_interval=0.05
        )

    with LiveServer(app) as server:
        yield server.url


@pytest.mark.parametrize("frontend", ["htmx2", "htmx4"])
def test_a_growing_paragraph_grows_in_place_and_the_page_ends_as_one_render(
    page: Page, site: str, frontend: str
) -> None:
    page.goto(f"{site}/page/{frontend}")
    if frontend == "htmx4":
        page.click("#go")
    tail = page.locator("#answer [data-fragments-body] > :last-child")
    expect(tail).to_have_text("Hello big wide bold words", timeout=5000)  # before the model's pause ends
    marker = "[data-fragments-grow]"
    grown = page.locator(f"#answer [data-fragments-body] > p {marker}")
    assert grown.count() == 1 and grown.inner_text().strip(), "the paragraph did not grow through its marker"
    # The bold word came as growth too (held back until it closed): never as literal asterisks.
    expect(page.locator(f"#answer [data-fragments-body] > p {marker} strong")).to_have_text("bold")
    expect(page.locator("#answer [data-fragments-body] > h1")).to_have_text("Title")  # finished, before the paragraph
    assert page.locator("#answer [data-fragments-body] > *").count() == 2
    expect(page.locator("[data-fragments-body]")).to_have_count(0, timeout=5000)  # the final frame replaced it all
    assert page.locator("#answer").inner_html().strip() == render_markdown(ANSWER).strip()
