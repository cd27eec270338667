"""The base of every normaliser: one part open at a time, ids, the finish, reasoning tags in text.

A normaliser is sans-I/O, like httpx's decoders: ``feed(item)`` returns the part events one SDK item
completes, ``finish()`` those that end the stream. Subclasses only say what an item means, through
``_delta``/``_open``/``_close``/``_text``; this class keeps the one-open-part rule, so a source that
interleaves (parallel tool-call chunks) still produces a well-formed stream.

The answer's text may take a lane of its own (:attr:`Normaliser.text_lane`): a renderer that sends
the answer to its text mode anyway has no use for a :class:`PartDelta` per token, and most tokens
are the answer's; most of the others are the reasoning's, which has a lane too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi_fragments.parts._events import (
    Citation,
    Finish,
    FinishReason,
    PartDelta,
    PartEnd,
    PartEvent,
    PartKind,
    PartStart,
    ToolResult,
    ToolStatus,
    Usage,
)
from fastapi_fragments.parts._fields import number, plain
from fastapi_fragments.parts._tags import Piece, TagSplitter

__all__ = ("Normaliser",)


class Normaliser:
    """Turn one source's stream items into :data:`PartEvent` values; subclass per source.

    ``reasoning_tags`` makes ``<think>…</think>`` (and the other tags of ``REASONING_TAGS``) inside the
    answer text a reasoning part. ``finish(failed=True)`` is for a stream that raised: the open part is
    ended, tool calls still waiting get an error result, and the finish reason is ``error``.

    ``text_lane``, when set, takes every delta of a text part (the answer) instead of a
    :class:`PartDelta`; ``feed`` still returns every other event, text parts' starts and ends
    included. The lane gets the text as soon as ``feed`` reads it, before ``feed`` returns the
    events of the same item: only the order among the answer's own deltas is kept.
    ``reasoning_lane`` takes a delta of the open reasoning part in its place only when no event
    is waiting to be returned (so its owner has had the part's start and every delta before).

    Example::

        normaliser = OpenAIChatNormaliser()
        events = [event for chunk in stream for event in normaliser.feed(chunk)] + normaliser.finish()
    """

    #: The provider's finish reasons in the shared vocabulary; others map to ``stop``.
    REASONS: Mapping[str, FinishReason] = {}

    def __init__(self, *, reasoning_tags: bool = False) -> None:
        self._events: list[PartEvent] = []
        self._open_id: str | None = None
        self._open_kind: PartKind | None = None
        self._count = 0
        self._waiting: dict[str, bool] = {}  # tool call id -> provider-run, for calls with no result yet
        self._tags = TagSplitter() if reasoning_tags else None
        self._text_id: str | None = None  # the answer part the next text goes to (tags start new ones)
        # The open part when it is an answer part and no tag splitter reads its text: _text hands its
        # deltas to the text lane without _delta's checks (nearly every delta of a stream).
        self._plain_answer: str | None = None
        self._thinking: str | None = None  # the open part when it is reasoning: see _reasoning_delta
        self._raw_reason: str | None = None
        self._usage: Usage | None = None
        self._finished = False
        self.text_lane: Callable[[str], None] | None = None
        self.reasoning_lane: Callable[[str], None] | None = None

    def feed(self, item: object) -> list[PartEvent]:
        """The events ``item`` completes (often none). Raises :class:`ProviderError` for error items."""
        return self.events_of(item) or []

    def events_of(self, item: object) -> list[PartEvent] | None:
        """:meth:`feed`, ``None`` for an item that completes no event: a loop whose lanes take the deltas
        (nearly every item) makes no list per item."""
        self._handle(item)
        events = self._events
        if not events:
            return None
        self._events = []
        return events

    def finish(self, *, failed: bool = False) -> list[PartEvent]:
        """End the stream: flush held-back text, end the open part, and emit the :class:`Finish`."""
        if self._finished:
            return []
        self._finished = True
        if self._tags is not None:
            self._tag_pieces(self._tags.flush())
        self._close()
        if failed:
            for call_id in self._waiting:
                self._events.append(ToolResult(call_id, ToolStatus.ERROR))
            self._waiting.clear()
        self._events.append(Finish(self._reason(failed), self._raw_reason, self._usage))
        events, self._events = self._events, []
        return events

    def _handle(self, item: object) -> None:
        raise NotImplementedError

    # What subclasses call.

    def _new_id(self, kind: PartKind) -> str:
        """An id for a part the source names not (Ollama's tool calls, tagged reasoning)."""
        self._count += 1
        return f"{kind.value}-{self._count}"

    def _open(self, kind: PartKind, part_id: str, name: str | None = None, provider_executed: bool = False) -> None:
        if self._open_id == part_id:
            return
        if kind is PartKind.TOOL_CALL and self._tags is not None:
            self._tag_pieces(self._tags.flush())  # text held back for a possible tag goes before the call
        self._close()
        self._events.append(PartStart(kind, part_id, name, provider_executed))
        self._open_id, self._open_kind = part_id, kind
        self._plain_answer = part_id if kind is PartKind.TEXT and self._tags is None else None
        self._thinking = part_id if kind is PartKind.REASONING else None
        if kind is PartKind.TOOL_CALL:
            self._waiting.setdefault(part_id, provider_executed)

    def _delta(self, kind: PartKind, part_id: str, text: str) -> None:
        """More of part ``part_id``, which opens if it is not the open one (a tool call's name comes
        with its ``_open``)."""
        if text:
            if part_id != self._open_id:  # not a call per delta to find the part open already
                self._open(kind, part_id)
            open_kind, lane = self._open_kind, self.text_lane
            if open_kind is not PartKind.TEXT:  # the reasoning lane once the part's start has left feed()
                lane = self.reasoning_lane if open_kind is PartKind.REASONING and not self._events else None
            if lane is not None:
                lane(text)  # nearly every delta: no event to build, return and fold
            else:
                self._events.append(PartDelta(part_id, text))

    def _reasoning_delta(self, part_id: str, text: str) -> None:
        """A delta of the reasoning part ``part_id``: what :meth:`_delta` does with it, with fewer checks
        when it is the open part and no event waits (nearly every reasoning delta)."""
        lane = self.reasoning_lane
        if part_id == self._thinking and lane is not None and text and not self._events:
            lane(text)
        else:
            self._delta(PartKind.REASONING, part_id, text)

    def _reasoning(self, text: str) -> None:
        """Reasoning from a source that names no reasoning part: it continues the open one, if any."""
        if text:
            if self._thinking is None:  # no reasoning part open
                self._open(PartKind.REASONING, self._new_id(PartKind.REASONING))
            self._reasoning_delta(self._thinking or "", text)

    def _close(self, part_id: str | None = None) -> None:
        """End the open part (only if it is ``part_id``, when given)."""
        if self._open_id is not None and (part_id is None or part_id == self._open_id):
            self._events.append(PartEnd(self._open_id))
            self._open_id = self._open_kind = self._plain_answer = self._thinking = None

    def _text(self, text: str, part_id: str | None = None) -> None:
        """Answer text; through the reasoning-tag splitter when it is on."""
        lane, plain = self.text_lane, self._plain_answer
        if plain is not None and lane is not None and text and (part_id or self._text_id) == plain:
            lane(text)  # what _delta would do with it, in one call less
            return
        tags = self._tags
        if tags is None:
            self._delta(PartKind.TEXT, part_id or self._answer_id(), text)
        elif text:
            if tags.plain(text):  # most text: no pieces to make
                self._delta(PartKind.TEXT, self._answer_id(), text)
            else:
                self._tag_pieces(tags.feed(text))

    def _result(self, call_id: str, result: object, failed: bool = False) -> None:
        self._waiting.pop(call_id, None)
        self._events.append(ToolResult(call_id, ToolStatus.ERROR if failed else ToolStatus.DONE, plain(result)))

    def _citation(self, citation: Citation) -> None:
        self._events.append(citation)

    def _set_usage(self, **counts: object) -> None:
        """Overwrite the counts given (providers send cumulative usage); keep the others."""
        old = self._usage or Usage()
        fields = {name: getattr(old, name) for name in Usage.__dataclass_fields__}
        fields.update({name: value for name, value in counts.items() if number(value) is not None})
        self._usage = Usage(**fields)

    def _set_reason(self, reason: object) -> None:
        if isinstance(reason, str) and reason:
            self._raw_reason = reason

    # Internals.

    def _answer_id(self) -> str:
        if self._text_id is None or self._text_id != self._open_id:
            self._text_id = self._new_id(PartKind.TEXT)
        return self._text_id

    def _tag_pieces(self, pieces: list[Piece]) -> None:
        for kind, text in pieces:
            if kind == "open":
                self._close()
                self._open(PartKind.REASONING, self._new_id(PartKind.REASONING))
            elif kind == "reasoning":
                self._reasoning(text)
            else:
                self._delta(PartKind.TEXT, self._answer_id(), text)

    def _reason(self, failed: bool) -> FinishReason:
        if failed:
            return FinishReason.ERROR
        reason = self.REASONS.get(self._raw_reason or "", FinishReason.STOP)
        # Ollama says "stop" and Responses nothing when the model asks the caller to run a tool.
        if reason is FinishReason.STOP and any(not provider_run for provider_run in self._waiting.values()):
            return FinishReason.TOOL_CALLS
        return reason
