"""What the blocks of a multi-part stream see: part events folded, what changed since the last render, the result.

:class:`PartsView` is sans-I/O, like the normalisers: the producer (``_parts_produce``) feeds it
each item's events and asks it which blocks to render and with what. The answer's text deltas go
to a callback (the route's text mode), straight from the normaliser when it is the normaliser's
``text_lane`` (:meth:`PartsView.answer`); reasoning is escaped per delta, as the answer is (from the
``reasoning_lane``, :meth:`PartsView.reasoning`, but for a part's first delta), or, with
``reasoning_text`` (the markdown modes), each segment is rendered by a text mode of its own. The
reasoning's duration is measured with ``clock`` (seconds the reasoning parts were open), never
estimated. :meth:`PartsView.settle` ends every part, whatever ended the stream.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from time import monotonic
from typing import Any

from markupsafe import Markup

from fastapi_fragments._text import TextMode
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
)
from fastapi_fragments.parts._reasoning import ReasoningText, ThinkingTime
from fastapi_fragments.parts._result import StreamResult, ToolCall
from fastapi_fragments.parts._state import PartsState, PartState

__all__ = (
    "ANSWER_CHANGED",
    "BLOCK_CHANGES",
    "CITATIONS_CHANGED",
    "REASONING_CHANGED",
    "TOOLS_CHANGED",
    "USAGE_CHANGED",
    "PartsView",
)

logger = logging.getLogger("fastapi_fragments")

#: What changed since the last render (:attr:`PartsView.changed` is a set of these bits); the
#: finish and usage change only at the end, which re-renders everything.
ANSWER_CHANGED, REASONING_CHANGED, TOOLS_CHANGED, CITATIONS_CHANGED, USAGE_CHANGED = 1, 2, 4, 8, 16
_EVERYTHING = ANSWER_CHANGED | REASONING_CHANGED | TOOLS_CHANGED | CITATIONS_CHANGED | USAGE_CHANGED
_PART_CHANGES = _EVERYTHING & ~ANSWER_CHANGED  # what the part variables show
#: In :attr:`PartsView.stale` only: a reasoning segment started or ended since the last context()
#: (reasoning_context() then leaves the segments to context(), which joins every one).
_SEGMENTS_CHANGED = 32
#: A delta that needs no escaping and no replacement of a lone surrogate (nearly every one).
_PLAIN = re.compile("[&<>\"'\x80-\U0010ffff]").search
#: What changes each kind of part block (``PartBlocks.named()``'s kinds): the block re-renders then.
BLOCK_CHANGES = {"reasoning": REASONING_CHANGED, "tools": TOOLS_CHANGED, "citations": CITATIONS_CHANGED,
                 "usage": USAGE_CHANGED}  # fmt: skip


class PartsView:
    """The parts of one stream as its blocks render them; see the module docstring.

    The answer's text is the text mode's (``on_text``): the text parts of :attr:`state` stay empty.

    Example::

        view = PartsView(text.feed)
        view.apply(normaliser.feed(item))
        if view.changed & REASONING_CHANGED:
            html = render(view.context())
    """

    def __init__(
        self,
        on_text: Callable[[str], None],
        clock: Callable[[], float] = monotonic,
        *,
        reasoning_text: Callable[[], TextMode] | None = None,
    ) -> None:
        self.state = PartsState()
        self.changed = 0
        self._on_text = on_text
        self._open: PartKind | None = None
        self._reasoning = ReasoningText(reasoning_text)
        # The open reasoning part, and the list its escaped deltas go to (None in the markdown modes):
        # what reasoning() writes a delta into, with no lookups.
        self._thinking: PartState | None = None
        self._pieces: list[str] | None = None
        self._time = ThinkingTime(clock)
        self._tools: list[ToolCall] | None = None  # the tool calls' views, until a tool event changes them
        self._built: list[ToolCall] = []  # the views last built: their arguments, parsed, if the text is the same
        self._context: dict[str, Any] = {}  # the last context()
        #: What :meth:`context` computes anew at its next call (bits; never the answer, which is the
        #: text mode's): what changed since its last call, and the reasoning while the model thinks (its
        #: duration runs). ``0``: the same dict, which a producer can tell with no call.
        self.stale = _PART_CHANGES
        self.settled = False

    def apply(self, events: list[PartEvent]) -> None:
        """Fold ``events`` in and note which blocks they change.

        :raises ValueError: for events out of protocol order (see :meth:`PartsState.apply`).
        """
        state = self.state
        for event in events:
            if type(event) is PartDelta and event.id == state.open_id:
                if self._open is PartKind.TEXT:
                    self.answer(event.text)  # from a normaliser without a text lane
                    continue
                if self._open is PartKind.REASONING:
                    self.reasoning(event.text)  # without a reasoning lane, or the part's first delta
                    continue
            state.apply(event)
            if type(event) is PartDelta:
                self.changed |= TOOLS_CHANGED  # a tool call's arguments
            elif type(event) is PartStart:
                self._start(event)
            elif type(event) is PartEnd:
                if self._open is PartKind.REASONING:
                    self._stop_clock()
                    self.changed |= REASONING_CHANGED | ANSWER_CHANGED  # thinking is over
                    self.stale |= _SEGMENTS_CHANGED
                elif self._open is PartKind.TOOL_CALL:
                    self.changed |= TOOLS_CHANGED  # running
                self._open = None
            elif type(event) is ToolResult:
                self.changed |= TOOLS_CHANGED
            elif type(event) is Citation:
                self.changed |= CITATIONS_CHANGED | ANSWER_CHANGED
            else:
                self.changed |= _EVERYTHING
        if self.changed & TOOLS_CHANGED:
            self._tools = None  # parsing every call's arguments again is for renders after a tool event only
        self.stale |= self.changed & _PART_CHANGES

    def answer(self, text: str) -> None:
        """A delta of the answer: to the text mode only (a normaliser's ``text_lane``).

        Folded into the state too, the whole answer would be copied for every delta.
        """
        self._on_text(text if text.isascii() else _encodable(text))  # no call for most text
        self.changed |= ANSWER_CHANGED

    def reasoning(self, text: str) -> None:
        """A delta of the open reasoning part, folded as its :class:`PartDelta` would be, with none built
        (a normaliser's ``reasoning_lane``: the second most frequent delta).

        :raises ValueError: after the finish (see :meth:`PartsState.extend`).
        """
        part, pieces = self._thinking, self._pieces
        if part is not None and pieces is not None and _PLAIN(text) is None:  # nearly every delta
            part.text += text
            pieces.append(text)
        else:
            part_id = self.state.extend(text)
            self._reasoning.add(part_id, text if text.isascii() else _encodable(text))
        self.changed |= REASONING_CHANGED
        self.stale |= REASONING_CHANGED

    def _start(self, event: PartStart) -> None:
        self._open = kind = event.kind
        if kind is PartKind.REASONING:
            self._thinking = self.state.part(event.id)
            self._pieces = self._reasoning.start(event.id, self.state.text_of(event.id))
            self._time.start()
            self.stale |= _SEGMENTS_CHANGED
            self.changed |= REASONING_CHANGED | ANSWER_CHANGED  # thinking
        elif kind is PartKind.TOOL_CALL:
            self.changed |= TOOLS_CHANGED

    def _stop_clock(self) -> None:
        self._thinking = self._pieces = None
        self._time.stop()

    def settle(self, events: list[PartEvent]) -> None:
        """End the stream with the normaliser's last events; every part is ended, even out of order."""
        if self.settled:
            return
        self.settled = True
        for event in events:
            try:
                self.apply([event])
            except ValueError:  # a source that broke the protocol: its failure is already the outcome
                logger.warning("dropped the part event %r at the end of a stream", event)
        state = self.state
        if state.open_id is not None:
            for part in state.parts:
                part.done = True
            state.open_id = None
        if state.finish is None:
            state.finish = next((event for event in events if isinstance(event, Finish)), None)
        if state.finish is None or state.finish.reason is FinishReason.ERROR:
            for call in state.tool_calls:  # a call cut short is an error, not forever running
                if call.status in (ToolStatus.PENDING, ToolStatus.RUNNING):
                    call.status = ToolStatus.ERROR
        self._stop_clock()
        self._open = None
        self._tools = None
        self.changed |= _EVERYTHING
        self.stale = _PART_CHANGES

    # -- what templates get ------------------------------------------------------------------------

    @property
    def thinking(self) -> bool:
        """Whether a reasoning part is open: the model is thinking."""
        return self._open is PartKind.REASONING

    @property
    def duration(self) -> float | None:
        """Seconds the model has spent thinking (to a tenth), measured; ``None`` if it did not think."""
        return self._time.seconds() if self._reasoning else None

    def segments(self) -> list[Markup]:
        """Each reasoning segment, escaped (in the markdown modes: rendered, see ``_reasoning``)."""
        return self._reasoning.segments(self.state.open_id if self._open is PartKind.REASONING else None)

    def tool_calls(self) -> list[ToolCall]:
        """The tool calls' views (their arguments parsed once per change, not once per render)."""
        if self._tools is None:
            self._tools = self._built = ToolCall.views(self.state.tool_calls, self._built)
        return self._tools

    def context(self) -> dict[str, Any]:
        """The variables every block of the stream gets (see the README's "Parts" section).

        The same dict until a part changes: most renders are of the answer alone, and a caller can
        tell by identity whether a block's context needs the variables again. Only what changed is
        computed anew (a text delta changes none of them); the duration while the model thinks, always.
        """
        stale = self.stale
        if not stale:
            return self._context
        self.stale = REASONING_CHANGED if self._time.since is not None else 0  # thinking: the duration runs
        state = self.state
        context = dict(self._context)
        if stale & REASONING_CHANGED:
            context.update(self._reasoning_values())
        if stale & TOOLS_CHANGED:
            context["tool_calls"] = self.tool_calls()
        if stale & CITATIONS_CHANGED:
            context["citations"] = list(state.citations)
        if stale & USAGE_CHANGED:  # the finish: only with everything else
            finish = state.finish
            context["finish"] = finish
            context["finish_reason"] = finish.reason.value if finish is not None else None
            context["usage"] = finish.usage if finish is not None else None
        self._context = context
        return context

    def reasoning_context(self) -> dict[str, Any] | None:
        """The reasoning's variables a delta of it changes, when the model is thinking and nothing else
        changed since :meth:`context` (else ``None``): what a reasoning delta changes in a block that
        has the others already, ``thinking`` (true since that context) among them. The next
        :meth:`context` still computes them again, as part of the whole."""
        since, part = self._time.since, self._thinking
        if self.stale != REASONING_CHANGED or since is None or part is None:  # the clock runs while it thinks
            return None
        if self._pieces is None:  # the markdown modes: the open segment's text mode renders it
            return self._growing_values()
        segments = self._reasoning.grown(part.id)  # only the open segment grew
        reasoning = segments[0] if len(segments) == 1 else _BETWEEN.join(segments)
        return {"duration": self._time.running(since), "reasoning": reasoning, "segments": segments}

    def _reasoning_values(self) -> dict[str, Any]:
        return {"thinking": self.thinking, **self._growing_values()}

    def _growing_values(self) -> dict[str, Any]:
        segments = self.segments()
        reasoning = segments[0] if len(segments) == 1 else _BETWEEN.join(segments)
        return {"duration": self.duration, "reasoning": reasoning, "segments": segments}

    def result(self, outcome: str, text: str) -> StreamResult:
        """The result for ``on_finish`` (after :meth:`settle`)."""
        state = self.state
        reasoning = "\n\n".join(part.text for part in state.reasoning)
        calls = tuple(ToolCall.of(part) for part in state.tool_calls)
        finish = state.finish or Finish(FinishReason.ERROR)
        return StreamResult(outcome, text, reasoning, self.duration, calls, tuple(state.citations), finish)


#: What the reasoning variable has between two segments.
_BETWEEN = Markup("\n\n")


def _encodable(text: str) -> str:
    """``text`` with a lone surrogate (half of a split ``\\uXXXX`` escape) replaced: it cannot be encoded as UTF-8."""
    return text if text.isascii() else text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
