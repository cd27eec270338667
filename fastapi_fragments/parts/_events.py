"""The part vocabulary: what a model's stream says besides the answer text, as plain frozen values.

A stream is a sequence of :data:`PartEvent` values in pydantic-ai's UI-event shape: a part starts
(:class:`PartStart`, a kind and an id), gets text (:class:`PartDelta`), and ends (:class:`PartEnd`);
one part is open at a time, so a part's end comes before the next part's start. Tool results
(:class:`ToolResult`) and citations (:class:`Citation`) arrive whole and open no part; the stream ends
with one :class:`Finish` carrying the reason and the token usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = (
    "Citation",
    "Finish",
    "FinishReason",
    "PartDelta",
    "PartEnd",
    "PartEvent",
    "PartKind",
    "PartStart",
    "ToolResult",
    "ToolStatus",
    "Usage",
)


class PartKind(StrEnum):
    """What a part holds.

    Example::

        PartStart(PartKind.REASONING, "rs_1")
    """

    REASONING = "reasoning"
    """The model's thinking (a summary or the raw text); may stay empty when the provider hides it."""
    TEXT = "text"
    """The answer."""
    TOOL_CALL = "tool_call"
    """A tool the model calls: its deltas are the arguments as JSON text."""
    CITATION = "citation"
    """A source the answer cites; citations arrive whole, as :class:`Citation` events."""


class ToolStatus(StrEnum):
    """Where a tool call stands: pending while its arguments stream, running once they are complete,
    then done or error when the stream carries its result.

    Example::

        ToolResult("call_1", ToolStatus.DONE, {"hits": 3})
    """

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"


class FinishReason(StrEnum):
    """Why the model stopped, in one vocabulary for every provider.

    Example::

        Finish(FinishReason.LENGTH)  # cut off: the page can say the answer is incomplete
    """

    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    TOOL_CALLS = "tool_calls"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PartStart:
    """A part opens. ``name`` is the tool's name and ``provider_executed`` says whether the provider runs
    the tool itself (OpenAI web search, Anthropic ``server_tool_use``); both only for tool calls.

    Example::

        PartStart(PartKind.TOOL_CALL, "call_1", name="search_docs")
    """

    kind: PartKind
    id: str
    name: str | None = None
    provider_executed: bool = False


@dataclass(frozen=True, slots=True)
class PartDelta:
    """More of the open part: reasoning text, answer text, or a piece of a tool call's JSON arguments.

    Example::

        PartDelta("call_1", '{"query": "ht')
    """

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class PartEnd:
    """The part is complete (a tool call's arguments are all there: it is running).

    Example::

        PartEnd("call_1")
    """

    id: str


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool call's outcome, when the stream carries it (provider-run tools, agent frameworks).

    ``id`` is the tool call part's id; ``result`` is plain data (dicts, lists, strings).

    Example::

        ToolResult("srvtoolu_1", ToolStatus.DONE, [{"url": "https://htmx.org", "title": "htmx"}])
    """

    id: str
    status: ToolStatus
    result: object = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A source the answer cites: a URL with a title, or a document reference (a file id or name, a
    document's title or index). ``part_id`` is the text part it annotates, when known.

    Example::

        Citation(url="https://htmx.org/docs/", title="htmx docs", part_id="msg_1")
    """

    url: str | None = None
    title: str | None = None
    document: str | None = None
    cited_text: str | None = None
    part_id: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts; ``None`` where the provider did not say. ``reasoning_tokens`` are part of
    ``output_tokens`` and ``cached_tokens`` part of ``input_tokens``, as every provider counts them.

    Example::

        Usage(input_tokens=812, output_tokens=230, reasoning_tokens=128, cached_tokens=512)
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The stream's end: why the model stopped, the provider's own word for it, and the usage if sent.

    Example::

        Finish(FinishReason.LENGTH, raw_reason="max_tokens", usage=Usage(input_tokens=9, output_tokens=4096))
    """

    reason: FinishReason
    raw_reason: str | None = None
    usage: Usage | None = None


#: One event of a multi-part stream.
PartEvent = PartStart | PartDelta | PartEnd | ToolResult | Citation | Finish
