"""Frame builders for the fake provider: the bytes each provider streams, as its SDK parses them.

Pure functions of the script, no I/O. Frames carry the fields the real providers send (ids, model,
indexes, finish markers), not only the ones today's SDKs happen to read, so stricter parsers
(pydantic-ai, LangChain) accept them too.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ("WIRES", "Wire")


class Wire(Protocol):
    """One provider's streaming wire format."""

    content_type: str

    def start(self, request: Any) -> bytes:
        """Frames sent before the first token."""
        ...

    def token(self, text: str, index: int) -> bytes:
        """The frame carrying one text delta."""
        ...

    def finish(self, text: str, request: Any) -> bytes:
        """Frames closing a complete answer whose full text is ``text``."""
        ...

    def error(self, message: str) -> bytes:
        """The frame a provider sends when it fails mid-stream."""
        ...

    def http_error(self, status: int, message: str) -> object:
        """The JSON body of an HTTP error response."""
        ...


def _sse(payload: object, event: str | None = None) -> bytes:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(payload)}\n\n".encode()


def _openai_error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


class OpenAIChatWire:
    """``/v1/chat/completions`` with ``stream=True``."""

    content_type = "text/event-stream"

    def _chunk(self, delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "fake-model",
            "choices": [choice],
        }

    def start(self, request: Any) -> bytes:
        return _sse(self._chunk({"role": "assistant", "content": ""}))

    def token(self, text: str, index: int) -> bytes:
        return _sse(self._chunk({"content": text}))

    def finish(self, text: str, request: Any) -> bytes:
        frames = _sse(self._chunk({}, "stop"))
        if (request.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
            frames += _sse({**self._chunk({}), "choices": [], "usage": usage})
        return frames + b"data: [DONE]\n\n"

    def error(self, message: str) -> bytes:
        return _sse(_openai_error(message))

    def http_error(self, status: int, message: str) -> object:
        return _openai_error(message)


class OpenAIResponsesWire:
    """``/v1/responses`` with ``stream=True``: the full event sequence, so ``responses.stream()`` works too."""

    content_type = "text/event-stream"

    def _response(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": "resp_fake", "object": "response", "created_at": 0, "model": "fake-model", "status": status,
                "output": output}  # fmt: skip

    def _message(self, status: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": "msg_fake", "type": "message", "role": "assistant", "status": status, "content": parts}

    def _event(self, kind: str, **fields: object) -> bytes:
        return _sse({"type": kind, "sequence_number": 0, **fields}, kind)

    def start(self, request: Any) -> bytes:
        part = {"type": "output_text", "text": "", "annotations": []}
        return (
            self._event("response.created", response=self._response("in_progress", []))
            + self._event("response.output_item.added", output_index=0, item=self._message("in_progress", []))
            + self._event("response.content_part.added", output_index=0, content_index=0, item_id="msg_fake", part=part)
        )

    def token(self, text: str, index: int) -> bytes:
        return self._event(
            "response.output_text.delta", output_index=0, content_index=0, item_id="msg_fake", delta=text, logprobs=[]
        )

    def finish(self, text: str, request: Any) -> bytes:
        part = {"type": "output_text", "text": text, "annotations": []}
        message = self._message("completed", [part])
        where = {"output_index": 0, "content_index": 0, "item_id": "msg_fake"}
        return (
            self._event("response.output_text.done", **where, text=text, logprobs=[])
            + self._event("response.content_part.done", **where, part=part)
            + self._event("response.output_item.done", output_index=0, item=message)
            + self._event("response.completed", response=self._response("completed", [message]))
        )

    def error(self, message: str) -> bytes:
        return self._event("error", code="server_error", message=message, param=None)

    def http_error(self, status: int, message: str) -> object:
        return _openai_error(message)


class AnthropicWire:
    """``/v1/messages`` with ``stream=True``; every frame has the ``event:`` line the SDK requires."""

    content_type = "text/event-stream"

    def _event(self, kind: str, **fields: object) -> bytes:
        return _sse({"type": kind, **fields}, kind)

    def start(self, request: Any) -> bytes:
        message: dict[str, object] = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": "fake-model",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
        return (
            self._event("message_start", message=message)
            + self._event("content_block_start", index=0, content_block={"type": "text", "text": ""})
            + self._event("ping")
        )

    def token(self, text: str, index: int) -> bytes:
        return self._event("content_block_delta", index=0, delta={"type": "text_delta", "text": text})

    def finish(self, text: str, request: Any) -> bytes:
        return (
            self._event("content_block_stop", index=0)
            + self._event(
                "message_delta", delta={"stop_reason": "end_turn", "stop_sequence": None}, usage={"output_tokens": 1}
            )
            + self._event("message_stop")
        )

    def error(self, message: str) -> bytes:
        return self._event("error", error={"type": "overloaded_error", "message": message})

    def http_error(self, status: int, message: str) -> object:
        return {"type": "error", "error": {"type": "api_error", "message": message}}


class OllamaChatWire:
    """``/api/chat``: one JSON object per line."""

    content_type = "application/x-ndjson"

    def _line(self, content: str, **fields: object) -> bytes:
        message = {"role": "assistant", "content": content}
        payload = {"model": "fake-model", "created_at": "2026-01-01T00:00:00Z", "message": message, **fields}
        return json.dumps(payload).encode() + b"\n"

    def start(self, request: Any) -> bytes:
        return b""

    def token(self, text: str, index: int) -> bytes:
        return self._line(text, done=False)

    def finish(self, text: str, request: Any) -> bytes:
        return self._line("", done=True, done_reason="stop")

    def error(self, message: str) -> bytes:
        return json.dumps({"error": message}).encode() + b"\n"

    def http_error(self, status: int, message: str) -> object:
        return {"error": message}


#: Wire format by request path.
WIRES: dict[str, Wire] = {
    "/v1/chat/completions": OpenAIChatWire(),
    "/v1/responses": OpenAIResponsesWire(),
    "/v1/messages": AnthropicWire(),
    "/api/chat": OllamaChatWire(),
}
