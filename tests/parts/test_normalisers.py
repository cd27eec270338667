"""What each normaliser does with the events the fake provider does not send, one case at a time.

Items are built with the SDKs' own types from the JSON the providers send (shapes from parts.md);
LiteLLM's are plain objects, as litellm lives in its own virtualenv.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import anthropic.types
import ollama
import openai.types.responses
import pydantic
import pytest
from langchain_core.messages import AIMessageChunk
from openai.types.chat import ChatCompletionChunk
from pydantic_ai import messages as pai

from fastapi_fragments._exceptions import ProviderError
from fastapi_fragments.parts import (
    Citation,
    FinishReason,
    Normaliser,
    PartDelta,
    PartKind,
    PartsState,
    PartStart,
    ToolResult,
    ToolStatus,
    Usage,
    fold,
    normaliser_for,
)

RESPONSES: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(openai.types.responses.ResponseStreamEvent)
ANTHROPIC: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)


def run(items: Sequence[object], normaliser: Normaliser | None = None, failed: bool = False) -> PartsState:
    normaliser = normaliser or normaliser_for(items[0])
    return fold([event for item in items for event in normaliser.feed(item)] + normaliser.finish(failed=failed))


def responses(*events: dict[str, Any]) -> list[object]:
    return [RESPONSES.validate_python({"sequence_number": 0, **event}) for event in events]


def chat(*deltas: dict[str, Any], finish: str | None = None) -> list[object]:
    def chunk(delta: dict[str, Any], reason: str | None) -> object:
        choice = {"index": 0, "delta": delta, "finish_reason": reason}
        return ChatCompletionChunk.model_validate(
            {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}
        )

    return [chunk(delta, None) for delta in deltas] + [chunk({}, finish)]


def test_responses_summary_paragraphs_and_raw_reasoning_join_in_one_part() -> None:
    where = {"item_id": "rs_1", "output_index": 0}
    state = run(
        responses(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": "rs_1", "type": "reasoning", "summary": []},
            },
            {"type": "response.reasoning_summary_text.delta", **where, "summary_index": 0, "delta": "First."},
            {
                "type": "response.reasoning_summary_part.added",
                **where,
                "summary_index": 1,
                "part": {"type": "summary_text", "text": ""},
            },
            {"type": "response.reasoning_summary_text.delta", **where, "summary_index": 1, "delta": "Second."},
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": {"id": "rs_1", "type": "reasoning", "summary": []},
            },
        )
    )
    assert [(p.kind, p.text, p.done) for p in state.parts] == [(PartKind.REASONING, "First.\n\nSecond.", True)]


def test_responses_arguments_sent_only_when_done_and_file_citations() -> None:
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_9", "name": "lookup", "arguments": ""}
    state = run(
        responses(
            {"type": "response.output_item.added", "output_index": 0, "item": call},
            {"type": "response.output_item.done", "output_index": 0, "item": {**call, "arguments": '{"id": 7}'}},
            {
                "type": "response.output_text.delta",
                "item_id": "msg_1",
                "output_index": 1,
                "content_index": 0,
                "delta": "See the file.",
                "logprobs": [],
            },
            {
                "type": "response.output_text.annotation.added",
                "item_id": "msg_1",
                "output_index": 1,
                "content_index": 0,
                "annotation_index": 0,
                "annotation": {"type": "file_citation", "file_id": "file_1", "filename": "guide.pdf", "index": 3},
            },
        )
    )
    assert [(p.id, p.name, p.arguments) for p in state.tool_calls] == [("call_9", "lookup", {"id": 7})]
    assert state.citations == [Citation(document="guide.pdf", part_id="msg_1")]


@pytest.mark.parametrize(("reason", "finish"), [("max_output_tokens", FinishReason.LENGTH),
                                                ("content_filter", FinishReason.CONTENT_FILTER)])  # fmt: skip
def test_responses_incomplete_details_are_the_finish_reason(reason: str, finish: FinishReason) -> None:
    response = {"id": "r", "object": "response", "created_at": 0, "model": "m", "status": "incomplete", "output": [],
                "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
                "incomplete_details": {"reason": reason}}  # fmt: skip
    state = run(responses({"type": "response.incomplete", "response": response}))
    assert state.finish is not None
    assert (state.finish.reason, state.finish.raw_reason) == (finish, reason)


def test_error_events_raise_like_the_text_path() -> None:
    with pytest.raises(ProviderError):
        run(responses({"type": "error", "code": "server_error", "message": "boom", "param": None}))
    with pytest.raises(ProviderError):
        start = ANTHROPIC.validate_python({"type": "message_start", "message": _message()})
        run([start, SimpleNamespace(type="error", error=SimpleNamespace(message="overloaded"))])


def _message() -> dict[str, Any]:
    return {"id": "m", "type": "message", "role": "assistant", "model": "m", "content": [], "stop_reason": None,
            "stop_sequence": None, "usage": {"input_tokens": 9, "output_tokens": 1}}  # fmt: skip


def test_anthropic_usage_is_cumulative_and_redacted_thinking_is_an_empty_part() -> None:
    events = [
        {"type": "message_start", "message": _message()},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "redacted_thinking", "data": "x"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": None, "stop_sequence": None},
         "usage": {"output_tokens": 10}},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
         "usage": {"output_tokens": 40}},
    ]  # fmt: skip
    state = run([ANTHROPIC.validate_python(event) for event in events])
    assert [(p.kind, p.text, p.done) for p in state.parts] == [(PartKind.REASONING, "", True)]
    assert state.finish is not None
    assert state.finish.usage == Usage(input_tokens=9, output_tokens=40)  # overwritten, not 50
    assert state.finish.reason is FinishReason.LENGTH


def test_chat_reasoning_field_interleaved_tool_calls_and_a_failure() -> None:
    calls = [
        {"tool_calls": [{"index": 0, "id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x"'}}]},
        {"tool_calls": [{"index": 1, "id": "b", "type": "function", "function": {"name": "g", "arguments": "{}"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
    ]
    items = chat({"reasoning": "vLLM names it reasoning."}, *calls)
    state = run(items[:-1], failed=True)
    assert [(p.kind, p.text) for p in state.parts] == [
        (PartKind.REASONING, "vLLM names it reasoning."),
        (PartKind.TOOL_CALL, '{"x": 1}'),  # the fragment after call b went back to call a
        (PartKind.TOOL_CALL, "{}"),
    ]
    assert [call.status for call in state.tool_calls] == [ToolStatus.ERROR, ToolStatus.ERROR]
    assert state.finish is not None
    assert state.finish.reason is FinishReason.ERROR


def test_litellm_thinking_blocks_without_reasoning_content_and_redacted_blocks() -> None:
    def chunk(**delta: object) -> object:
        return SimpleNamespace(
            choices=[SimpleNamespace(delta=SimpleNamespace(**delta), finish_reason=None)], usage=None
        )

    state = run([
        chunk(content=None, thinking_blocks=[{"type": "thinking", "thinking": "Hm", "signature": None}]),
        chunk(content=None, thinking_blocks=[{"type": "redacted_thinking", "data": "opaque"}]),
        chunk(content="Hi", provider_specific_fields={"citation": {"url": "https://a.example", "title": "A"}}),
    ])  # fmt: skip
    assert [(p.kind, p.text) for p in state.parts] == [
        (PartKind.REASONING, "Hm"),
        (PartKind.REASONING, ""),
        (PartKind.TEXT, "Hi"),
    ]
    assert [(c.url, c.title) for c in state.citations] == [("https://a.example", "A")]


def test_langchain_sums_per_chunk_usage_deltas() -> None:
    state = run([
        AIMessageChunk(content="", usage_metadata={"input_tokens": 12, "output_tokens": 0, "total_tokens": 12}),
        AIMessageChunk(content="Hi"),
        AIMessageChunk(content="", usage_metadata={"input_tokens": 0, "output_tokens": 40, "total_tokens": 40},
                       response_metadata={"stop_reason": "end_turn"}),
    ])  # fmt: skip
    assert state.finish is not None
    assert state.finish.usage == Usage(input_tokens=12, output_tokens=40, reasoning_tokens=None, cached_tokens=None)
    assert state.finish.reason is FinishReason.STOP


def test_ollama_generate_thinking_and_response() -> None:
    items = [
        ollama.GenerateResponse(model="m", thinking="Hm", response="", done=False),
        ollama.GenerateResponse(model="m", response="<think>tagged</think>Hi", done=False),
        ollama.GenerateResponse(model="m", response="", done=True, done_reason="length", eval_count=3),
    ]
    state = run(items)
    assert [(p.kind, p.text) for p in state.parts] == [
        (PartKind.REASONING, "Hm"),
        (PartKind.REASONING, "tagged"),
        (PartKind.TEXT, "Hi"),
    ]
    assert state.finish is not None
    assert (state.finish.reason, state.finish.usage) == (FinishReason.LENGTH, Usage(output_tokens=3))


def test_pydantic_ai_builtin_tool_and_failed_tool_return() -> None:
    call = pai.NativeToolCallPart("web_search", {"query": "htmx"}, tool_call_id="ws")
    items: list[object] = [
        pai.PartStartEvent(index=0, part=call),
        pai.PartEndEvent(index=0, part=call),
        pai.PartStartEvent(index=1, part=pai.NativeToolReturnPart("web_search", [{"url": "u"}], tool_call_id="ws")),
        pai.PartStartEvent(index=2, part=pai.ToolCallPart("f", {"a": 1}, tool_call_id="c")),
        pai.PartEndEvent(index=2, part=pai.ToolCallPart("f", {"a": 1}, tool_call_id="c")),
        pai.FunctionToolResultEvent(pai.ToolReturnPart("f", "no such thing", tool_call_id="c", outcome="failed")),
    ]
    normaliser = normaliser_for(items[0])
    events = [event for item in items for event in normaliser.feed(item)]
    assert events[0] == PartStart(PartKind.TOOL_CALL, "ws", "web_search", provider_executed=True)
    assert PartDelta("c", '{"a": 1}') in events
    assert [e for e in events if isinstance(e, ToolResult)] == [
        ToolResult("ws", ToolStatus.DONE, [{"url": "u"}]),
        ToolResult("c", ToolStatus.ERROR, "no such thing"),
    ]


def test_plain_text_tokens_and_unknown_items() -> None:
    state = run(["<thi", "nk>plan</thi", "nk>\n\nAnswer"])
    assert [(p.kind, p.text) for p in state.parts] == [(PartKind.REASONING, "plan"), (PartKind.TEXT, "Answer")]
    with pytest.raises(TypeError, match="cannot read parts from a builtins.int"):
        normaliser_for(42)


def test_finish_is_emitted_once_and_closes_the_open_part() -> None:
    normaliser = normaliser_for("x")
    fed = normaliser.feed("Hello")
    assert fed == [PartStart(PartKind.TEXT, "text-1"), PartDelta("text-1", "Hello")]
    state = fold(fed + normaliser.finish())
    assert state.parts[0].done
    assert normaliser.finish() == []


def test_responses_mcp_call_is_provider_run_with_its_output() -> None:
    item = {"id": "mcp_1", "type": "mcp_call", "name": "docs", "server_label": "kb", "arguments": ""}
    where = {"item_id": "mcp_1", "output_index": 0}
    state = run(
        responses(
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            {"type": "response.mcp_call_arguments.delta", **where, "delta": '{"q": "sse"}'},
            {"type": "response.output_item.done", "output_index": 0,
             "item": {**item, "arguments": '{"q": "sse"}', "output": "2 pages"}},
        )
    )  # fmt: skip
    (call,) = state.tool_calls
    assert (call.name, call.provider_executed, call.arguments, call.status, call.result) == (
        "docs",
        True,
        {"q": "sse"},
        ToolStatus.DONE,
        "2 pages",
    )
    assert state.finish is not None
    assert state.finish.reason is FinishReason.STOP


def test_pydantic_ai_citations_after_the_text_part_ends() -> None:
    sources: list[pai.WebCitationSource | pai.DocumentCitationSource] = [
        pai.WebCitationSource("https://htmx.org", title="htmx", excerpts=["swaps HTML"]),
        pai.DocumentCitationSource(document_id="doc-7", title="Guide"),
    ]
    state = run([
        pai.PartStartEvent(index=0, part=pai.TextPart("htmx swaps HTML.")),
        pai.PartEndEvent(index=0, part=pai.TextPart("htmx swaps HTML.")),
        pai.PartDeltaEvent(index=0, delta=pai.TextPartDelta("", citations_delta=[pai.Citation(sources)])),
    ])  # fmt: skip
    part_id = state.parts[0].id
    assert [p.text for p in state.parts] == ["htmx swaps HTML."]
    assert state.citations == [
        Citation(url="https://htmx.org", title="htmx", cited_text="swaps HTML", part_id=part_id),
        Citation(title="Guide", document="doc-7", part_id=part_id),
    ]
