"""What the browser tests do on the chat page, and the answers they expect."""

from __future__ import annotations

import asyncio
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
