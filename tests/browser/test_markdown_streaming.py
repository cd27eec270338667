"""Streaming markdown in Chromium, on pages the ``fragments/answer.html`` macros wire: no word lost, no raw markup.

Each case streams a first part, then the model pauses (until the test lets it go on): while it
pauses, the page must show exactly what the model wrote so far, less only what can still become
markup. A MutationObserver records every state the answer went through, so a flash of raw
markup between two inspections fails too. Both htmx versions, both markdown modes; the page
ends equal to a one-shot render.
"""

from __future__ import annotations

import asyncio
import html
import re
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
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
from fastapi_fragments._text import TextModeName
from fastapi_fragments.markdown._streaming import StreamingMarkdown, render_markdown
from fastapi_fragments.testing import LiveServer
from tests.browser.cuttable_proxy import CuttableProxy

STATIC = Path(__file__).parents[2] / "demo_app" / "static"
VENDOR = Path(__file__).parent / "vendor"

PAGE = """<!doctype html>{% import "fragments/htmx.html" as sse %}{% import "fragments/answer.html" as answer %}
{% if frontend == "htmx2" %}
<script src="/static/vendor/htmx2/htmx.min.js"></script><script src="/static/vendor/htmx2/sse.js"></script>
<div id="region" {{ sse.connect(url) }}>{{ answer.htmx2("answer", mode) }}</div>
{% elif frontend == "htmx4" %}
<script src="/static/vendor/htmx4/htmx.min.js"></script><script src="/static/vendor/htmx4/hx-sse.js"></script>
<form {{ answer.htmx4_form(url, "answer", mode) }}><button id="go">Go</button></form>
<div id="region">{{ answer.htmx4("answer", mode) }}</div>
{% else %}
<script type="module" src="/datastar/datastar-1.0.0-RC.5.js"></script>
<button id="go" data-on-click="@post('{{ url }}', {openWhenHidden: true})">Go</button>
<div id="region">{{ answer.datastar("answer", mode) }}</div>
{% endif %}
<script>
  window.seen = [];
  const answer = () => document.getElementById("answer").innerHTML;
  new MutationObserver(() => seen.push(answer()))
    .observe(document.getElementById("region"), {subtree: true, childList: true, characterData: true});
</script>
"""


@dataclass
class Run:
    """One scripted answer: tokens, and pauses (by name) the test releases."""

    steps: list[str | float]
    interval: float | None
    gates: dict[str, threading.Event] = field(default_factory=dict)

    async def tokens(self) -> AsyncIterator[str]:
        for step in self.steps:
            if isinstance(step, str) and step.startswith("@"):
                gate = self.gates.setdefault(step, threading.Event())
                await asyncio.to_thread(gate.wait, 20)
            elif isinstance(step, float):
                await asyncio.sleep(step)
            else:
                await asyncio.sleep(0.01)  # about the settle delay of htmx 2: where frames got lost
                yield step

    def release(self, name: str) -> None:
        self.gates.setdefault(name, threading.Event()).set()


RUNS: dict[str, Run] = {}


@pytest.fixture(scope="module")
def site() -> Iterator[LiveServer]:
    env = jinja2.Environment(loader=jinja2.DictLoader({"md.html": "{% block answer %}{{ text }}{% endblock %}"}))
    FragmentsMiddleware(app=None, templates=env)  # type: ignore[arg-type]  # adds the macros' loader now
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, templates=env)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/datastar", StaticFiles(directory=VENDOR), name="datastar")

    @app.get("/page/{frontend}/{mode}/{run}")
    async def page(frontend: str, mode: str, run: str) -> Response:
        url = f"/stream/{frontend}/{mode}/{run}"
        return HTMLResponse(env.from_string(PAGE).render(frontend=frontend, mode=mode, url=url))

    @app.api_route("/stream/{frontend}/{mode}/{run}", methods=["GET", "POST"])
    async def stream(frontend: str, mode: TextModeName, run: str) -> Response:
        script = RUNS[run]
        options: dict[str, Any] = {"dialect": frontend}
        if script.interval is not None:
            options["min_interval"] = script.interval
        return FragmentStreamResponse(script.tokens(), "md.html", "answer", templates=env, mode=mode, **options)

    with LiveServer(app) as server:
        yield server


