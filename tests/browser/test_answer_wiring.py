"""Every text mode in real htmx 2 and htmx 4 ends with exactly the one-shot render of the block.

Pages wired by ``fragments/answer.html``'s macros stream the answer and end with the block
rendered once with the whole text. Pages wired the old way (the README's snippet: one element
swapping every ``fragment`` with ``innerHTML``, or an htmx 4 form aimed at ``#answer``) may show
less while the answer streams, but they end complete too: the last frame of every mode replaces
the answer with the whole render.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import jinja2
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from playwright.sync_api import Page
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from fastapi_fragments import Fragment, FragmentsMiddleware, FragmentStreamResponse
from fastapi_fragments._text import TextModeName
from fastapi_fragments.markdown._streaming import render_markdown
from fastapi_fragments.testing import LiveServer

STATIC = Path(__file__).parents[2] / "demo_app" / "static"
TOKENS = ["# Ti", "tle\n\nHello ", "**bo", "ld** wo", "rld.\n\n- one\n", "- two\n\n", "End <b>x</b>", " & more."]
MODES: list[TextModeName] = ["replace", "append", "markdown", "markdown-replace"]
SCRIPTS = {
    frontend: f'<script src="/static/vendor/{frontend}/htmx.min.js"></script>'
    f'<script src="/static/vendor/{frontend}/{ext}"></script>'
    for frontend, ext in (("htmx2", "sse.js"), ("htmx4", "hx-sse.js"))
}
TEMPLATES = {
    "chat.html": '{% block answer %}{{ text }}{% if streaming %}<span class="cursor"></span>{% endif %}{% endblock %}',
    # The library's macros, from the block name and the mode.
    "htmx2-macros.html": """{% import "fragments/htmx.html" as sse %}{% import "fragments/answer.html" as answer %}
<div {{ sse.connect("/stream/" ~ mode) }}>{{ answer.htmx2("answer", mode) }}</div>""",
    "htmx4-macros.html": """{% import "fragments/answer.html" as answer %}
<form {{ answer.htmx4_form("/stream/" ~ mode, "answer", mode) }}><button id="go">Ask</button></form>
{{ answer.htmx4("answer", mode) }}""",
    # The README's snippets, before the macros: the same wiring for every mode.
    "htmx2-readme.html": """<div hx-ext="sse" sse-connect="/stream/{{ mode }}" sse-close="done">
  <aside sse-swap="sources" hx-swap="innerHTML"></aside>
  <div id="answer" sse-swap="fragment" hx-swap="innerHTML" role="log"></div>
</div>""",
    "htmx4-readme.html": """<form hx-get="/stream/{{ mode }}" hx-target="#answer" hx-swap="innerHTML">
  <button id="go">Ask</button>
</form>
<aside id="sources"></aside><div id="answer" role="log"></div>""",
}


def one_shot(env: jinja2.Environment, mode: TextModeName) -> str:
    """The block rendered once with the whole answer, as replace mode ends."""
    raw = "".join(TOKENS)
    text = Markup(render_markdown(raw)) if mode.startswith("markdown") else escape(raw)
    return Fragment("chat.html", "answer", text=text, streaming=False).render(env)


async def answer() -> AsyncIterator[str]:
    for token in TOKENS:
        await asyncio.sleep(0.05)
        yield token


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, jinja2.Environment]]:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, templates=env)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/page/{frontend}/{wiring}/{mode}")
    async def page(frontend: str, wiring: str, mode: str) -> Response:
        body = env.get_template(f"{frontend}-{wiring}.html").render(mode=mode)
        return HTMLResponse(f"<!doctype html>{SCRIPTS[frontend]}{body}")

    @app.api_route("/stream/{mode}", methods=["GET", "POST"])
    async def stream(mode: TextModeName) -> Response:
        return FragmentStreamResponse(answer(), "chat.html", "answer", mode=mode, min_interval=0)

    with LiveServer(app) as server:
        yield server.url, env


def run(page: Page, url: str, frontend: str) -> None:
    """Open the page, record whether the answer showed part of the text, and start the stream."""
    # Watching from before the page's own scripts run, so no frame can come before the observer.
    page.add_init_script("""
        window.__partial = false;
        window.__cursor = false;
        new MutationObserver(() => {
            const shown = document.querySelector('#answer')?.textContent || '';
            if (shown.includes('Title') && !shown.includes('more')) window.__partial = true;
            if (document.querySelector('#answer .cursor, #answer-tail .cursor')) window.__cursor = true;
        }).observe(document, {childList: true, subtree: true, characterData: true});
    """)
    page.goto(url)
    if frontend == "htmx4":
        page.click("#go")


def wait_for_html(page: Page, expected: str) -> None:
    """Wait until ``#answer`` holds ``expected`` (as the browser serialises it), then check it stays so."""
    check = """expected => {
        const normal = Object.assign(document.createElement('div'), {innerHTML: expected}).innerHTML;
        return document.querySelector('#answer').innerHTML === normal;
    }"""
    try:
        page.wait_for_function(check, arg=expected, timeout=8000)
    except Exception:
        shown = page.evaluate("() => document.querySelector('#answer').innerHTML")
        raise AssertionError(f"the page ended with {shown!r}, not the one-shot render {expected!r}") from None
    page.wait_for_timeout(300)  # a late frame (a tail, a duplicate append) would land meanwhile
    assert page.evaluate(check, expected), "a frame after the final one changed the answer"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("frontend", ["htmx2", "htmx4"])
@pytest.mark.parametrize("wiring", ["macros", "readme"])
def test_the_page_ends_with_the_one_shot_render(
    page: Page, site: tuple[str, jinja2.Environment], wiring: str, frontend: str, mode: TextModeName
) -> None:
    url, env = site
    run(page, f"{url}/page/{frontend}/{wiring}/{mode}", frontend)
    wait_for_html(page, one_shot(env, mode))
    assert page.locator(".cursor").count() == 0
    if wiring == "macros":  # the old wiring may show the answer only at the end (htmx 2 append, markdown)
        assert page.evaluate("window.__partial"), "the answer did not stream: it appeared only at the end"
        if mode != "append":  # the block's {% if streaming %} cursor showed while it streamed (markdown: in the tail)
            assert page.evaluate("window.__cursor"), "the block's cursor never showed while the answer streamed"
