"""The demo in a real headless chromium: both frontends stream, stop, stay safe and recover.

Each test runs once on the htmx 2 page (``/``: POST, then an EventSource GET) and once on the
htmx 4 page (``/htmx4``: the POST response is the stream).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.chat_page import (
    FIRST,
    SECOND,
    answer_text,
    ask,
    expected_parts,
    shown_answer,
    turn_state,
    wait_for_state,
    wait_until,
)
from tests.browser.demo_server import Demo, RecordingLLM, fast_model

#: page path, and the part of the URL every stream request has.
FRONTENDS = {"htmx2": ("/", "/chat/stream/"), "htmx4": ("/htmx4", "/htmx4/chat")}

#: Records, in the page, what each DOM change of the newest turn showed: were its sources in, how
#: long was the answer. Observing in the page catches every frame, which polling could miss.
TIMELINE = """() => {
  window.__timeline = [];
  new MutationObserver(() => {
    const turns = document.querySelectorAll("#conversation .turn");
    const turn = turns[turns.length - 1];
    if (!turn) return;
    window.__timeline.push({
      sources: Boolean(turn.querySelector(".sources .source-list, .sources .sources-none")),
      length: Array.from(turn.querySelectorAll(".answer-text"), (e) => e.textContent).join("").length,
    });
  }).observe(document.getElementById("conversation"), {childList: true, subtree: true, characterData: true});
}"""


#: Records, in the page, how the newest turn's reasoning panel and tool card looked at each DOM change.
PARTS_TIMELINE = """() => {
  window.__parts = {openLengths: [], openWithAnswer: 0, statuses: [], maxCards: 0, asked: performance.now(),
                    answerAt: null};
  new MutationObserver(() => {
    const turns = document.querySelectorAll("#conversation .turn");
    const turn = turns[turns.length - 1];
    if (!turn) return;
    const seen = window.__parts;
    const panel = turn.querySelector(".reasoning details");
    const answered = Array.from(turn.querySelectorAll(".answer-text"), (e) => e.textContent).join("").length > 0;
    if (answered && seen.answerAt === null) seen.answerAt = performance.now();
    if (panel && panel.open) {
      seen.openLengths.push(panel.textContent.length);
      if (answered) seen.openWithAnswer++;
    }
    const cards = turn.querySelectorAll(".tools .fragments-tool");
    seen.maxCards = Math.max(seen.maxCards, cards.length);
    cards.forEach((card) => {
      if (seen.statuses.at(-1) !== card.dataset.status) seen.statuses.push(card.dataset.status);
    });
  }).observe(document.getElementById("conversation"),
             {childList: true, subtree: true, characterData: true, attributes: true});
}"""


@pytest.fixture(params=sorted(FRONTENDS))
def frontend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_chat(page: Page, demo: Demo, frontend: str) -> list[tuple[float, str]]:
    """Load the page; return the (time, URL) list of every request it makes from now on."""
    requests: list[tuple[float, str]] = []

    def record(request: Request) -> None:
        requests.append((time.monotonic(), request.url))

    page.on("request", record)
    page.goto(demo.url + FRONTENDS[frontend][0])
    page.evaluate(TIMELINE)
    return requests


def ask_first_with(llm: RecordingLLM, page: Page, demo: Demo, frontend: str) -> None:
    demo.use(llm)
    open_chat(page, demo, frontend)
    ask(page, FIRST)


def stream_requests(requests: list[tuple[float, str]], frontend: str) -> list[tuple[float, str]]:
    return [(at, url) for at, url in requests if FRONTENDS[frontend][1] in url]


def test_sources_come_first_then_the_answer_grows_to_completion_without_reconnects(
    page: Page, demo: Demo, frontend: str, artifacts: Path
) -> None:
    requests = open_chat(page, demo, frontend)
    ask(page, FIRST)
    page.wait_for_function("() => (document.querySelector('.turn .answer')?.textContent || '').length > 300")
    page.screenshot(path=artifacts / f"{frontend}-streaming.png")
    wait_for_state(page, 0, "done")
    done_at = time.monotonic()

    assert answer_text(page, 0) == shown_answer(page, FIRST)
    timeline = page.evaluate("window.__timeline")
    first_words = next(entry for entry in timeline if entry["length"] > 0)
    assert first_words["sources"], "the answer started before the sources were shown"
    lengths = {entry["length"] for entry in timeline if entry["length"] > 0}
    assert len(lengths) >= 5, f"the answer arrived in {len(lengths)} steps; expected it to stream"
    assert page.locator(".turn .source-list li").count() >= 1
    assert page.locator(".turn .answer").get_attribute("aria-busy") == "false"
    if frontend == "htmx2":  # the registry's Stop button removes itself on done (htmx 4's is the page's)
        expect(page.locator(".turn .fragments-stop")).to_have_count(0)
    page.screenshot(path=artifacts / f"{frontend}-done.png")

    page.wait_for_timeout(3000)  # a reconnect loop would re-request the stream within this time
    assert len(stream_requests(requests, frontend)) == 1
    assert not [url for at, url in stream_requests(requests, frontend) if at > done_at]

    ask(page, SECOND)
    wait_for_state(page, 1, "done")
    second = answer_text(page, 1)
    assert "Following up on that." in second or "Building on the previous answer." in second
    assert "API key" in second
    assert answer_text(page, 0) == shown_answer(page, FIRST), "the first turn must stay as it was"
    assert len(stream_requests(requests, frontend)) == 2
    page.screenshot(path=artifacts / f"{frontend}-conversation.png", full_page=True)


def test_stop_halts_the_answer_and_closes_the_model_stream(
    page: Page, demo: Demo, frontend: str, artifacts: Path
) -> None:
    slow = fast_model(tokens_per_second=15)
    ask_first_with(slow, page, demo, frontend)
    page.wait_for_function("() => (document.querySelector('.turn .answer')?.textContent || '').length > 60")
    page.locator(".turn .fragments-stop").click()
    wait_for_state(page, 0, "stopped", timeout=5)

    stopped_at = answer_text(page, 0)
    page.wait_for_timeout(800)  # at 15 tokens/s, a running stream would add about a dozen words meanwhile
    assert answer_text(page, 0) == stopped_at
    assert len(stopped_at) < len(shown_answer(page, FIRST))
    wait_until(lambda: slow.closed_early == 1, "the server to close the model's stream")
    assert (slow.opened, slow.completed) == (1, 0)
    assert not page.locator(".turn .fragments-stop").is_visible()
    page.screenshot(path=artifacts / f"{frontend}-stopped.png")


def test_markup_in_the_answer_is_shown_as_text_and_never_runs(page: Page, demo: Demo, frontend: str) -> None:
    payload = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script> [go](javascript:window.__xss=3)'
    open_chat(page, demo, frontend)
    ask(page, f"Is {payload} a valid schedule?")
    wait_for_state(page, 0, "done")

    assert payload in answer_text(page, 0), "the model quotes the question, markup included"
    assert payload in (page.locator(".turn .question-text").text_content() or "")
    assert page.locator("#conversation img, #conversation script, #conversation a[href^=javascript]").count() == 0
    page.locator(".turn .answer").click()
    assert page.evaluate("window.__xss") is None


def test_a_failing_model_shows_the_failure_and_the_page_keeps_working(
    page: Page, demo: Demo, frontend: str, artifacts: Path
) -> None:
    broken = fast_model(fail_after=25)
    ask_first_with(broken, page, demo, frontend)
    wait_for_state(page, 0, "failed")
    alert = page.locator(".turn .answer [role=alert]")
    assert "failed" in (alert.text_content() or "")
    whole = shown_answer(page, FIRST)
    assert answer_text(page, 0).startswith(whole[:30]), "the partial answer stays visible"
    assert len(answer_text(page, 0)) < len(whole)
    assert (broken.opened, broken.closed_early) == (1, 1)
    page.screenshot(path=artifacts / f"{frontend}-failed.png")

    demo.use(None)
    ask(page, SECOND)
    wait_for_state(page, 1, "done")
    assert "API key" in answer_text(page, 1)
    assert turn_state(page, 0) == "failed"


def test_the_model_shows_its_reasoning_its_search_and_its_usage(
    page: Page, demo: Demo, frontend: str, artifacts: Path
) -> None:
    search, usage = expected_parts(FIRST)
    open_chat(page, demo, frontend)
    page.evaluate(PARTS_TIMELINE)
    ask(page, FIRST)
    page.locator(".turn .reasoning details[open]").wait_for(timeout=10_000)
    page.screenshot(path=artifacts / f"{frontend}-thinking.png")
    wait_for_state(page, 0, "done")
    page.locator(".turn .usage .fragments-usage").wait_for(timeout=5_000)
    seen = page.evaluate("window.__parts")

    # The reasoning panel: open and growing while the model thinks, closed once it answers, the time measured.
    assert len(set(seen["openLengths"])) >= 3, "the reasoning panel was never open and growing"
    assert seen["openWithAnswer"] == 0, "the panel stayed open after the answer started"
    panel = page.locator(".turn .reasoning details")
    assert panel.get_attribute("open") is None
    summary = page.locator(".turn .reasoning summary").inner_text()
    match = re.fullmatch(r"Thought for ([0-9.]+) s", summary)
    assert match is not None, summary
    assert 0 < float(match.group(1)) <= (seen["answerAt"] - seen["asked"]) / 1000 + 0.2
    reasoning = page.locator(".turn .reasoning .fragments-reasoning-text").text_content() or ""
    kept = [hit for hit in search.hits if hit.kept]
    assert f'The user asks: "{FIRST}"' in reasoning
    for number, hit in enumerate(kept, start=1):
        assert f"[{number}] {hit.document.title}: {hit.score:.2f}" in reasoning

    # One search_docs card, its status changing in place, with the real query and the real result count.
    assert seen["maxCards"] == 1 and seen["statuses"][-1] == "done" and len(seen["statuses"]) >= 2
    card = page.locator(".turn .tools .fragments-tool")
    assert card.locator(".fragments-tool-name").inner_text() == "search_docs"
    assert json.loads(card.locator(".fragments-tool-arguments").inner_text()) == {"query": FIRST}
    pages = ", ".join(doc.id or "" for doc in search.documents)
    assert card.locator(".fragments-tool-result").inner_text() == f"{len(kept)} pages: {pages}"
    assert page.locator(".turn .source-list li").count() == len(kept), "the card and the sources agree"

    # The usage line, at the end, with the counts the model reports.
    assert usage is not None
    line = f"{usage.input_tokens} tokens in · {usage.output_tokens} out ({usage.reasoning_tokens} thinking)"
    assert page.locator(".turn .usage .fragments-usage").inner_text() == line
    assert answer_text(page, 0) == shown_answer(page, FIRST), "the answer is as it was"
    page.screenshot(path=artifacts / f"{frontend}-parts.png")
