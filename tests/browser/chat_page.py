"""What the browser tests do on the chat page, and the answers they expect."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Page

from demo_app.retriever import Retriever, Search, load_corpus
from fastapi_fragments.markdown._streaming import render_markdown
from fastapi_fragments.parts import Usage
from tests.demo.agent_runs import agent_usage, instant

FIRST = "How do retries work when a job fails?"
SECOND = "How do I rotate an API key?"


def expected_answer(question: str) -> str:
    """What the demo's model writes for a first question, computed apart from the app."""
    documents = Retriever(load_corpus()).search(question)

    async def collect() -> str:
        return "".join([piece async for piece in instant().stream(question, documents=documents)])

    # Playwright's sync API owns this thread's event loop; run ours beside it.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, collect()).result()


def expected_parts(question: str) -> tuple[Search, Usage | None]:
    """The search the demo runs for a first question, and the usage its model reports, computed apart from the app."""
    search = Retriever(load_corpus()).run(question)

    with ThreadPoolExecutor(1) as pool:  # beside Playwright's own event loop, as above
        return search, pool.submit(asyncio.run, agent_usage(question, search)).result()


def ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")


def turn_state(page: Page, index: int) -> str:
    return str(page.locator("#conversation .turn").nth(index).get_attribute("data-state"))


def wait_for_state(page: Page, index: int, state: str, timeout: float = 15) -> None:
    page.wait_for_function(
        "([index, state]) => document.querySelectorAll('#conversation .turn')[index]?.dataset.state === state",
        arg=[index, state],
        timeout=timeout * 1000,
    )


def answer_text(page: Page, index: int) -> str:
    """The answer's text as shown (markdown mode splits it between the body and the unfinished tail),
    without the whitespace around it (a block's render is stripped, the markdown's HTML ends with a newline)."""
    return str(
        page.evaluate(
            """index => Array.from(document.querySelectorAll('#conversation .turn')[index]
                 ?.querySelectorAll('.answer-text') || [], e => e.textContent).join('')""",
            index,
        )
    ).strip()


def shown_answer(page: Page, question: str) -> str:
    """The text the page shows for the model's whole answer: both pages render its markdown."""
    html = render_markdown(expected_answer(question))
    return str(
        page.evaluate("html => Object.assign(document.createElement('div'), {innerHTML: html}).textContent", html)
    ).strip()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s for {what}")
        time.sleep(0.05)


#: A turn's regions, copied without htmx's transient swap and settle classes.
_REGIONS = """turn => {
  const copy = turn.cloneNode(true);
  copy.querySelectorAll("*").forEach((e) => {
    [...e.classList].filter((name) => name.startsWith("htmx-")).forEach((name) => e.classList.remove(name));
    if (e.classList.length === 0) e.removeAttribute("class");
  });
  return Object.fromEntries(["sources", "reasoning", "tools", "answer", "usage"].map(
    (region) => [region, copy.querySelector(`:scope > .${region}`).innerHTML]));
}"""
#: What differs between two runs of the same question (besides the turn's id): the tool call's id, the thinking time.
_PER_RUN = [(re.compile(r"call_[0-9a-f]+"), "CALL"), (re.compile(r"Thought for [0-9.]+ s"), "Thought for N s")]


def turn_regions(page: Page, index: int) -> dict[str, str]:
    """The HTML of a turn's sources, reasoning panel, tool cards, answer and usage line, with what differs
    between two runs of the same question (ids, the measured thinking time) replaced by placeholders."""
    turn = page.locator("#conversation .turn").nth(index)
    regions: dict[str, str] = turn.evaluate(_REGIONS)
    turn_id = str(turn.get_attribute("id"))
    for pattern, placeholder in [(re.compile(re.escape(turn_id)), "TURN"), *_PER_RUN]:
        regions = {region: pattern.sub(placeholder, html) for region, html in regions.items()}
    return regions
