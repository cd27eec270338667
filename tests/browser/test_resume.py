"""htmx 2 page: a connection cut mid-answer or mid-reasoning is resumed from the registry, without a second generation.

Only the htmx 2 page resumes: its answer runs in the ``StreamRegistry`` and the EventSource reconnects to
it. On the htmx 4 page the POST response is the stream, so a cut ends it.
"""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request

from tests.browser.chat_page import FIRST, answer_text, ask, shown_answer, turn_regions, wait_for_state, wait_until
from tests.browser.cuttable_proxy import CuttableProxy
from tests.browser.demo_server import Demo, fast_model

#: The first turn is thinking: its reasoning panel open and growing, no answer text yet.
THINKING = """() => {
  const turn = document.querySelector("#conversation .turn");
  const reasoning = turn?.querySelector(".reasoning details[open] .fragments-reasoning-text");
  return (reasoning?.textContent.length || 0) > 20 && !turn.querySelector(".answer-text");
}"""


def stream_requests(page: Page) -> list[str]:
    """The URLs of the answer streams the page requests from now on (a reconnect is one more)."""
    streams: list[str] = []

    def record(request: Request) -> None:
        if "/chat/stream/" in request.url:
            streams.append(request.url)

    page.on("request", record)
    return streams


def cuttable(demo: Demo) -> CuttableProxy:
    """A proxy in front of the demo, for the page to load through and the test to cut."""
    port = urlsplit(demo.url).port
    assert port is not None
    return CuttableProxy(port)


def final_regions(page: Page) -> dict[str, str]:
    """The first turn's regions (``turn_regions``) once it is done, its usage line included (it comes last)."""
    wait_for_state(page, 0, "done", timeout=30)
    page.locator(".turn .usage .fragments-usage").wait_for(timeout=5_000)
    return turn_regions(page, 0)


def test_a_cut_connection_resumes_the_same_answer(page: Page, demo: Demo) -> None:
    llm = fast_model(tokens_per_second=40)
    demo.use(llm)
    streams = stream_requests(page)
    with cuttable(demo) as proxy:
        page.goto(f"http://127.0.0.1:{proxy.port}/")
        ask(page, FIRST)
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
    llm = fast_model(tokens_per_second=60)
    demo.use(llm)
    streams = stream_requests(page)
    with cuttable(demo) as proxy:
        page.goto(f"http://127.0.0.1:{proxy.port}/")
        ask(page, FIRST)
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
