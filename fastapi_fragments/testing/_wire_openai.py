"""The OpenAI wire formats: Chat Completions chunks and Responses events, reasoning and tools included."""

from __future__ import annotations

from typing import Any

from fastapi_fragments.testing._fake_script import (
    FakePart,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
)
from fastapi_fragments.testing._fake_wire import PartFrames, openai_error, sse

__all__ = ("OpenAIChatWire", "OpenAIResponsesWire")


class OpenAIChatWire:
    """``/v1/chat/completions`` with ``stream=True``. Reasoning goes in ``delta.reasoning_content`` (as
    DeepSeek and LiteLLM send it), tool calls in ``delta.tool_calls`` by index, citations in
    ``delta.annotations``; searches are left out (the chat API has no such event)."""

    content_type = "text/event-stream"

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": "fake-model"}
        return sse({**chunk, "choices": [choice]})

    def start(self, reply: FakeReply, request: Any) -> bytes:
        return self._chunk({"role": "assistant", "content": ""})

    def part(self, reply: FakeReply, position: int, request: Any) -> PartFrames:
        part = reply.script[position]
        if isinstance(part, FakeReasoning):
            return PartFrames(deltas=[self._chunk({"reasoning_content": chunk}) for chunk in part.chunks])
        if isinstance(part, FakeText):
            annotations = [
                {"type": "url_citation", "url_citation": {"url": c.url, "title": c.title, "start_index": 0,
                                                          "end_index": 0}}
                for c in part.citations
            ]  # fmt: skip
            close = self._chunk({"annotations": annotations}) if annotations else b""
            return PartFrames(deltas=[self._chunk({"content": chunk}) for chunk in part.chunks], close=close)
        if isinstance(part, FakeToolCall):
            index = sum(isinstance(p, FakeToolCall) for p in reply.script[:position])
            first = {
                "index": index,
                "id": part.id,
                "type": "function",
                "function": {"name": part.name, "arguments": ""},
            }
            deltas = [
                self._chunk({"tool_calls": [{"index": index, "function": {"arguments": a}}]}) for a in part.arguments
            ]
            return PartFrames(open=self._chunk({"tool_calls": [first]}), deltas=deltas)
        return PartFrames()

    def finish(self, reply: FakeReply, request: Any) -> bytes:
        frames = self._chunk({}, reply.reason)
        if (request.get("stream_options") or {}).get("include_usage"):
            usage = reply.usage
            counts = {
                "prompt_tokens": usage.input_tokens,
                "completion_tokens": usage.output_tokens,
                "total_tokens": usage.input_tokens + usage.output_tokens,
                "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
                "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
            }
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": "fake-model"}
            frames += sse({**chunk, "choices": [], "usage": counts})
        return frames + b"data: [DONE]\n\n"

    def error(self, message: str) -> bytes:
        return sse(openai_error(message))

    def http_error(self, status: int, message: str) -> object:
        return openai_error(message)


