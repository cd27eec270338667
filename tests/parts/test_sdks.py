"""Each real SDK parses the fake provider's bytes; the normaliser turns its items into part events.

Nothing is mocked: openai, anthropic, ollama and langchain-openai clients (sync and async, ``create``
and their stream helpers) read a live FakeProvider speaking reasoning, tool calls, citations, usage
and finish reasons in each provider's own events. The events must form a well-formed stream (folding
them checks the one-open-part order) and say, in order, what the script said, as far as each SDK
passes it on.
"""

from __future__ import annotations

import json

import pytest

from fastapi_fragments.parts import (
    FinishReason,
    Normaliser,
    PartEvent,
    PartKind,
    PartsState,
    PartStart,
    ToolStatus,
    Usage,
    fold,
    normaliser_for,
)
from fastapi_fragments.testing import (
    FakeCitation,
    FakeProvider,
    FakeReasoning,
    FakeReply,
    FakeSearch,
    FakeText,
    FakeToolCall,
    FakeUsage,
)
from tests.parts.sdk_sources import ASYNC, SYNC, SYNC_STREAMS

pytestmark = pytest.mark.anyio

REASONING = FakeReasoning(["The user asks ", "about htmx; ", "search the docs."])
SEARCH_DOCS = FakeToolCall("search_docs", ['{"query": "ht', 'mx sse", "limit"', ": 3}"], id="call_a")
GET_PAGE = FakeToolCall("get_page", ['{"url": ', '"https://htmx.org/"}'], id="call_b")
CITED = FakeText(["htmx swaps ", "<b>HTML</b>."], citations=[FakeCitation("https://htmx.org/docs/", "htmx docs")])
USAGE = FakeUsage(input_tokens=12, output_tokens=40, reasoning_tokens=16, cached_tokens=8)

SCRIPTS = {
    "one-tool": FakeReply(parts=[REASONING, SEARCH_DOCS], usage=USAGE),
    "two-tools": FakeReply(parts=[REASONING, SEARCH_DOCS, GET_PAGE], usage=USAGE),
    "answer": FakeReply(parts=[REASONING, CITED], usage=USAGE),
    "cut-off": FakeReply(parts=[FakeText(["htmx swaps", " HT"])], usage=USAGE, finish_reason="length"),
}

REASONS = {"one-tool": FinishReason.TOOL_CALLS, "two-tools": FinishReason.TOOL_CALLS, "cut-off": FinishReason.LENGTH}

#: What each family's SDK passes on. LangChain's ChatOpenAI drops chat completions' reasoning_content
#: (only its Responses mode translates reasoning); Ollama and LangChain-on-chat carry no citations.
NO_REASONING = {"langchain"}
CITES = {"chat", "responses", "anthropic", "langchain_responses"}
USAGES = {
    "anthropic": Usage(12, 40, None, 8),
    "ollama": Usage(12, 40, None, None),
}


def normalise(items: list[object]) -> list[PartEvent]:
    normaliser = normaliser_for(items[0])
    return [event for item in items for event in normaliser.feed(item)] + normaliser.finish()


def summary(state: PartsState) -> list[tuple[str, str | None, object]]:
    """Each part as (kind, tool name, text or parsed arguments)."""
    return [
        (part.kind.value, part.name, part.arguments if part.kind is PartKind.TOOL_CALL else part.text)
        for part in state.parts
    ]


def expected(family: str, script: str) -> tuple[list[tuple[str, str | None, object]], FinishReason]:
    parts: list[tuple[str, str | None, object]] = []
    reply = SCRIPTS[script]
    for part in reply.script:
        if isinstance(part, FakeReasoning) and family not in NO_REASONING:
            parts.append(("reasoning", None, "".join(part.chunks)))
        elif isinstance(part, FakeToolCall):
            parts.append(("tool_call", part.name, json.loads("".join(part.arguments))))
        elif isinstance(part, FakeText):
            parts.append(("text", None, "".join(part.chunks)))
    reasons = {
        "one-tool": FinishReason.TOOL_CALLS,
        "two-tools": FinishReason.TOOL_CALLS,
        "cut-off": FinishReason.LENGTH,
    }
    return parts, reasons.get(script, FinishReason.STOP)