def visible(markup: str) -> str:
    """The text a reader sees, without tags and whitespace."""
    return "".join(html.unescape(re.sub(r"<[^>]*>", "", markup)).split())


def start(page: Page, base: str, frontend: str, mode: str, run: Run) -> str:
    key = uuid.uuid4().hex
    RUNS[key] = run
    page.goto(f"{base}/page/{frontend}/{mode}/{key}")
    if frontend != "htmx2":
        page.wait_for_load_state("networkidle")  # Datastar's module has bound its click handler
        page.click("#go")
    return key


SHOWS = "want => document.getElementById('answer').textContent.replace(/\\s+/g, '') === want"


def wait_until_shown(page: Page, text: str) -> None:
    """Wait until the answer shows exactly ``text`` (whitespace aside), or fail with what it shows."""
    try:
        page.wait_for_function(SHOWS, arg="".join(text.split()), timeout=5000)
    except Exception:
        raise AssertionError(f"the page shows {visible(page.inner_html('#answer'))!r}, not {text!r}") from None


def assert_shows(page: Page, text: str) -> None:
    """The answer shows exactly ``text`` (whitespace aside) now."""
    assert page.evaluate(SHOWS, "".join(text.split())), f"the page shows {visible(page.inner_html('#answer'))!r}"


#: markdown mode's body as a reader sees it: markers and their growth (Datastar's ``<span>`` s) unwrapped, and
#: the ``<div>`` around a tail of several elements.
BODY = """() => {
  const body = document.querySelector("#answer [data-fragments-body]");
  if (!body) return null;
  const copy = body.cloneNode(true);
  for (const marker of copy.querySelectorAll("[data-fragments-grow]")) {
    for (const span of marker.querySelectorAll(":scope > span")) span.replaceWith(...span.childNodes);
    marker.replaceWith(...marker.childNodes);
  }
  for (const wrapper of copy.querySelectorAll(":scope > div")) wrapper.replaceWith(...wrapper.childNodes);
  return copy.innerHTML;
}"""


def assert_body_renders(page: Page, tokens: list[str]) -> None:
    """Markdown mode: the body holds exactly the elements the text so far renders to (what is undecided aside)."""
    markdown = StreamingMarkdown()
    markdown.feed("".join(tokens))
    step = markdown.snapshot()
    body = page.evaluate(BODY)
    assert body is not None, "no body"
    assert "".join(html.unescape(body).split()) == "".join(html.unescape(step.blocks + step.tail).split())


def finish(page: Page, run: Run, gate: str, answer: str) -> list[str]:
    """Let the model go on, wait for the end, check the page equals a one-shot render; every state seen."""
    run.release(gate)
    final = render_markdown(answer).strip()
    same = "want => document.getElementById('answer').innerHTML.trim() === want"
    try:
        page.wait_for_function(same, arg=final, timeout=5000)
    except Exception:
        raise AssertionError(f"the page ends as {page.inner_html('#answer')!r}, not {final!r}") from None
    seen: list[str] = page.evaluate("window.seen")
    return seen


FRONTENDS = ["htmx2", "htmx4", "datastar"]
MODES = ["markdown", "markdown-replace"]


@dataclass(frozen=True)
class Case:
    first: list[str]
    paused: str  # what the page shows while the model pauses
    rest: list[str]
    never: str  # a raw-markup string no state of the page may show (empty: none)
    never_tag: str = ""  # an element no state of the page may have (the bullet of a rule)


