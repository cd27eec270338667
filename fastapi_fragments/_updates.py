"""Updates: what a stream tells the page, as values, between the text modes and the wire.

Text modes and the producer say *what* changes (replace a part's content, append to it, add,
replace or grow the elements of markdown's body, the end and how it came); only a dialect (``_dialects.encode``) turns
an update into SSE bytes for one frontend, and a registry stream keeps them as a snapshot. No
module that makes updates imports a dialect.

Updates are values: nothing changes one once it is made. They are plain slotted dataclasses, not
frozen ones, because one is made per frame and a frozen dataclass costs three times as much to
create (``benchmarks/README.md`` counts CPU per frame in microseconds).

A stream has parts, each with its own block and target: the answer (``ANSWER``), the RAG
sources (``SOURCES``) and, for a multi-part stream (``_parts_produce``), the reasoning, the tool
calls, the citations and the usage. A part is a kind plus an id, so one stream can carry several parts
of one kind (two tool calls); every update names the part it belongs to.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias

__all__ = (
    "ANSWER",
    "BODY_ATTRIBUTE",
    "GROW_ATTRIBUTE",
    "GROW_MARKER",
    "SOURCES",
    "Append",
    "BodyAppend",
    "End",
    "Outcome",
    "Part",
    "Replace",
    "Sink",
    "Tail",
    "TailGrow",
    "Update",
    "Whole",
    "numbered",
    "same_part",
)


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a stream: its kind (``"text"``, ``"reasoning"``, ...) and, for repeated kinds, an id.

    ``block`` is the template block a part's renders come from (not part of its identity): a
    dialect derives a part's default target from it (``#<block>``), and a follower gets it back
    from the registry's snapshot.
    """

    kind: str
    id: str = ""
    block: str = field(default="", compare=False)


#: The answer's text, rendered into the route's block.
ANSWER = Part("text")
#: The RAG sources, rendered into the sources block before the first token.
SOURCES = Part("sources")

#: What every dialect finds markdown mode's body by (inside the answer's element, see ``BodyAppend``).
BODY_ATTRIBUTE = "data-fragments-body"
#: What every dialect finds the markdown tail's growth marker by (inside the body's last element).
GROW_ATTRIBUTE = "data-fragments-grow"
#: The empty element a tail carries at the end of its innermost last element; ``TailGrow`` appends into it.
GROW_MARKER = f"<span {GROW_ATTRIBUTE}></span>"


@dataclass(slots=True)
class Replace:
    """Replace the part's content with ``html``, the swap the page chose for the stream.

    ``ended`` (registry streams only) is the same content rendered as an end (``streaming``
    False), what followers show if the producer dies before its own end; ``seq`` is a registry
    snapshot's number in its store, the SSE id a reconnecting follower resumes from.
    """

    html: str
    part: Part = ANSWER
    ended: str | None = None
    seq: int | None = None


@dataclass(slots=True)
class Append:
    """Add ``html`` after the part's content (append mode's new text)."""

    html: str
    part: Part = ANSWER


@dataclass(slots=True)
class Whole:
    """The part's whole content, replacing it whatever swap the page set for the streamed updates.

    Append and markdown modes end with it, so a page wired for another mode still ends complete;
    markdown mode also starts with it: the block around the empty body its elements stream into.
    """

    html: str
    part: Part = ANSWER


@dataclass(slots=True)
class BodyAppend:
    """Add ``html`` (whole markdown elements) at the end of the part's body (``[data-fragments-body]``).

    Markdown mode streams into a body element that its first ``Whole`` put inside the block; an
    element added unfinished (the tail, with ``GROW_MARKER``) stays the body's last element, and
    is replaced or grown there until it is finished, so every element goes out about once.
    """

    html: str
    part: Part = ANSWER


@dataclass(slots=True)
class Tail:
    """Replace the body's last element (the unfinished tail) with ``html``, which may carry ``GROW_MARKER``."""

    html: str
    part: Part = ANSWER


@dataclass(slots=True)
class TailGrow:
    """Append ``html`` (text, whole inline elements) into the marker of the body's last element."""

    html: str
    part: Part = ANSWER


class Outcome(enum.Enum):
    """How a stream ended; it decides the last update and the hook (see ``_produce.Producer.end``)."""

    COMPLETED = "completed"  # the source ended: the final render, on_complete
    FAILED = "failed"  # the source, a render or the sink failed: the error block, on_error
    CLIENT_LEFT = "client_left"  # nothing more is sent; on_disconnect
    STOPPED = "stopped"  # a registry stream's Stop
    DEADLINE = "deadline"  # a registry stream ran out of time
    ABANDONED = "abandoned"  # nobody followed a registry stream
    SHUTDOWN = "shutdown"  # the server (or the registry) is shutting down

    @property
    def interrupted(self) -> bool:
        """The answer was cut short: its last render says so (``interrupted=True``) and ``on_disconnect`` runs."""
        return self not in (Outcome.COMPLETED, Outcome.FAILED)


@dataclass(slots=True)
class End:
    """The stream is over (``done``); nothing follows it."""

    outcome: Outcome


Update: TypeAlias = Replace | Append | Whole | BodyAppend | Tail | TailGrow | End


def numbered(update: Update) -> bool:
    """Whether ``update`` gets an SSE id: the answer's own content (not sources, markdown's body, nor the end)."""
    kind = type(update)
    if kind is Replace or kind is Append or kind is Whole:
        part = update.part  # type: ignore[union-attr]
        return part is ANSWER or same_part(part, ANSWER)
    return False


def same_part(part: Part, known: Part) -> bool:
    """Whether ``part`` is ``known`` (``ANSWER``, ``SOURCES``): by identity nearly always.

    The kinds are compared before the dataclass's ``__eq__``, which builds a tuple of each part's
    fields: every frame of another part (a reasoning delta's) would pay that three times on its way
    to the wire, and never be equal.
    """
    return part is known or (part.kind == known.kind and part == known)


class Sink(Protocol):
    """Where a producer's updates go: one method, like httpx's transport."""

    def write(self, updates: Sequence[Update]) -> Awaitable[int]:
        """Deliver ``updates`` in order; resolves to the bytes sent (the pace's budget; 0 where bytes don't count)."""
        ...
