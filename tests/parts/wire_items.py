"""A scripted reply as each source's stream items, built in-process (no sockets): for property tests.

The SSE and NDJSON wires are the fake provider's own frames, validated into the SDK's real types (so
the frames must be valid too). LiteLLM, LangChain, pydantic-ai and plain-text items are shaped from the
same script: LiteLLM's as plain objects with its ``Delta`` fields (litellm has its own virtualenv),
the others with the real classes.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import anthropic.types
import ollama
import openai.types.responses
import pydantic
from langchain_core.messages import AIMessageChunk
from openai.types.chat import ChatCompletionChunk
from pydantic_ai import messages as pai

from fastapi_fragments.testing import FakeReasoning, FakeReply, FakeText, FakeToolCall
from fastapi_fragments.testing._fake_provider import WIRES
from fastapi_fragments.testing._fake_wire import scripted_payloads

REQUEST = {"stream_options": {"include_usage": True}}
_RESPONSES: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(openai.types.responses.ResponseStreamEvent)
_ANTHROPIC: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)


def payloads(path: str, reply: FakeReply) -> list[Any]:
    return scripted_payloads(WIRES[path], reply, REQUEST)


def chat(reply: FakeReply) -> list[object]:
    return [ChatCompletionChunk.model_validate(p) for p in payloads("/v1/chat/completions", reply)]


def responses(reply: FakeReply) -> list[object]:
    return [_RESPONSES.validate_python(p) for p in payloads("/v1/responses", reply)]


def anthropic_events(reply: FakeReply) -> list[object]:
    # The SDK drops `ping` before it yields events; it is no RawMessageStreamEvent.
    return [_ANTHROPIC.validate_python(p) for p in payloads("/v1/messages", reply) if p["type"] != "ping"]


def ollama_chat(reply: FakeReply) -> list[object]:
    return [ollama.ChatResponse.model_validate(p) for p in payloads("/api/chat", reply)]


def _namespace(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{key: _namespace(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_namespace(item) for item in value]
    return value


def litellm(reply: FakeReply) -> list[object]:
    """LiteLLM's stream as it reads Anthropic: reasoning twice (``reasoning_content`` and a
    ``thinking_blocks`` entry), citations in ``provider_specific_fields``."""
    items = []
    for payload in payloads("/v1/chat/completions", reply):
        for choice in payload["choices"]:
            delta = choice["delta"]
            if "reasoning_content" in delta:
                delta["thinking_blocks"] = [{"type": "thinking", "thinking": delta["reasoning_content"]}]
            for annotation in delta.pop("annotations", []):
                cited = annotation["url_citation"]
                delta["provider_specific_fields"] = {"citation": {"url": cited["url"], "title": cited["title"]}}
        items.append(_namespace(payload))
    return items


def langchain(reply: FakeReply) -> list[object]:
    """AIMessageChunks as a chat model integration makes them from the chat wire's chunks."""
    items: list[object] = []
    for payload in payloads("/v1/chat/completions", reply):
        usage = payload.get("usage")
        if usage:
            details = {"input_token_details": {"cache_read": usage["prompt_tokens_details"]["cached_tokens"]}}
            metadata: Any = {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"],
                             "total_tokens": usage["total_tokens"], **details}  # fmt: skip
            items.append(AIMessageChunk(content="", usage_metadata=metadata))
        for choice in payload["choices"]:
            delta = choice["delta"]
            extra = {"reasoning_content": delta["reasoning_content"]} if "reasoning_content" in delta else {}
            calls: Any = [{"name": c.get("function", {}).get("name"), "args": c.get("function", {}).get("arguments"),
                      "id": c.get("id"), "index": c["index"]} for c in delta.get("tool_calls", [])]  # fmt: skip
            finish = {"finish_reason": choice["finish_reason"]} if choice["finish_reason"] else {}
            items.append(AIMessageChunk(content=delta.get("content") or "", additional_kwargs=extra,
                                        tool_call_chunks=calls, response_metadata=finish))  # fmt: skip
    return items


def pydantic_ai(reply: FakeReply) -> list[object]:
    items: list[object] = []
    for index, part in enumerate(reply.script):
        chunks = list(part.arguments if isinstance(part, FakeToolCall) else getattr(part, "chunks", ())) or [""]
        first, rest, whole = chunks[0], chunks[1:], "".join(chunks)
        start: Any
        end: Any
        if isinstance(part, FakeReasoning):
            start, end = pai.ThinkingPart(first), pai.ThinkingPart(whole)
            deltas: list[Any] = [pai.ThinkingPartDelta(content_delta=c) for c in rest]
        elif isinstance(part, FakeText):
            start, end = pai.TextPart(first), pai.TextPart(whole)
            deltas = [pai.TextPartDelta(c) for c in rest]
        elif isinstance(part, FakeToolCall):
            start = pai.ToolCallPart(part.name, first, tool_call_id=part.id)
            end = pai.ToolCallPart(part.name, whole, tool_call_id=part.id)
            deltas = [pai.ToolCallPartDelta(args_delta=c, tool_call_id=part.id) for c in rest]
        else:
            continue
        items.append(pai.PartStartEvent(index=index, part=start))
        items += [pai.PartDeltaEvent(index=index, delta=delta) for delta in deltas]
        items.append(pai.PartEndEvent(index=index, part=end))
    return items


def text(reply: FakeReply) -> list[object]:
    return [chunk for part in reply.script if isinstance(part, FakeText) for chunk in part.chunks]


SOURCES: dict[str, Callable[[FakeReply], list[object]]] = {
    "chat": chat,
    "responses": responses,
    "anthropic": anthropic_events,
    "ollama": ollama_chat,
    "litellm": litellm,
    "langchain": langchain,
    "pydantic_ai": pydantic_ai,
    "text": text,
}
