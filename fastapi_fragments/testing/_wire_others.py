"""The Anthropic Messages and Ollama chat wire formats, reasoning and tools included."""

from __future__ import annotations

import json
from typing import Any

from fastapi_fragments.testing._fake_script import FakeReasoning, FakeReply, FakeSearch, FakeText, FakeToolCall
from fastapi_fragments.testing._fake_wire import PartFrames, sse

__all__ = ("AnthropicWire", "OllamaChatWire")

_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}


class AnthropicWire:
    """``/v1/messages`` with ``stream=True``; every frame has the ``event:`` line the SDK requires.

    Reasoning is a ``thinking`` block (with its ``signature_delta``), a tool call a ``tool_use`` block
    with ``input_json_delta``s, a search a ``server_tool_use`` block followed by its whole
    ``web_search_tool_result`` block, citations ``citations_delta``s of a text block.
    """

    content_type = "text/event-stream"

    def _event(self, kind: str, **fields: object) -> bytes:
        return sse({"type": kind, **fields}, kind)

    def start(self, reply: FakeReply, request: Any) -> bytes:
        usage = {"input_tokens": reply.usage.input_tokens, "output_tokens": 1,
                 "cache_read_input_tokens": reply.usage.cached_tokens}  # fmt: skip
        message: dict[str, object] = {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": "fake-model", "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": usage,
        }  # fmt: skip
        return self._event("message_start", message=message)

    def part(self, reply: FakeReply, position: int, request: Any) -> PartFrames:
        part = reply.script[position]
        # A search takes two blocks: the call and its result.
        index = sum(2 if isinstance(p, FakeSearch) else 1 for p in reply.script[:position])
        stop = self._event("content_block_stop", index=index)
        block: dict[str, object]
        if isinstance(part, FakeReasoning):
            kinds, block, field = "thinking_delta", {"type": "thinking", "thinking": "", "signature": ""}, "thinking"
            chunks = part.chunks
            stop = self._delta(index, "signature_delta", "signature", "fake-signature") + stop
        elif isinstance(part, FakeText):
            kinds, block, field, chunks = "text_delta", {"type": "text", "text": ""}, "text", part.chunks
            for citation in part.citations:
                location = {"type": "web_search_result_location", "url": citation.url, "title": citation.title,
                            "cited_text": citation.cited_text, "encrypted_index": "fake"}  # fmt: skip
                stop = self._event("content_block_delta", index=index,
                                   delta={"type": "citations_delta", "citation": location}) + stop  # fmt: skip
        elif isinstance(part, FakeToolCall):
            block = {"type": "tool_use", "id": part.id, "name": part.name, "input": {}}
            kinds, field, chunks = "input_json_delta", "partial_json", part.arguments
        else:
            block = {"type": "server_tool_use", "id": part.id, "name": "web_search", "input": {}}
            kinds, field, chunks = "input_json_delta", "partial_json", [json.dumps({"query": part.query})]
            results = [{"type": "web_search_result", "url": r.url, "title": r.title, "encrypted_content": "fake",
                        "page_age": None} for r in part.results]  # fmt: skip
            result = {"type": "web_search_tool_result", "tool_use_id": part.id, "content": results}
            stop += self._event("content_block_start", index=index + 1, content_block=result)
            stop += self._event("content_block_stop", index=index + 1)
        opened = self._event("content_block_start", index=index, content_block=block)
        if position == 0:
            opened += self._event("ping")  # where the real API sends it
        return PartFrames(opened, [self._delta(index, kinds, field, chunk) for chunk in chunks], stop)

    def _delta(self, index: int, kind: str, field: str, value: str) -> bytes:
        return self._event("content_block_delta", index=index, delta={"type": kind, field: value})

    def finish(self, reply: FakeReply, request: Any) -> bytes:
        delta = {"stop_reason": _STOP_REASONS.get(reply.reason, "end_turn"), "stop_sequence": None}
        usage = {"output_tokens": reply.usage.output_tokens, "input_tokens": reply.usage.input_tokens,
                 "cache_read_input_tokens": reply.usage.cached_tokens}  # fmt: skip
        return self._event("message_delta", delta=delta, usage=usage) + self._event("message_stop")

    def error(self, message: str) -> bytes:
        return self._event("error", error={"type": "overloaded_error", "message": message})

    def http_error(self, status: int, message: str) -> object:
        return {"type": "error", "error": {"type": "api_error", "message": message}}


class OllamaChatWire:
    """``/api/chat``: one JSON object per line. Reasoning is ``message.thinking``; a tool call is one
    line with the whole call, its arguments parsed; citations and searches are left out."""

    content_type = "application/x-ndjson"

    def _line(self, content: str, **fields: object) -> bytes:
        message: dict[str, object] = {"role": "assistant", "content": content}
        for name in ("thinking", "tool_calls"):
            if name in fields:
                message[name] = fields.pop(name)
        payload = {"model": "fake-model", "created_at": "2026-01-01T00:00:00Z", "message": message, **fields}
        return json.dumps(payload).encode() + b"\n"

    def start(self, reply: FakeReply, request: Any) -> bytes:
        return b""

    def part(self, reply: FakeReply, position: int, request: Any) -> PartFrames:
        part = reply.script[position]
        if isinstance(part, FakeReasoning):
            return PartFrames(deltas=[self._line("", thinking=chunk, done=False) for chunk in part.chunks])
        if isinstance(part, FakeText):
            return PartFrames(deltas=[self._line(chunk, done=False) for chunk in part.chunks])
        if isinstance(part, FakeToolCall):
            call = {"function": {"name": part.name, "arguments": json.loads("".join(part.arguments))}}
            return PartFrames(deltas=[self._line("", tool_calls=[call], done=False)])
        return PartFrames()

    def finish(self, reply: FakeReply, request: Any) -> bytes:
        usage = reply.usage
        reason = "length" if reply.reason == "length" else "stop"
        return self._line(
            "", done=True, done_reason=reason, prompt_eval_count=usage.input_tokens, eval_count=usage.output_tokens
        )

    def error(self, message: str) -> bytes:
        return json.dumps({"error": message}).encode() + b"\n"

    def http_error(self, status: int, message: str) -> object:
        return {"error": message}