def check(family: str, script: str, events: list[PartEvent]) -> None:
    state = fold(events)  # raises if the events break the one-open-part protocol
    parts, reason = expected(family, script)
    assert summary(state) == parts
    assert state.finish is not None
    assert state.finish.reason is reason
    assert state.finish.usage == USAGES.get(family, Usage(12, 40, 16, 8))
    cited = [(c.url, c.title) for c in state.citations]
    assert cited == ([("https://htmx.org/docs/", "htmx docs")] if script == "answer" and family in CITES else [])
    for call in state.tool_calls:
        assert call.done and call.status is not None and call.status.value == "running"
    if script != "cut-off" and family not in NO_REASONING:
        assert events[0] == PartStart(PartKind.REASONING, state.reasoning[0].id)  # shows before any text


@pytest.mark.parametrize("script", list(SCRIPTS))
@pytest.mark.parametrize("source", list(SYNC))
def test_sync_clients(source: str, script: str, provider: FakeProvider) -> None:
    provider.reply = SCRIPTS[script]
    check(source.split("-")[0], script, normalise(SYNC[source](provider.base_url)))


@pytest.mark.parametrize("script", list(SCRIPTS))
@pytest.mark.parametrize("source", list(ASYNC))
async def test_async_clients(source: str, script: str, provider: FakeProvider) -> None:
    provider.reply = SCRIPTS[script]
    check(source.split("-")[0], script, normalise(await ASYNC[source](provider.base_url)))


@pytest.mark.parametrize("source", ["responses-create", "anthropic-helper", "langchain_responses-stream"])
def test_provider_run_search_carries_its_result(source: str, provider: FakeProvider) -> None:
    search = FakeSearch("htmx sse", [FakeCitation("https://htmx.org/extensions/sse/", "SSE")], id="srvtoolu_1")
    provider.reply = FakeReply(parts=[search, FakeText(["Found it."])])
    state = fold(normalise(SYNC[source](provider.base_url)))
    call, text = state.parts
    assert (call.kind, call.name, call.provider_executed, call.done) == (PartKind.TOOL_CALL, "web_search", True, True)
    assert isinstance(call.arguments, dict)
    assert call.arguments["query"] == "htmx sse"
    assert call.status is not None and call.status.value == "done"
    assert "https://htmx.org/extensions/sse/" in json.dumps(call.result)
    assert text.text == "Found it."
    assert state.finish is not None
    assert state.finish.reason is FinishReason.STOP  # a provider-run tool leaves nothing for the caller


@pytest.mark.parametrize("source", ["responses-create", "anthropic-create"])
def test_hidden_reasoning_is_an_empty_part(source: str, provider: FakeProvider) -> None:
    provider.reply = FakeReply(parts=[FakeReasoning(), FakeText(["Hi"])])
    state = fold(normalise(SYNC[source](provider.base_url)))
    assert [(part.kind, part.text, part.done) for part in state.parts] == [
        (PartKind.REASONING, "", True),
        (PartKind.TEXT, "Hi", True),
    ]


# Mid-reasoning everywhere, mid-tool-call where arguments stream (Ollama sends a call whole).
FAILURES = [(source, 1) for source in SYNC_STREAMS] + [(source, 4) for source in SYNC_STREAMS if "ollama" not in source]


@pytest.mark.parametrize(("source", "fail_after"), FAILURES)
def test_a_failure_mid_stream_still_ends_every_part(source: str, fail_after: int, provider: FakeProvider) -> None:
    provider.reply = FakeReply(parts=[REASONING, SEARCH_DOCS], fail_after=fail_after, error_message="boom")
    normaliser: Normaliser | None = None
    events: list[PartEvent] = []
    # The SDK raises its own error type, or yields an error event that the normaliser raises on.
    with pytest.raises(Exception, match="boom"):
        for item in SYNC_STREAMS[source](provider.base_url):
            normaliser = normaliser or normaliser_for(item)
            events += normaliser.feed(item)
    assert normaliser is not None
    state = fold(events + normaliser.finish(failed=True))
    assert all(part.done for part in state.parts)
    assert state.parts[0].kind is PartKind.REASONING
    assert [call.status for call in state.tool_calls] == ([ToolStatus.ERROR] if fail_after == 4 else [])
    assert state.finish is not None
    assert state.finish.reason is FinishReason.ERROR
