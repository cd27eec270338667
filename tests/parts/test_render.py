"""A multi-part stream rendered: each part into its own block, on every dialect, ending every part.

In-process (the producer through the HTTP sink, no sockets): which blocks render when, what they get,
the frames each dialect makes of them, the ending on failure, and that the text-only path is untouched.
The SDKs' own items (built from the fake provider's wire, ``wire_items``) drive most tests.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

import anyio
import jinja2
import pytest
from hypothesis import HealthCheck, given, settings

from fastapi_fragments import HTMX2, HTMX4, ConfigurationError, Datastar, FragmentStreamResponse, TokenSourceError
from fastapi_fragments._exceptions import ProviderError
from fastapi_fragments._parts_produce import PartsProducer
from fastapi_fragments._tokens_produce import TokenProducer
from fastapi_fragments._updates import Outcome
from fastapi_fragments.parts._result import StreamResult
from fastapi_fragments.testing import (
    FakeCitation,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
    FakeUsage,
    SSEMessage,
    parse_sse,
)
from tests.helpers import ReplaceOnlyDialect, sink_bytes
from tests.parts.test_splits import scripts
from tests.parts.wire_items import SOURCES

pytestmark = pytest.mark.anyio

REASONING = FakeReasoning(["The user asks ", "about <htmx>; ", "search."])
SEARCH = FakeToolCall("search_docs", ['{"query": "ht', 'mx sse"}'], id="call_a")
PAGE = FakeToolCall("get_page", ['{"url": ', '"https://htmx.org/"}'], id="call_b")
CITED = FakeText(["htmx swaps ", "<b>HTML</b>."], citations=[FakeCitation("https://htmx.org/docs/", "htmx docs")])
USAGE = FakeUsage(input_tokens=12, output_tokens=40, reasoning_tokens=16, cached_tokens=8)
BLOCKS: dict[str, Any] = {
    "reasoning_block": "reasoning",
    "tools_block": "tools",
    "citations_block": "citations",
    "usage_block": "usage",
}


async def items_of(
    items: Iterable[object], *, fail_after: int | None = None, delay: float = 0
) -> AsyncIterator[object]:
    """The items, ``delay`` apart (long enough, the renders in between are not coalesced even under load)."""
    for index, item in enumerate(items):
        if index == fail_after:
            raise RuntimeError("the model fell over")
        await asyncio.sleep(delay)
        yield item


def respond(env: jinja2.Environment, tokens: object, **kwargs: Any) -> FragmentStreamResponse:
    options = {**BLOCKS, "error_block": "error", "min_interval": 0, **kwargs}
    return FragmentStreamResponse(tokens, "parts.html", "response", templates=env, **options)  # type: ignore[arg-type]


async def run(response: FragmentStreamResponse, dialect: Any = None) -> list[SSEMessage]:
    assert response._producer is not None  # built by the constructor: templates= is given
    return parse_sse(await sink_bytes(response._producer, dialect or HTMX2()))


def last(messages: list[SSEMessage]) -> dict[str, str]:
    """The last frame of every event: what the page shows at the end."""
    return {message.event: message.data for message in messages}


@pytest.mark.parametrize("source", ["chat", "responses", "anthropic", "pydantic_ai", "langchain", "litellm"])
async def test_every_part_reaches_its_block_in_order(parts_env: jinja2.Environment, source: str) -> None:
    reply = FakeReply(parts=[REASONING, SEARCH, PAGE, CITED], usage=USAGE)
    results: list[StreamResult] = []
    messages = await run(respond(parts_env, items_of(SOURCES[source](reply)), on_finish=results.append))
    names = [message.event for message in messages]
    assert names[-1] == "done"
    assert names.index("reasoning") < names.index("tools") < names.index("fragment", names.index("tools"))
    end = last(messages)
    assert 'data-thinking="false"' in end["reasoning"] and "about &lt;htmx&gt;; search." in end["reasoning"]
    assert "Thought for" in end["reasoning"]
    assert end["tools"].count("fragments-tool-name") == 2
    assert "search_docs" in end["tools"] and '{"query": "htmx sse"}' in end["tools"]
    assert "htmx swaps &lt;b&gt;HTML&lt;/b&gt;." in end["fragment"] and '<p class="finish">' in end["fragment"]
    if source in ("chat", "responses", "anthropic"):  # the others' items here carry no citations
        assert "<cite>htmx docs</cite>" in end["fragment"]
        assert "https://htmx.org/docs/ htmx docs" in end["citations"]
    if source != "pydantic_ai":  # its usage is the run's, which these items do not carry
        assert "12 tokens in · 40 out" in end["usage"]
    result = results[0]
    assert result.outcome == "completed" and result.text == "htmx swaps <b>HTML</b>."
    assert result.reasoning == "The user asks about <htmx>; search."
    assert [call.name for call in result.tool_calls] == ["search_docs", "get_page"]
    assert result.tool_calls[0].arguments == {"query": "htmx sse"}


async def test_the_answer_block_says_thinking_while_the_model_thinks(parts_env: jinja2.Environment) -> None:
    tokens = ["<think>", "hmm", " let me see", "</think>", "Hi", " there"]
    messages = await run(respond(parts_env, items_of(tokens), reasoning_block=None))
    fragments = [message.data for message in messages if message.event == "fragment"]
    assert 'class="thinking"' in fragments[0]
    assert 'class="thinking"' not in fragments[-1] and "Hi there" in fragments[-1]
    assert "reasoning" not in {message.event for message in messages}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_in_markdown_mode_the_block_around_the_body_follows_the_part_variables(
    parts_env: jinja2.Environment, is_async: bool
) -> None:
    env = parts_env.overlay(enable_async=True) if is_async else parts_env
    tokens = ["<think>", "hmm", "</think>", "Hi", " there\n\n", "Bye"]
    response = respond(env, items_of(tokens, delay=0.01), reasoning_block=None, mode="markdown")
    fragments = [message.data for message in await run(response) if message.event == "fragment"]
    # The block, around the body, while the model thinks; again (with what the body holds) once it
    # stops; the body's elements then stream into it; the last frame is the whole answer.
    assert 'class="thinking"' in fragments[0] and "<div data-fragments-body></div>" in fragments[0]
    assert 'class="thinking"' not in fragments[1] and "<div data-fragments-body><p>Hi" in fragments[1]
    assert len(fragments) == 3 and "data-fragments-body" not in fragments[-1] and "<p>Bye</p>" in fragments[-1]


@pytest.mark.parametrize("mode", ["replace", "markdown", "markdown-replace"])
async def test_the_reasoning_is_markdown_in_the_markdown_modes(parts_env: jinja2.Environment, mode: str) -> None:
    tokens = ["<think>**Consider", "ing** the <query>\n\n- one\n- ", "two</think>", "Hi"]
    messages = await run(respond(parts_env, items_of(tokens), mode=mode))
    panels = [message.data for message in messages if message.event == "reasoning"]
    if mode == "replace":  # the model's text, escaped
        assert "**Considering** the &lt;query&gt;" in panels[-1] and "<strong>" not in panels[-1]
        return
    # As the answer is: sanitized HTML, the unfinished markup held back while the model thinks.
    assert "<p><strong>Considering</strong> the &lt;query&gt;</p>" in panels[-1]
    assert "<li>one</li>\n<li>two</li>" in panels[-1]
    assert all("**" not in panel for panel in panels)


async def test_the_duration_is_measured_with_the_clock(parts_env: jinja2.Environment) -> None:
    async def slow() -> AsyncIterator[str]:
        yield "<think>a"
        await asyncio.sleep(0.3)
        yield "b</think>answer"

    end = last(await run(respond(parts_env, slow())))
    # The thinking took the 0.3 s sleep and whatever a loaded machine added (tests/parts/test_view.py
    # checks the arithmetic with a fake clock); only a duration that was never measured is wrong.
    shown = re.search(r"Thought for ([0-9.]+) s", end["reasoning"])
    assert shown is not None, end["reasoning"]
    assert float(shown[1]) >= 0.3, end["reasoning"]


async def test_tool_cards_change_status_in_place(parts_env: jinja2.Environment) -> None:
    reply = FakeReply(parts=[SEARCH], usage=USAGE)
    messages = await run(respond(parts_env, items_of(SOURCES["anthropic"](reply), delay=0.02)))
    cards = [message.data for message in messages if message.event == "tools"]
    statuses = [card.split('data-status="')[1].split('"')[0] for card in cards]
    assert statuses[0] == "pending" and statuses[-1] == "running" and "Preparing" in cards[0]
    assert all(card.count("<li") == 1 for card in cards)


@pytest.mark.parametrize("fail_after", [4, 9], ids=["mid-reasoning", "mid-tool-call"])
async def test_a_failure_ends_every_open_part_and_sends_the_error_block(
    parts_env: jinja2.Environment, fail_after: int
) -> None:
    items = SOURCES["anthropic"](FakeReply(parts=[REASONING, SEARCH], usage=USAGE))
    results: list[StreamResult] = []
    messages = await run(respond(parts_env, items_of(items, fail_after=fail_after), on_finish=results.append))
    end = last(messages)
    assert messages[-1].event == "done"
    assert end["fragment"] == '<div role="alert">Answer failed. (ended)</div>'
    assert 'data-thinking="false"' in end["reasoning"]
    if fail_after == 9:
        assert 'data-status="error"' in end["tools"] and "Failed" in end["tools"]
    assert results[0].outcome == "failed" and results[0].finish.reason == "error"


async def test_an_error_event_reaches_on_error_as_on_the_text_path(parts_env: jinja2.Environment) -> None:
    items = [*SOURCES["anthropic"](FakeReply(parts=[REASONING])), SimpleNamespace(type="error", error="overloaded")]
    errors: dict[str, BaseException] = {}
    for path, blocks in (("parts", BLOCKS), ("text", dict.fromkeys(BLOCKS))):
        response = respond(
            parts_env, items_of(items), **blocks, on_error=lambda exc, path=path: errors.update({path: exc})
        )
        assert (await run(response))[-1].event == "done"
    # An upstream failure, whichever path read it: TokenSourceError, the SDK's error event its cause.
    assert [type(errors[path]) for path in ("parts", "text")] == [TokenSourceError, TokenSourceError]
    assert [type(errors[path].__cause__) for path in ("parts", "text")] == [ProviderError, ProviderError]


@pytest.mark.parametrize("outcome", [Outcome.SHUTDOWN, Outcome.STOPPED])
async def test_a_stop_mid_reasoning_ends_every_part(parts_env: jinja2.Environment, outcome: Outcome) -> None:
    thinking = anyio.Event()

    async def stalls() -> AsyncIterator[str]:
        yield "<think>hm"
        thinking.set()
        await anyio.sleep_forever()

    results: list[StreamResult] = []
    response = respond(parts_env, stalls(), on_finish=results.append)
    producer = response._producer
    assert producer is not None
    body: list[bytes] = []

    async def serve() -> None:
        body.append(await sink_bytes(producer, HTMX2()))

    async with anyio.create_task_group() as group:
        group.start_soon(serve)
        await thinking.wait()
        await anyio.sleep(0.05)
        producer.stop(outcome)
    end = last(parse_sse(body[0]))
    assert 'data-thinking="false"' in end["reasoning"] and "hm" in end["reasoning"]
    assert 'class="thinking"' not in end["fragment"] and "error interrupted" in end["fragment"]
    assert [result.outcome for result in results] == [outcome.value]


async def test_each_dialect_aims_a_part_at_its_block(parts_env: jinja2.Environment) -> None:
    tokens = ["<think>hm</think>", "Hi"]
    htmx4 = await run(respond(parts_env, items_of(tokens), reasoning_block="reasoning"), HTMX4())
    assert any(m.data.startswith('<hx-partial hx-target="#reasoning" hx-swap="innerHTML"><details') for m in htmx4)
    datastar = await run(respond(parts_env, items_of(tokens)), Datastar(target="#response"))
    assert any(m.data.startswith("selector #usage\nmode inner\nelements ") for m in datastar)
    htmx2 = await run(respond(parts_env, items_of(tokens), tools_block="steady"))
    assert "steady" in {m.event for m in htmx2}


async def test_the_dialects_map_a_part_to_another_event_or_target(parts_env: jinja2.Environment) -> None:
    tokens = ["<think>hm</think>", "Hi"]
    htmx4 = HTMX4(part_targets={"reasoning": "#reasoning-7"})
    respond(parts_env, ["Hi"], htmx4=htmx4)  # a route's own dialect object (hashed by the config's cache)
    frames = await run(respond(parts_env, items_of(tokens)), htmx4)
    assert any(m.data.startswith('<hx-partial hx-target="#reasoning-7"') for m in frames)
    assert any(m.data.startswith('<hx-partial hx-target="#usage"') for m in frames)
    htmx2 = await run(respond(parts_env, items_of(tokens)), HTMX2(part_events={"reasoning": "thinking"}))
    assert {"thinking", "usage"} <= {m.event for m in htmx2} and "reasoning" not in {m.event for m in htmx2}
    datastar = await run(respond(parts_env, items_of(tokens)), Datastar(part_targets={"usage": ".cost"}))
    assert any(m.data.startswith("selector .cost\n") for m in datastar)
    with pytest.raises(ConfigurationError, match="reserved"):
        HTMX2(part_events={"tools": "error"})
    with pytest.raises(ConfigurationError):
        HTMX4(part_targets={"tools": "#a\nb"})


async def test_the_text_only_path_is_the_token_producer(parts_env: jinja2.Environment) -> None:
    plain = FragmentStreamResponse(["<think>x</think>Hi"], "parts.html", "response", templates=parts_env)
    assert type(plain._producer) is TokenProducer
    assert isinstance(respond(parts_env, ["Hi"])._producer, PartsProducer)
    body = await sink_bytes(plain._producer, HTMX2())
    assert b"&lt;think&gt;x&lt;/think&gt;Hi" in body and b"event: reasoning" not in body


async def test_a_dialect_without_parts_is_refused(parts_env: jinja2.Environment) -> None:
    with pytest.raises(ConfigurationError, match="no part"):
        respond(parts_env, ["Hi"], dialect=ReplaceOnlyDialect())
    respond(parts_env, ["Hi"], dialect=HTMX2())  # ours can


class SyncStream:
    """A sync SDK stream, already open: building the response must close it if it fails."""

    closed = False

    def __iter__(self) -> Iterator[str]:
        return iter(["Hi"])

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"reasoning_block": "error"}, "reserved"),
        ({"tools_block": "done"}, "the answer's own"),
        ({"reasoning_block": "usage"}, "a block of its own"),
        ({"tools_block": ""}, "non-empty"),
        ({"usage_block": "nope"}, "nope"),
    ],
)
def test_part_blocks_are_checked_before_anything_runs(
    parts_env: jinja2.Environment, options: dict[str, Any], message: str
) -> None:
    stream = SyncStream()  # an SDK stream is open before the response is built
    with pytest.raises((ConfigurationError, jinja2.TemplateError, LookupError), match=message):
        respond(parts_env, stream, **options)
    assert stream.closed


@pytest.mark.parametrize("source", list(SOURCES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scripts())
def test_any_cut_renders_every_block_as_the_whole(
    parts_env: jinja2.Environment, source: str, replies: tuple[FakeReply, FakeReply]
) -> None:
    """The last render of every block is the same however the provider cut the stream."""

    def final(reply: FakeReply) -> dict[str, str]:
        items = SOURCES[source](reply)
        response = respond(parts_env, items_of(items), reasoning_block="steady", tools_block=None)
        return last(asyncio.run(run(response)))

    whole, cut_up = replies
    assert final(cut_up) == final(whole)


def test_the_steady_block_shows_parsed_arguments(parts_env: jinja2.Environment) -> None:
    items = SOURCES["chat"](FakeReply(parts=[SEARCH], usage=USAGE))
    end = last(asyncio.run(run(respond(parts_env, items_of(items), reasoning_block="steady", tools_block=None))))
    assert json.dumps({"query": "htmx sse"}) in end["steady"]
    assert "search_docs=" in end["steady"] and ":running;" in end["steady"] and "|tool_calls|" in end["steady"]
