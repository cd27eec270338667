"""Both demo pages over HTTP: the reasoning panel, the search_docs card and the usage line reach their elements."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import anyio
import pytest
from fastapi.testclient import TestClient

from demo_app.app import create_app
from demo_app.retriever import Retriever, Search, load_corpus
from fastapi_fragments.parts import Usage
from fastapi_fragments.testing import FakeLLM, SSEResult, read_events
from tests.demo.agent_runs import agent_usage, instant

QUESTION = "Can two runs of a scheduled job overlap?"
RETRIEVER = Retriever(load_corpus())


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(instant())) as client:
        yield client


def ask_htmx2(client: TestClient, question: str = QUESTION) -> SSEResult:
    turn = client.post("/chat", data={"question": question})
    match = re.search(r'sse-connect="([^"]+)"', turn.text)
    assert match is not None, turn.text
    for part in ("reasoning", "tools", "usage"):
        assert f'sse-swap="{part}"' in turn.text, f"the turn has no element for the {part} event"
    return read_events(client, match.group(1))


def ask_htmx4(client: TestClient, turn: str = "tdemo01") -> list[tuple[str, str]]:
    """Each partial of the stream: the id it is aimed at, and its content."""
    result = read_events(client, "/htmx4/chat", method="POST", data={"question": QUESTION, "turn": turn})
    partial = r'<hx-partial hx-target="#([^"]+)" hx-swap="[^"]+">(.*?)</hx-partial>'
    return [(target, content) for event in result.events for target, content in re.findall(partial, event.data, re.S)]


def expected_usage(search: Search) -> Usage | None:
    """The usage the agent reports for the question, run apart from the app."""
    return anyio.run(agent_usage, QUESTION, search)


def check_parts(reasoning: str, tools: str, usage: str) -> None:
    search = RETRIEVER.run(QUESTION)
    shown = html.unescape(reasoning)
    assert "Thought for " in shown and "<details" in reasoning and " open" not in reasoning.split(">")[0]
    assert f'The user asks: "{QUESTION}"' in shown
    kept = [hit for hit in search.hits if hit.kept]
    for number, hit in enumerate(kept, start=1):
        assert f"[{number}] {hit.document.title}: {hit.score:.2f}" in shown
    assert len(kept) == 2, "the example this test reads has two pages kept and one left out"
    left = search.hits[2]
    assert f"Left out, under 40% of the best score: {left.document.title}: {left.score:.2f}" in shown

    assert tools.count('class="fragments-tool"') == 1 and 'data-status="done"' in tools
    assert '<span class="fragments-tool-name">search_docs</span>' in tools
    assert html.unescape(re.sub(r"<[^>]+>", " ", tools)).count(QUESTION) == 1
    pages = ", ".join(doc.id or "" for doc in search.documents)
    assert f'<pre class="fragments-tool-result">2 pages: {pages}</pre>' in tools

    counts = expected_usage(search)
    assert counts is not None
    line = f"{counts.input_tokens} tokens in · {counts.output_tokens} out ({counts.reasoning_tokens} thinking)"
    assert f'<p class="fragments-usage">{line}</p>' in usage
    assert "local model's word pieces" in usage


def test_htmx2_the_registry_streams_the_reasoning_the_tool_card_and_the_usage(client: TestClient) -> None:
    result = ask_htmx2(client)
    assert {"reasoning", "tools", "usage", "fragment"} <= set(result.names) and result.names[-1] == "done"
    last = {event.event: event.data for event in result.events}
    check_parts(last["reasoning"], last["tools"], last["usage"])
    assert "Done" in last["fragment"] and "[1]" in last["fragment"]


def test_htmx4_the_parts_are_aimed_at_the_turn_s_own_elements(client: TestClient) -> None:
    partials = ask_htmx4(client, "tdemo01")
    order = [target for target, _ in partials]
    # The answer's block is there from the start (it says the model thinks), its text after the tools.
    text = next(index for index, (target, html) in enumerate(partials) if "<p>" in html and "body-" in target)
    assert order.index("reasoning-tdemo01") < order.index("tools-tdemo01") < text
    assert order[-1] == "usage-tdemo01", "the usage line comes after the answer's last render"
    last = dict(partials)
    check_parts(last["reasoning-tdemo01"], last["tools-tdemo01"], last["usage-tdemo01"])


def test_both_pages_have_the_elements_the_parts_go_to(client: TestClient) -> None:
    page = client.get("/htmx4").text
    for part in ("reasoning", "tools", "usage"):
        assert f'id="{part}-__TURN__"' in page


def test_another_model_shows_no_reasoning_tool_or_usage_it_did_not_report() -> None:
    with TestClient(create_app(FakeLLM(["Jobs ", "never ", "overlap."]))) as client:
        result = ask_htmx2(client)
    last = {event.event: event.data for event in result.events}
    assert (last["reasoning"], last["tools"], last["usage"]) == ("", "", "")
    assert "Jobs never overlap." in last["fragment"]