class OpenAIResponsesWire:
    """``/v1/responses`` with ``stream=True``: the full event sequence, so ``responses.stream()`` works too.

    Reasoning is a ``reasoning`` item with one summary paragraph; a tool call a ``function_call`` item
    with argument deltas; a search a ``web_search_call`` item; citations ``url_citation`` annotations.
    """

    content_type = "text/event-stream"

    def _response(self, status: str, output: list[dict[str, Any]], **fields: object) -> dict[str, Any]:
        return {"id": "resp_fake", "object": "response", "created_at": 0, "model": "fake-model", "status": status,
                "output": output, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
                **fields}  # fmt: skip

    def _event(self, kind: str, **fields: object) -> bytes:
        return sse({"type": kind, "sequence_number": 0, **fields}, kind)

    def _item(self, part: FakePart, position: int, done: bool) -> dict[str, Any]:
        status = "completed" if done else "in_progress"
        if isinstance(part, FakeReasoning):
            text = "".join(part.chunks)
            summary = [{"type": "summary_text", "text": text}] if done and part.chunks else []
            return {"id": f"rs_{position}", "type": "reasoning", "summary": summary}
        if isinstance(part, FakeText):
            content = [self._text_part(part, done)] if done else []
            return {"id": f"msg_{position}", "type": "message", "role": "assistant", "status": status,
                    "content": content}  # fmt: skip
        if isinstance(part, FakeToolCall):
            arguments = "".join(part.arguments) if done else ""
            return {"id": f"fc_{position}", "type": "function_call", "call_id": part.id, "name": part.name,
                    "arguments": arguments, "status": status}  # fmt: skip
        sources = [{"type": "url", "url": result.url} for result in part.results]
        action = {"type": "search", "query": part.query, "sources": sources} if done else {"type": "search"}
        return {"id": part.id, "type": "web_search_call", "status": status, "action": action}

    def _text_part(self, part: FakeText, done: bool) -> dict[str, Any]:
        text = "".join(part.chunks) if done else ""
        annotations = [self._annotation(c, len(text)) for c in part.citations] if done else []
        return {"type": "output_text", "text": text, "annotations": annotations}

    def _annotation(self, citation: Any, end: int) -> dict[str, Any]:
        return {"type": "url_citation", "url": citation.url, "title": citation.title, "start_index": 0,
                "end_index": end}  # fmt: skip

    def start(self, reply: FakeReply, request: Any) -> bytes:
        return self._event("response.created", response=self._response("in_progress", []))

    def part(self, reply: FakeReply, position: int, request: Any) -> PartFrames:
        part = reply.script[position]
        added = self._event("response.output_item.added", output_index=position, item=self._item(part, position, False))
        done = self._event("response.output_item.done", output_index=position, item=self._item(part, position, True))
        item_id = f"{self._item(part, position, False)['id']}"
        where: dict[str, object] = {"output_index": position, "item_id": item_id}
        if isinstance(part, FakeReasoning):
            return self._reasoning(part, where, added, done)
        if isinstance(part, FakeText):
            where["content_index"] = 0
            frames = PartFrames(
                open=added + self._event("response.content_part.added", **where, part=self._text_part(part, False)),
                deltas=[self._event("response.output_text.delta", **where, delta=c, logprobs=[]) for c in part.chunks],
            )
            text = "".join(part.chunks)
            frames.close = self._event("response.output_text.done", **where, text=text, logprobs=[])
            for index, citation in enumerate(part.citations):
                annotation = self._annotation(citation, len(text))
                frames.close += self._event(
                    "response.output_text.annotation.added", **where, annotation_index=index, annotation=annotation
                )
            frames.close += self._event("response.content_part.done", **where, part=self._text_part(part, True)) + done
            return frames
        if isinstance(part, FakeToolCall):
            deltas = [self._event("response.function_call_arguments.delta", **where, delta=a) for a in part.arguments]
            arguments = "".join(part.arguments)
            close = self._event("response.function_call_arguments.done", **where, arguments=arguments, name=part.name)
            return PartFrames(open=added, deltas=deltas, close=close + done)
        progress = self._event("response.web_search_call.in_progress", **where)
        searching = self._event("response.web_search_call.searching", **where)
        return PartFrames(
            added + progress, [searching], self._event("response.web_search_call.completed", **where) + done
        )

    def _reasoning(self, part: FakeReasoning, where: dict[str, object], added: bytes, done: bytes) -> PartFrames:
        if not part.chunks:
            return PartFrames(open=added, close=done)
        summary = {**where, "summary_index": 0}
        text = "".join(part.chunks)
        return PartFrames(
            open=added + self._event("response.reasoning_summary_part.added", **summary,
                                     part={"type": "summary_text", "text": ""}),
            deltas=[self._event("response.reasoning_summary_text.delta", **summary, delta=c) for c in part.chunks],
            close=self._event("response.reasoning_summary_text.done", **summary, text=text)
            + self._event("response.reasoning_summary_part.done", **summary,
                          part={"type": "summary_text", "text": text})
            + done,
        )  # fmt: skip

    def finish(self, reply: FakeReply, request: Any) -> bytes:
        output = [self._item(part, position, True) for position, part in enumerate(reply.script)]
        usage = reply.usage
        counts = {
            "input_tokens": usage.input_tokens,
            "input_tokens_details": {"cached_tokens": usage.cached_tokens, "cache_write_tokens": 0},
            "output_tokens": usage.output_tokens,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
            "total_tokens": usage.input_tokens + usage.output_tokens,
        }
        incomplete = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(reply.reason)
        if incomplete is None:
            return self._event("response.completed", response=self._response("completed", output, usage=counts))
        response = self._response("incomplete", output, usage=counts, incomplete_details={"reason": incomplete})
        return self._event("response.incomplete", response=response)

    def error(self, message: str) -> bytes:
        return self._event("error", code="server_error", message=message, param=None)

    def http_error(self, status: int, message: str) -> object:
        return openai_error(message)
