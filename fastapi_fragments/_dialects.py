"""Dialects: how a rendered block becomes SSE frames for one kind of frontend.

- ``htmx2`` (htmx 2 + htmx-ext-sse): named events, routed by ``sse-swap="fragment"`` /
  ``sse-swap="sources"``; the stream ends with ``event: done`` plus a ``data:`` line, because
  browsers never dispatch an event without data and ``sse-close="done"`` must see it.
- ``htmx4`` (htmx 4's ``hx-sse``): only unnamed messages are swapped, into the requesting
  element's ``hx-target``; the sources go to their own target in an ``<hx-partial>``, which
  leaves the main target alone. A named ``done`` event is still sent: htmx 4 dispatches it
  as a DOM event, which pages use to mark the turn finished.
- ``datastar``: ``datastar-patch-elements`` events with a CSS selector and ``mode inner``.

A dialect turns updates (``_updates``) into bytes: :func:`encode` calls the method for each
kind. Append and markdown text modes also need ``append`` (add HTML after the response target's
content), ``tail`` (replace the markdown tail's target), ``tail_grow`` and ``replace`` (their
final update: the whole answer, whatever swap the page set), see :class:`AppendingDialect`.
A tail's growth goes into an empty marker element in it (``GROW_MARKER``), found by selector
when the frame is swapped; nothing inside swapped content listens for frames. On htmx 2 that is the job of a
permanent ``tail-grow`` element (the ``sse.tail`` macro), because htmx-ext-sse subscribes an
element swapped in only after htmx's settle delay, and would drop the growth sent meanwhile.

The names ``error``, ``open`` and ``message`` are refused: EventSource dispatches them on
itself (``onerror``/``onopen``) and htmx 4 bubbles them to ``window``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, runtime_checkable

from ._exceptions import ConfigurationError
from ._sse import check_field, encode_event
from ._targets import PartsDialect, datastar_patch, hx_partial
from ._updates import ANSWER, GROW_ATTRIBUTE, SOURCES, Append, End, Final, Part, Replace, Tail, TailGrow, Update

__all__ = (
    "HTMX2",
    "HTMX4",
    "AppendingDialect",
    "Datastar",
    "Dialect",
    "DialectName",
    "encode",
)

DialectName: TypeAlias = Literal["htmx2", "htmx4", "datastar"]

_RESERVED_EVENTS = frozenset({"error", "open", "message"})


def _event_name(value: str, what: str) -> str:
    check_field(value, what)
    if value in _RESERVED_EVENTS:
        raise ConfigurationError(f"{what} {value!r} is reserved by EventSource; choose another name")
    return value


class Dialect(Protocol):
    """Turns rendered HTML into SSE frames for one frontend (htmx 2, htmx 4, Datastar).

    Implement it to support another frontend; pass the instance as ``dialect=``.

    Example::

        class Plain:
            name = "plain"
            def response(self, html: str, event_id: int) -> bytes: return encode_event(html, id=str(event_id))
            def sources(self, html: str) -> bytes: return encode_event(html, event="sources")
            def done(self) -> bytes: return encode_event("", event="done")
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

    def tail(self, html: str) -> bytes:
        """A frame replacing the content of the markdown tail's target with ``html``."""
        ...

    def tail_grow(self, html: str) -> bytes:
        """A frame appending ``html`` (text, no tags) into the tail's ``GROW_MARKER`` (``beforeend``).

        Nothing in the marker listens: on htmx 2 a listener inside swapped content would start
        only after htmx's settle delay and miss the growth sent meanwhile. The page's permanent
        ``<tail_event>-grow`` element (the ``sse.tail`` macro) swaps into it, found by selector.
        """
        ...


def encode(dialect: Dialect, update: Update, event_id: int) -> bytes:
    """The SSE bytes of ``update`` for ``dialect`` (``event_id`` numbers the answer's frames).

    :raises TypeError: for an append-mode update and a dialect that is not an ``AppendingDialect``.
    """
    if isinstance(update, Replace):
        if update.part is ANSWER or update.part == ANSWER:
            return dialect.response(update.html, event_id if update.seq is None else update.seq)
        if update.part == SOURCES:
            return dialect.sources(update.html)
        if isinstance(dialect, PartsDialect):  # the other parts: see _targets
            return dialect.part(update.part, update.html)
        raise TypeError(f"dialect {dialect.name!r} has no part(): it cannot show the {update.part.kind!r} part")
    if isinstance(update, End):
        return dialect.done()
    if not isinstance(dialect, AppendingDialect):
        raise TypeError(f"dialect {dialect.name!r} has no append()/tail(): it can only stream in replace mode")
    if isinstance(update, Append):
        return dialect.append(update.html, event_id)
    if isinstance(update, Final):
        return dialect.replace(update.html, event_id)
    if isinstance(update, Tail):
        return dialect.tail(update.html)
    if isinstance(update, TailGrow):
        return dialect.tail_grow(update.html)
    raise TypeError(f"not an update: {update!r}")


