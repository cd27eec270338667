"""The markdown text modes: ``markdown`` (elements streamed into a body once) and ``markdown-replace``.

They are text modes like ``_text``'s (see ``TextMode``) that render the model's markdown to
sanitized HTML with :class:`~._streaming.StreamingMarkdown`; markdown-it-py and nh3, the optional
``markdown`` extra, are imported when one is first built.
"""

from __future__ import annotations

from markupsafe import Markup

from .._text import PageHoldsText, ReplaceText
from .._updates import GROW_MARKER, BodyAppend, Tail, TailGrow, Update
from ._growth import PageTail

__all__ = ("MarkdownReplaceText", "MarkdownText")


class MarkdownText(PageHoldsText):
    """Markdown mode: every element sent about once, into a body element, the unfinished one grown in place.

    The producer puts the body (``<div data-fragments-body>``, with :meth:`body` in it) inside
    the block with its first render. Elements are added at the body's end (``BodyAppend``); the unfinished tail is
    the body's last element until it is finished. A tail that only grew at the end of its
    innermost block (a paragraph, a list item or a code block getting more text or a whole bold
    word or link: the common case) is not replaced but grown: the update carries just what is
    new, appended into the marker element the tail carries there (see ``markdown._growth``).
    Inline markup still open is held back until it closes (see ``markdown._inline``), so the text
    the page shows does not change. Anything else (a new list item, a paragraph turning into a
    heading or table) replaces that last element (``Tail``); a tail of several elements is
    wrapped in a ``<div>`` so that it is one. Once finished, the element stays as it is (its
    marker, an empty ``<span>``, too) unless its finished render differs. The final ``Whole``
    replaces it all with the one-shot render.
    """

    __slots__ = ("_finished", "_live", "_markdown", "_page", "_wrapped")

    def __init__(self) -> None:
        from ._streaming import StreamingMarkdown  # markdown-it-py and nh3 are the optional `markdown` extra

        super().__init__()
        self._markdown = StreamingMarkdown()
        self._page = PageTail()  # the body's last element while it is unfinished
        self._live = False  # whether the body's last element is the unfinished tail
        self._wrapped = False  # whether that element is a <div> around a tail of several elements
        self._finished: list[str] = []  # the body's finished elements, as sent

    def feed(self, delta: str) -> None:
        self._raw.append(delta)
        self._markdown.feed(delta)

    def whole(self) -> Markup:
        from ._streaming import render_markdown

        return Markup(render_markdown(self.raw))

    def body(self) -> str:
        """The body's content as the page shows it now: what a re-rendered block puts back."""
        finished = "".join(self._finished)
        self._finished = [finished]
        return finished + self._element(self._page.marked(GROW_MARKER)) if self._live else finished

    def steps(self, *, final: bool) -> list[Update]:
        if final:  # the Whole that follows replaces all that the last steps would send
            return []
        step = self._markdown.snapshot()
        updates: list[Update] = []
        added = step.blocks
        if added:
            self._finished.append(added)
            if self._live:  # the body's last element shows the first of them, unfinished
                self._live = False
                updates, added = self._finish(added, step.first)
        if step.tail:
            if self._live:
                updates += self._change(step.tail, wrap=step.tail_elements > 1)
            else:
                self._live, self._wrapped = True, step.tail_elements > 1
                added += self._element(self._page.replace(step.tail, GROW_MARKER))
        if added:
            updates.append(BodyAppend(added.rstrip("\n")))
        return updates

    def _finish(self, blocks: str, first: int) -> tuple[list[Update], str]:
        """The body's last element is finished as ``blocks[:first]``: what brings it there, and what to add after it."""
        page, html = self._page, blocks[:first]
        if self._wrapped:  # the wrapper goes, with the finished elements it held
            return [Tail(blocks.rstrip("\n"))], ""
        if html == page.shown:
            return [], blocks[first:]
        growth = page.growth(html)
        if growth is None:
            return [Tail(html.rstrip("\n"))], blocks[first:]
        return [TailGrow(growth)] if growth.strip() else [], blocks[first:]

    def _change(self, tail: str, *, wrap: bool) -> list[Update]:
        """The unfinished tail is ``tail`` now: its growth, or a new last element."""
        page = self._page
        if tail == page.shown:
            return []
        if wrap == self._wrapped:
            growth = page.growth(tail)
            if growth is not None:
                if not growth.strip():  # whitespace alone waits for the text after it (htmx 4 drops it)
                    return []
                page.grow(tail)
                return [TailGrow(growth)]
        self._wrapped = wrap
        return [Tail(self._element(page.replace(tail, GROW_MARKER)))]

    def _element(self, html: str) -> str:
        """``html`` as one element: a tail of several elements is wrapped, so the page can address it."""
        return f"<div>{html.rstrip()}</div>" if self._wrapped else html.rstrip("\n")


class MarkdownReplaceText(ReplaceText):
    """Markdown in replace mode: the block gets the sanitized HTML of the markdown so far as ``text``."""

    __slots__ = ("_finished", "_markdown")

    def __init__(self) -> None:
        from ._streaming import StreamingMarkdown  # markdown-it-py and nh3 are the optional `markdown` extra

        super().__init__()
        self._markdown = StreamingMarkdown()
        self._finished: list[str] = []  # sanitized HTML of the finished blocks

    def feed(self, delta: str) -> None:
        self._raw.append(delta)
        self._markdown.feed(delta)

    def finish(self) -> None:
        """The text is complete: render the tail as finished blocks."""
        self._finished.append(self._markdown.finish().blocks)

    def markup(self, *, final: bool = False) -> Markup:
        if final:
            self.finish()
            return Markup("".join(self._finished))
        step = self._markdown.snapshot()
        self._finished.append(step.blocks)
        finished = "".join(self._finished)
        self._finished = [finished]
        return Markup(finished + step.tail)
