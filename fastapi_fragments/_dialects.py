"""Dialects: how a rendered block becomes SSE frames for one kind of frontend.

- ``htmx2`` (htmx 2 + htmx-ext-sse): named events, routed by ``sse-swap="fragment"`` /
  ``sse-swap="sources"`` (markdown mode's growth alone goes unnamed, as ``message``); the stream
  ends with ``event: done`` plus a ``data:`` line, because browsers never dispatch an event
  without data and ``sse-close="done"`` must see it.
- ``htmx4`` (htmx 4's ``hx-sse``): only unnamed messages are swapped, into the requesting
  element's ``hx-target``; the sources go to their own target in an ``<hx-partial>``, which
  leaves the main target alone. A named ``done`` event is still sent: htmx 4 dispatches it
  as a DOM event, which pages use to mark the turn finished.
- ``datastar``: ``datastar-patch-elements`` events with a CSS selector and ``mode inner``.

A dialect turns updates (``_updates``) into bytes: ``encode`` (in ``_dialect_protocol``, with
the contract) calls the method for each kind. Append and markdown text modes also need
``append`` (add HTML after the response target's content), ``replace`` (the whole answer,
whatever swap the page set: their last update, and markdown's first), and for markdown's body
(``[data-fragments-body]`` in the answer's element) ``body_append``, ``tail`` (replace the body's last
element) and ``tail_grow`` (append into the marker in it, ``GROW_MARKER``), see
``AppendingDialect``. Those three find their target by selector when the frame is swapped;
nothing inside swapped content listens for frames. On htmx 2 that is the job of permanent
hidden elements (the ``sse.markdown_body`` macro), because htmx-ext-sse subscribes an element
swapped in only after htmx's settle delay, and would drop the frames sent meanwhile.

The names ``error``, ``open`` and ``message`` are refused: EventSource dispatches them on
itself (``onerror``/``onopen``) and htmx 4 bubbles them to ``window``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import escape

from ._dialect_protocol import AppendingDialect, Dialect, DialectName, encode, event_name
from ._sse import check_field, encode_event, encode_frame, field_lines
from ._updates import BODY_ATTRIBUTE, GROW_ATTRIBUTE, Part

__all__ = (
    "HTMX2",
    "HTMX4",
    "AppendingDialect",
    "Datastar",
    "Dialect",
    "DialectName",
    "encode",
)


@dataclass(frozen=True, slots=True)
class HTMX2:
    """htmx 2 + htmx-ext-sse: ``event: fragment`` / ``event: sources`` / ``event: done``.

    ``fragment`` always replaces the answer element's content (its ``hx-swap="innerHTML"``); append
    mode streams into an ``append`` element inside it (``hx-swap="beforeend"``), markdown mode
    into the body its first ``fragment`` puts there (``append``: add elements, ``tail``: replace
    the last one, an unnamed message: grow it), and both end with a ``fragment`` of the whole
    answer. Growth, the most frequent frame, goes unnamed: 17 bytes less a frame.
    An event has one swap style, because htmx 2 takes the style from the element, not the frame.

    Example::

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=HTMX2(fragment_event="answer"))
    """

    fragment_event: str = "fragment"
    sources_event: str = "sources"
    done_event: str = "done"
    tail_event: str = "tail"
    name: str = "htmx2"
    append_event: str = "append"
    part_events: Mapping[str, str] = field(default_factory=dict, hash=False)  # kind -> event; default: the block

    def __post_init__(self) -> None:
        for kind, event in self.part_events.items():
            event_name(event, f"part_events[{kind!r}]")
        event_name(self.fragment_event, "fragment_event")
        event_name(self.sources_event, "sources_event")
        event_name(self.done_event, "done_event")
        event_name(self.tail_event, "tail_event")
        event_name(self.append_event, "append_event")

    def response(self, html: str, event_id: int) -> bytes:
        return encode_frame(self.fragment_event, event_id, html)

    replace = response

    def append(self, html: str, event_id: int) -> bytes:
        return encode_event(html, event=self.append_event, id=event_id)

    def body_append(self, html: str) -> bytes:
        return encode_event(html, event=self.append_event)

    def tail(self, html: str) -> bytes:
        return encode_event(html, event=self.tail_event)

    def tail_grow(self, html: str) -> bytes:
        return encode_event(html)  # EventSource's "message"

    def sources(self, html: str) -> bytes:
        return encode_event(html, event=self.sources_event)

    def part(self, part: Part, html: str) -> bytes:
        return encode_event(html, event=self.part_events.get(part.kind) or part.block)

    def done(self) -> bytes:
        return encode_event("", event=self.done_event)


@dataclass(frozen=True, slots=True)
class HTMX4:
    """htmx 4 ``hx-sse``: unnamed messages into the request's target; sources as ``<hx-partial>``.

    ``target`` (a CSS selector), when set, wraps each response render in an ``<hx-partial>``
    aimed at it, so the stream does not depend on the form's ``hx-target``. Without it, the
    final frame of the append and markdown modes is aimed at ``replace_target``, since the
    form's ``hx-swap`` is then ``beforeend``. ``replace_target`` left as None is derived from the
    block a response renders (``#answer``; see :meth:`for_block`); markdown mode's elements go
    to the body its first frame puts in the answer (``[data-fragments-body]`` inside ``target``
    or ``replace_target``). ``tail_target`` is deprecated and unused (the unfinished block
    streams in place, at the end of that body).

    Example::

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=HTMX4(sources_target="#docs"))
    """

    target: str | None = None
    swap: str = "innerHTML"
    sources_target: str = "#sources"
    done_event: str = "done"
    tail_target: str | None = None
    name: str = "htmx4"
    replace_target: str | None = None
    part_targets: Mapping[str, str] = field(default_factory=dict, hash=False)  # kind -> selector; default: #<block>

    def __post_init__(self) -> None:
        _check_targets(self.part_targets)
        event_name(self.done_event, "done_event")
        _warn_tail_target(self.tail_target)

    def for_block(self, block_name: str) -> HTMX4:
        """This dialect with the targets left as None derived from ``block_name``."""
        if self.replace_target is not None:
            return self
        return dataclasses.replace(self, replace_target=f"#{block_name}", tail_target=None)

    def replace(self, html: str, event_id: int) -> bytes:
        target = self.target or self.replace_target
        if target is None:
            return self.response(html, event_id)
        return encode_event(_partial(target, self.swap, html), id=event_id)

    def response(self, html: str, event_id: int) -> bytes:
        if self.target is not None:
            html = _partial(self.target, self.swap, html)
        return encode_frame(None, event_id, html)

    def sources(self, html: str) -> bytes:
        return encode_event(_partial(self.sources_target, "innerHTML", html))

    def part(self, part: Part, html: str) -> bytes:
        return encode_event(_partial(self.part_targets.get(part.kind) or f"#{part.block}", "innerHTML", html))

    def done(self) -> bytes:
        return encode_event("", event=self.done_event)

    def append(self, html: str, event_id: int) -> bytes:
        if self.target is not None:
            html = _partial(self.target, "beforeend", html)
        return encode_event(html, id=event_id)  # without a target: the form's hx-swap="beforeend"

    def body_append(self, html: str) -> bytes:
        return encode_event(_partial(_body(self.target or self.replace_target), "beforeend", html))

    def tail(self, html: str) -> bytes:
        return encode_event(_partial(_last(self.target or self.replace_target), "outerHTML", html))

    def tail_grow(self, html: str) -> bytes:
        return encode_event(_partial(_grow(self.target or self.replace_target), "beforeend", html))


@dataclass(frozen=True, slots=True)
class Datastar:
    """Datastar: ``datastar-patch-elements`` events that set the inner HTML of ``target``.

    ``target`` left as None is derived from the block a response renders (``#answer``; see
    :meth:`for_block`); markdown mode's elements go to the body its first patch puts in it
    (``[data-fragments-body]``). ``tail_target`` is deprecated and unused.

    Example::

        FragmentStreamResponse(tokens, "chat.html", "answer", dialect=Datastar(target="#answer"))
    """

    target: str | None = None
    sources_target: str = "#sources"
    tail_target: str | None = None
    name: str = "datastar"
    part_targets: Mapping[str, str] = field(default_factory=dict, hash=False)  # kind -> selector; default: #<block>

    def __post_init__(self) -> None:
        _check_targets(self.part_targets)
        for what, selector in (("target", self.target), ("sources_target", self.sources_target)):
            if selector is not None:
                check_field(selector, what)  # a newline would add lines to the patch's data
        _warn_tail_target(self.tail_target)

    def for_block(self, block_name: str) -> Datastar:
        """This dialect with the targets left as None derived from ``block_name``."""
        if self.target is not None:
            return self
        return dataclasses.replace(self, target=f"#{block_name}", tail_target=None)

    def response(self, html: str, event_id: int) -> bytes:
        return _patch(self.target or _TARGET, html, event_id)

    replace = response

    def sources(self, html: str) -> bytes:
        return _patch(self.sources_target, html, None)

    def part(self, part: Part, html: str) -> bytes:
        return _patch(self.part_targets.get(part.kind) or f"#{part.block}", html, None)

    def done(self) -> bytes:
        return b""

    def append(self, html: str, event_id: int) -> bytes:
        if not html.startswith("<"):  # escaped text (append mode): Datastar patches elements only
            html = f"<span>{html}</span>"
        return _patch(self.target or _TARGET, html, event_id, mode="append")

    def body_append(self, html: str) -> bytes:
        return _patch(_body(self.target), html, None, mode="append")

    def tail(self, html: str) -> bytes:
        return _patch(_last(self.target), html, None, mode="replace")  # replace: no morphing

    def tail_grow(self, html: str) -> bytes:
        return _patch(_grow(self.target), f"<span>{html}</span>", None, mode="append")


#: The target of the default block, ``response``, for a dialect used without a block (see ``for_block``).
_TARGET = "#response"


def _body(answer: str | None) -> str:
    """The selector of markdown mode's body: the element its first frame puts in the answer's."""
    return f"{answer or _TARGET} [{BODY_ATTRIBUTE}]"


def _last(answer: str | None) -> str:
    """The selector of the body's last element: the unfinished one, while there is one."""
    return f"{_body(answer)} > :last-child"


def _grow(answer: str | None) -> str:
    """The selector of the growth marker in the body's last element."""
    return f"{_last(answer)} [{GROW_ATTRIBUTE}]"


def _warn_tail_target(tail_target: str | None) -> None:
    if tail_target is not None:
        warnings.warn(
            "tail_target is deprecated and unused: markdown mode now streams every element into the body its"
            " first frame puts in the answer's element ([data-fragments-body]), the unfinished one in place at its end",
            DeprecationWarning,
            stacklevel=4,
        )


def _check_targets(targets: Mapping[str, str]) -> None:
    for kind, selector in targets.items():
        check_field(selector, f"part_targets[{kind!r}]")  # a newline would add lines to the frame


def _partial(target: str, swap: str, html: str) -> str:
    return f'<hx-partial hx-target="{escape(target)}" hx-swap="{escape(swap)}">{html}</hx-partial>'


def _patch(selector: str, html: str, event_id: int | None, *, mode: str = "inner") -> bytes:
    elements = field_lines(html.encode("utf-8", "replace"), b"elements ")
    lines = f"selector {selector}\nmode {mode}\nelements ".encode("utf-8", "replace") + elements
    return encode_event(lines, event="datastar-patch-elements", id=event_id)