@dataclass(frozen=True, slots=True)
class HTMX2:
    """htmx 2 + htmx-ext-sse: ``event: fragment`` / ``event: sources`` / ``event: done``.

    ``fragment`` always replaces the answer element's content (its ``hx-swap="innerHTML"``); the
    append and markdown modes stream into an ``append`` element inside it (``hx-swap="beforeend"``)
    and a ``tail`` element, then end with a ``fragment`` of the whole answer. An event has one
    swap style, because htmx 2 takes the style from the element, not from the frame.

    Example::

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=HTMX2(fragment_event="answer"))
    """

    fragment_event: str = "fragment"
    sources_event: str = "sources"
    done_event: str = "done"
    tail_event: str = "tail"
    name: str = "htmx2"
    append_event: str = "append"

    def __post_init__(self) -> None:
        _event_name(self.fragment_event, "fragment_event")
        _event_name(self.sources_event, "sources_event")
        _event_name(self.done_event, "done_event")
        _event_name(self.tail_event, "tail_event")
        _event_name(self.append_event, "append_event")

    def response(self, html: str, event_id: int) -> bytes:
        return encode_event(html, event=self.fragment_event, id=str(event_id))

    replace = response

    def append(self, html: str, event_id: int) -> bytes:
        return encode_event(html, event=self.append_event, id=str(event_id))

    def tail(self, html: str) -> bytes:
        return encode_event(html, event=self.tail_event)

    def tail_grow(self, html: str) -> bytes:
        return encode_event(html, event=f"{self.tail_event}-grow")

    def sources(self, html: str) -> bytes:
        return encode_event(html, event=self.sources_event)

    def part(self, part: Part, html: str) -> bytes:
        return encode_event(html, event=part.block)

    def done(self) -> bytes:
        return encode_event("", event=self.done_event)


@dataclass(frozen=True, slots=True)
class HTMX4:
    """htmx 4 ``hx-sse``: unnamed messages into the request's target; sources as ``<hx-partial>``.

    ``target`` (a CSS selector), when set, wraps each response render in an ``<hx-partial>``
    aimed at it, so the stream does not depend on the form's ``hx-target``. Without it, the
    final frame of the append and markdown modes is aimed at ``replace_target`` (the response
    sets ``#<block name>``), since the form's ``hx-swap`` is then ``beforeend``.

    Example::

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=HTMX4(sources_target="#docs"))
    """

    target: str | None = None
    swap: str = "innerHTML"
    sources_target: str = "#sources"
    done_event: str = "done"
    tail_target: str = "#response-tail"
    name: str = "htmx4"
    replace_target: str | None = None

    def __post_init__(self) -> None:
        _event_name(self.done_event, "done_event")

    def replace(self, html: str, event_id: int) -> bytes:
        target = self.target or self.replace_target
        if target is None:
            return self.response(html, event_id)
        return encode_event(hx_partial(target, self.swap, html), id=str(event_id))

    def response(self, html: str, event_id: int) -> bytes:
        if self.target is not None:
            html = hx_partial(self.target, self.swap, html)
        return encode_event(html, id=str(event_id))

    def sources(self, html: str) -> bytes:
        return encode_event(hx_partial(self.sources_target, "innerHTML", html))

    def part(self, part: Part, html: str) -> bytes:
        return encode_event(hx_partial(f"#{part.block}", "innerHTML", html))

    def done(self) -> bytes:
        return encode_event("", event=self.done_event)

    def append(self, html: str, event_id: int) -> bytes:
        if self.target is not None:
            html = hx_partial(self.target, "beforeend", html)
        return encode_event(html, id=str(event_id))  # without a target: the form's hx-swap="beforeend"

    def tail(self, html: str) -> bytes:
        return encode_event(hx_partial(self.tail_target, "innerHTML", html))

    def tail_grow(self, html: str) -> bytes:
        return encode_event(hx_partial(f"{self.tail_target} [{GROW_ATTRIBUTE}]", "beforeend", html))


@dataclass(frozen=True, slots=True)
class Datastar:
    """Datastar: ``datastar-patch-elements`` events that set the inner HTML of ``target``.

    Example::

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=Datastar(target="#answer"))
    """

    target: str = "#response"
    sources_target: str = "#sources"
    tail_target: str = "#response-tail"
    name: str = "datastar"

    def __post_init__(self) -> None:
        for what, selector in (("target", self.target), ("sources_target", self.sources_target)):
            check_field(selector, what)  # a newline would add lines to the patch's data
        check_field(self.tail_target, "tail_target")

    def response(self, html: str, event_id: int) -> bytes:
        return datastar_patch(self.target, html, event_id)

    replace = response

    def sources(self, html: str) -> bytes:
        return datastar_patch(self.sources_target, html, None)

    def part(self, part: Part, html: str) -> bytes:
        return datastar_patch(f"#{part.block}", html, None)

    def done(self) -> bytes:
        return b""

    def append(self, html: str, event_id: int) -> bytes:
        if not html.startswith("<"):  # escaped text (append mode): Datastar patches elements only
            html = f"<span>{html}</span>"
        return datastar_patch(self.target, html, event_id, mode="append")

    def tail(self, html: str) -> bytes:
        return datastar_patch(self.tail_target, html, None)

    def tail_grow(self, html: str) -> bytes:
        return datastar_patch(f"{self.tail_target} [{GROW_ATTRIBUTE}]", f"<span>{html}</span>", None, mode="append")
