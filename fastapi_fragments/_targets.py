"""Frames aimed at a target element (htmx 4's ``<hx-partial>``, Datastar's patches), and where parts go.

The answer and the sources have their own dialect methods (``_dialects``); each other part of a
multi-part stream (the reasoning, the tool calls, the citations, the usage: ``_parts_produce``)
is one :meth:`PartsDialect.part` call, replacing the content of the part's target, named after
the block the part renders: htmx 2 sends an event named ``<block>`` (an ``sse-swap="<block>"``
element, as the ``fragments/parts.html`` macros write it), htmx 4 an ``<hx-partial>`` and Datastar
a patch aimed at ``#<block>``. One name per part, chosen with the block: the page and the stream
cannot disagree, and the block names are checked as event names when the stream is built.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from markupsafe import escape

from ._sse import encode_event
from ._updates import Part

__all__ = ("PartsDialect", "datastar_patch", "hx_partial")


@runtime_checkable
class PartsDialect(Protocol):
    """What a :class:`~._dialects.Dialect` adds to show the parts of a multi-part stream (``reasoning_block=``...).

    Example::

        class Plain:  # the Dialect methods, plus:
            def part(self, part: Part, html: str) -> bytes:
                return encode_event(html, event=part.block)
    """

    def part(self, part: Part, html: str) -> bytes:
        """A frame replacing the content of ``part``'s target (named after ``part.block``) with ``html``."""
        ...


def hx_partial(target: str, swap: str, html: str) -> str:
    """``html`` wrapped for htmx 4 to swap into ``target`` (a CSS selector), whatever the request's target."""
    return f'<hx-partial hx-target="{escape(target)}" hx-swap="{escape(swap)}">{html}</hx-partial>'


def datastar_patch(selector: str, html: str, event_id: int | None, *, mode: str = "inner") -> bytes:
    """A ``datastar-patch-elements`` event putting ``html`` into ``selector`` (``mode``: inner, append...)."""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    lines = f"selector {selector}\nmode {mode}\nelements " + html.replace("\n", "\nelements ")
    return encode_event(lines, event="datastar-patch-elements", id=None if event_id is None else str(event_id))
