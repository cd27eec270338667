"""What a fake provider wire format is: the frames of a scripted reply, as its SDK parses them.

Pure functions of the script, no I/O. Frames carry the fields the real providers send (ids, model,
indexes, finish markers), not only the ones today's SDKs happen to read, so stricter parsers
(pydantic-ai, LangChain) accept them too. The wire formats themselves are in ``_wire_openai.py`` and
``_wire_others.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi_fragments.testing._fake_script import FakeReply
from fastapi_fragments.testing._sse import parse_sse

__all__ = ("PartFrames", "Wire", "openai_error", "scripted_payloads", "sse")


@dataclass(slots=True)
class PartFrames:
    """One part's frames: sent when it opens, one per delta (the unit of ``delay`` and ``fail_after``),
    and when it closes."""

    open: bytes = b""
    deltas: list[bytes] = field(default_factory=list)
    close: bytes = b""


class Wire(Protocol):
    """One provider's streaming wire format."""

    content_type: str

    def start(self, reply: FakeReply, request: Any) -> bytes:
        """Frames sent before the first part."""
        ...

    def part(self, reply: FakeReply, position: int, request: Any) -> PartFrames:
        """The frames of ``reply.script[position]``."""
        ...

    def finish(self, reply: FakeReply, request: Any) -> bytes:
        """Frames closing a complete answer: the finish reason, the usage, the end marker."""
        ...

    def error(self, message: str) -> bytes:
        """The frame a provider sends when it fails mid-stream."""
        ...

    def http_error(self, status: int, message: str) -> object:
        """The JSON body of an HTTP error response."""
        ...


def sse(payload: object, event: str | None = None) -> bytes:
    """One SSE frame of JSON ``payload``, with an ``event:`` line if given."""
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(payload)}\n\n".encode()


def openai_error(message: str) -> dict[str, Any]:
    """An OpenAI error body."""
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def scripted_payloads(wire: Wire, reply: FakeReply, request: Any) -> list[Any]:
    """The JSON payloads ``wire`` sends for the whole of ``reply`` (no delays, failures or stalls), in order.

    What an SDK validates into its stream items: in-process tests and ``benchmarks.parts`` build the SDK's
    real types from them without a socket.
    """
    body = wire.start(reply, request)
    for position in range(len(reply.script)):
        part = wire.part(reply, position, request)
        body += part.open + b"".join(part.deltas) + part.close
    body += wire.finish(reply, request)
    if wire.content_type == "application/x-ndjson":
        return [json.loads(line) for line in body.splitlines()]
    return [json.loads(message.data) for message in parse_sse(body) if message.data != "[DONE]"]
