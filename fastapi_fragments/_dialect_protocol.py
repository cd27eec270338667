"""The dialect contract: what a frontend's dialect must offer, and :func:`encode`, an update to its bytes.

Implement :class:`Dialect` (and :class:`AppendingDialect` for the append and markdown modes,
:class:`PartsDialect` for a multi-part stream's part blocks) to support another frontend; the
built-in ones are in ``_dialects``.
"""

from __future__ import annotations

from typing import Literal, Protocol, TypeAlias, runtime_checkable

from ._exceptions import ConfigurationError
from ._sse import check_field
from ._updates import ANSWER, SOURCES, Append, BodyAppend, End, Part, Replace, Tail, TailGrow, Update, Whole, same_part

__all__ = ("AppendingDialect", "Dialect", "DialectName", "PartsDialect", "check_parts_dialect", "encode", "event_name")

DialectName: TypeAlias = Literal["htmx2", "htmx4", "datastar"]

_RESERVED_EVENTS = frozenset({"error", "open", "message"})


def event_name(value: str, what: str) -> str:
    check_field(value, what)
    if value in _RESERVED_EVENTS:
        raise ConfigurationError(f"{what} {value!r} is reserved by EventSource; choose another name")
    return value


class Dialect(Protocol):
    """Turns rendered HTML into SSE frames for one frontend (htmx 2, htmx 4, Datastar).

    Implement it to support another frontend; pass the instance as ``dialect=``.

    Example::

        def frame(html: str, head: str = "") -> bytes:  # every line of html its own data: line
            return (head + "".join(f"data: {line}\\n" for line in html.split("\\n")) + "\\n").encode()

        class Plain:
            name = "plain"
            def response(self, html: str, event_id: int) -> bytes: return frame(html, f"id: {event_id}\\n")
            def sources(self, html: str) -> bytes: return frame(html, "event: sources\\n")
            def done(self) -> bytes: return frame("", "event: done\\n")

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=Plain())
    """

    @property
    def name(self) -> str:
        """The dialect's name, e.g. ``"htmx2"``."""
        ...

    def response(self, html: str, event_id: int) -> bytes:
        """A frame replacing the response target's content with ``html``."""
        ...

    def sources(self, html: str) -> bytes:
        """A frame filling the sources target with ``html``."""
        ...

    def done(self) -> bytes:
        """The frame that ends the stream (may be empty)."""
        ...


@runtime_checkable
class AppendingDialect(Dialect, Protocol):
    """A dialect that can also stream in the ``append`` and ``markdown`` text modes."""

    def append(self, html: str, event_id: int) -> bytes:
        """A frame adding ``html`` after the response target's content (``beforeend``)."""
        ...

    def replace(self, html: str, event_id: int) -> bytes:
        """A frame replacing the whole content of the response target with ``html``.

        Unlike :meth:`response`, it does not depend on the swap style the page gave the streamed
        frames: the append and markdown modes end with it, so a page wired for another mode still
        ends with the complete answer.
        """
        ...

    def body_append(self, html: str) -> bytes:
        """A frame adding ``html`` at the end of markdown's body (``beforeend``), found in the answer's element."""
        ...

    def tail(self, html: str) -> bytes:
        """A frame replacing the last element of markdown's body with ``html`` (``outerHTML``)."""
        ...

    def tail_grow(self, html: str) -> bytes:
        """A frame appending ``html`` into the ``GROW_MARKER`` of the body's last element (``beforeend``).

        The body and its elements are swapped-in content: on htmx 2 a listener inside them would
        start only after htmx's settle delay and miss the frames sent meanwhile, so the page's
        permanent elements (the ``sse.markdown_body`` macro) swap these frames in, found by selector.
        """
        ...


@runtime_checkable
class PartsDialect(Protocol):
    """What a dialect adds to show a multi-part stream's part blocks (``reasoning_block=`` and the others).

    A part's target is named after its block (``part.block``): the built-in dialects send htmx 2
    the event ``<block>``, and aim htmx 4's ``<hx-partial>`` and Datastar's patch at ``#<block>``,
    the element ``fragments/parts.html``'s macros write (the block names are checked as event
    names when the stream is built). ``HTMX2(part_events=...)`` and ``HTMX4(part_targets=...)`` /
    ``Datastar(part_targets=...)`` map a part's kind (``reasoning``, ``tools``, ``citations``,
    ``usage``) to another event or selector, e.g. one per chat turn.
    """

    def part(self, part: Part, html: str) -> bytes:
        """A frame replacing the content of ``part``'s target with ``html``."""
        ...


def encode(dialect: Dialect, update: Update, event_id: int) -> bytes:
    """The SSE bytes of ``update`` for ``dialect`` (``event_id`` numbers the answer's frames).

    :raises TypeError: for an append-mode update and a dialect that is not an ``AppendingDialect``.
    """
    if isinstance(update, Replace):
        part = update.part
        if part is ANSWER or same_part(part, ANSWER):  # the identity first: the answer's every frame
            return dialect.response(update.html, event_id if update.seq is None else update.seq)
        if same_part(part, SOURCES):
            return dialect.sources(update.html)
        if not part.block:
            raise TypeError(f"no target for the part {part!r}: it names no block")
        # Not isinstance(dialect, PartsDialect): a runtime-checkable Protocol's check costs ~15 µs, on
        # every part frame, where the attribute it looks for costs a dict lookup.
        part_frame = getattr(dialect, "part", None)
        if part_frame is not None:
            frame: bytes = part_frame(part, update.html)
            return frame
        raise TypeError(f"dialect {dialect.name!r} has no part(): it cannot show the {part.kind!r} part")
    if isinstance(update, End):
        return dialect.done()
    if not isinstance(dialect, AppendingDialect):
        raise TypeError(f"dialect {dialect.name!r} is not an AppendingDialect: it can only stream in replace mode")
    if isinstance(update, Append):
        return dialect.append(update.html, event_id)
    if isinstance(update, Whole):
        return dialect.replace(update.html, event_id)
    if isinstance(update, TailGrow):
        return dialect.tail_grow(update.html)
    if isinstance(update, BodyAppend):
        return dialect.body_append(update.html)
    if isinstance(update, Tail):
        return dialect.tail(update.html)
    raise TypeError(f"not an update: {update!r}")


def check_parts_dialect(dialect: Dialect | None) -> None:
    """Refuse a forced dialect that cannot show parts, before any byte is sent."""
    if dialect is not None and not isinstance(dialect, PartsDialect):
        raise ConfigurationError(
            f"dialect {dialect!r} has no part(html, part) method: it cannot show reasoning_block=, tools_block=, "
            "citations_block= or usage_block= (see PartsDialect in fastapi_fragments._dialect_protocol)"
        )
