"""htmx 2 page: a connection cut mid-answer is resumed from the registry, without a second generation."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request

from tests.browser.chat_page import FIRST, answer_text, ask, shown_answer, wait_for_state
from tests.browser.cuttable_proxy import CuttableProxy
from tests.browser.demo_server import Demo, fast_model


def test_a_cut_connection_resumes_the_same_answer(page: Page, demo: Demo) -> None:
    llm = fast_model(tokens_per_second=40)
    demo.use(llm)
    streams: list[str] = []

    def record(request: Request) -> None:
        if "/chat/stream/" in request.url:
            streams.append(request.url)

    page.on("request", record)
    port = urlsplit(demo.url).port
    assert port is not None
    with CuttableProxy(port) as proxy:
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
