"""Part events folded into the state of a stream so far: what a page shows at any moment.

:class:`PartsState` is what the rendering side will give templates (the answer, the reasoning
segments, the tool cards, the sources, the finish), and what the tests compare: folding the events of
a stream cut anywhere must give the state of the stream at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_fragments.parts._events import (
    Citation,
    Finish,
    PartDelta,
    PartEnd,
    PartEvent,
    PartKind,
    PartStart,
    ToolResult,
    ToolStatus,
)
from fastapi_fragments.parts._json import parse_partial_json

__all__ = ("PartState", "PartsState", "fold")


@dataclass(slots=True)
class PartState:
    """One part as far as it has arrived. For a tool call, ``text`` is the arguments' JSON text.

    Example::

        part.kind, part.text, part.done  # (PartKind.REASONING, "The user asks…", False)
    """

    kind: PartKind
    id: str
    text: str = ""
    done: bool = False
    name: str | None = None
    provider_executed: bool = False
    status: ToolStatus | None = None
    result: object = None

    @property
    def arguments(self) -> object | None:
        """A tool call's arguments parsed as far as they go (``None`` before anything parses).

        Example::

            part.arguments  # {"query": "htm"} while '{"query": "htm' has arrived
        """
        return parse_partial_json(self.text) if self.text else None


@dataclass(slots=True)
class PartsState:
    """The parts, citations and finish of one stream, folded from its events; checks the event order.

    Example::

        state = PartsState()
        for event in events:
            state.apply(event)
        state.text, [p.text for p in state.reasoning], state.finish
    """

    parts: list[PartState] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    finish: Finish | None = None
    open_id: str | None = None
    _by_id: dict[str, PartState] = field(default_factory=dict, repr=False, compare=False)

    def apply(self, event: PartEvent) -> None:
        """Fold one event in; ``ValueError`` if it breaks the protocol (two parts open, a delta to a
        part that is not open, anything after the finish)."""
        if self.finish is not None:
            raise ValueError(f"{event!r} after the finish")
        if type(event) is PartDelta and event.id == self.open_id:  # nearly every event: no isinstance chain
            self._by_id[event.id].text += event.text
        elif isinstance(event, PartStart):
            self._start(event)
        elif isinstance(event, PartDelta | PartEnd):
            if event.id != self.open_id:
                raise ValueError(f"{event!r} for a part that is not open (open: {self.open_id!r})")
            part = self._by_id[event.id]
            if isinstance(event, PartDelta):
                part.text += event.text
            else:
                part.done, self.open_id = True, None
                if part.status is ToolStatus.PENDING:
                    part.status = ToolStatus.RUNNING
        elif isinstance(event, ToolResult):
            call = self._by_id.get(event.id)
            if call is not None:
                call.status, call.result = event.status, event.result
        elif isinstance(event, Citation):
            self.citations.append(event)
        else:
            if self.open_id is not None:
                raise ValueError(f"the finish came while {self.open_id!r} was open")
            self.finish = event

    def extend(self, text: str) -> str:
        """:meth:`apply` for a :class:`PartDelta` of the open part, none built; the part's id."""
        part_id = self.open_id
        if self.finish is not None or part_id is None:
            raise ValueError(f"the text {text!r} with no part open, or after the finish")
        self._by_id[part_id].text += text
        return part_id

    def part(self, part_id: str) -> PartState | None:
        """The part ``part_id`` (``None`` for a part not started)."""
        return self._by_id.get(part_id)

    def text_of(self, part_id: str) -> str:
        """The text of the part ``part_id`` so far ('' for a part not started)."""
        part = self._by_id.get(part_id)
        return "" if part is None else part.text

    @property
    def text(self) -> str:
        """The answer: every text part, joined."""
        return "".join(part.text for part in self.parts if part.kind is PartKind.TEXT)

    @property
    def reasoning(self) -> list[PartState]:
        """The reasoning segments, in order."""
        return [part for part in self.parts if part.kind is PartKind.REASONING]

    @property
    def tool_calls(self) -> list[PartState]:
        """The tool calls, in order."""
        return [part for part in self.parts if part.kind is PartKind.TOOL_CALL]

    def _start(self, event: PartStart) -> None:
        if self.open_id is not None:
            raise ValueError(f"{event!r} while {self.open_id!r} is open")
        self.open_id = event.id
        part = self._by_id.get(event.id)
        if part is not None:  # a source went back to an earlier part (interleaved tool-call chunks)
            part.done = False
            if part.status is ToolStatus.RUNNING:
                part.status = ToolStatus.PENDING
            return
        status = ToolStatus.PENDING if event.kind is PartKind.TOOL_CALL else None
        part = PartState(event.kind, event.id, name=event.name, status=status)
        part.provider_executed = event.provider_executed
        self.parts.append(part)
        self._by_id[event.id] = part


def fold(events: list[PartEvent]) -> PartsState:
    """The state after ``events``.

    Example::

        fold(normaliser.feed(item) + normaliser.finish()).text
    """
    state = PartsState()
    for event in events:
        state.apply(event)
    return state