CASES = {
    "bold_across_a_line_break": Case(
        ["Here", " is", " **bold", "\ntext", " that", " con"], "Here is", ["tinues**", " and", " ends.\n"], "**"
    ),
    "rule_after_a_blank_line": Case(["Intro.", "\n\n", "-"], "Intro.", ["--", "\n\n", "After", " it.\n"], "", "<li"),
    "table_header_until_its_delimiter_row": Case(
        ["Intro.", "\n\n", "| a ", "| b |", "\n", "|--", "-|"], "Intro.", ["---|\n", "| 1 | 2 |\n"], "|"
    ),
    "unfinished_entity": Case(["Tom", " &", "amp"], "Tom", ["; Jerry.\n"], "&amp"),
    "single_tilde_at_the_end": Case(["Price", " ~"], "Price", [" 5", " euros.\n"], ""),
    "plain_text_is_not_held": Case(["2", " *", " 3", " =", " 6"], "2 * 3 = 6", [" is", " arithmetic.\n"], ""),
    # The unfinished element is replaced in place: a list's new items, a heading and the line after it.
    "list_items": Case(
        ["Intro.", "\n\n", "- one", "\n", "- two", "\n", "- three"], "Intro. one two three", ["\n\nEnd.\n"], ""
    ),
    "heading_then_a_line": Case(["# Title", "\n", "Para", " text"], "Title Para text", [" goes on.\n"], "#"),
    "every_word_written": Case(
        ["Intro.", "\n\n", "Hello", " there", " big", " wide", " world", " of", " many", " words"],
        "Intro. Hello there big wide world of many words",
        [".\n"],
        "",
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("name", list(CASES))
def test_paused_mid_stream_the_page_shows_every_decided_word_and_no_markup(
    page: Page, site: LiveServer, frontend: str, mode: str, name: str
) -> None:
    case = CASES[name]
    run = Run([*case.first, "@pause", *case.rest], interval=None)
    start(page, site.url, frontend, mode, run)
    wait_until_shown(page, case.paused)
    page.wait_for_timeout(250)  # a few frame intervals: nothing more may show, nothing may go
    assert_shows(page, case.paused)
    if mode == "markdown":
        assert_body_renders(page, case.first)
    seen = finish(page, run, "@pause", "".join(case.first + case.rest))
    final = visible(render_markdown("".join(case.first + case.rest)))
    for state in seen:
        shown = visible(state)  # every element stays where it was shown: no state repeats text
        assert final.startswith(shown), f"the page showed {shown!r} on its way to {final!r}"
        text = html.unescape(re.sub(r"<[^>]*>", "", state))
        assert not case.never or case.never not in text, text
        assert not case.never_tag or case.never_tag not in state, state


WORDS = ["Intro.", "\n\n", "Hello", " there", " big", " wide", " world", " of", " many", " words", " here"]


@pytest.mark.parametrize("interval", [0.0, 0.016, None], ids=["interval-0", "interval-16ms", "interval-default"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_fast_growth_frames_are_never_lost(
    page: Page, site: LiveServer, frontend: str, mode: str, interval: float | None
) -> None:
    # A long first paragraph word by word, 10 ms apart: growth frames land inside htmx 2's settle delay.
    run = Run([*WORDS, "@pause", ".\n"], interval=interval)
    start(page, site.url, frontend, mode, run)
    wait_until_shown(page, "".join(WORDS))
    finish(page, run, "@pause", "".join([*WORDS, ".\n"]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_after_a_network_stall_every_word_arrives_at_once(
    page: Page, site: LiveServer, frontend: str, mode: str
) -> None:
    port = int(site.url.rsplit(":", 1)[1])
    with CuttableProxy(port) as proxy:
        run = Run(["Intro.", "@stalled", *WORDS[1:], 0.3, "@pause", ".\n"], interval=None)
        start(page, f"http://127.0.0.1:{proxy.port}", frontend, mode, run)
        wait_until_shown(page, "Intro.")
        proxy.stall()
        run.release("@stalled")  # the model writes on; the frames queue up behind the stalled network
        page.wait_for_timeout(800)
        assert_shows(page, "Intro.")
        proxy.flow()  # a new tail, then its growth frames, all in one read
        wait_until_shown(page, "".join(WORDS))
        finish(page, run, "@pause", "".join([*WORDS, ".\n"]))
