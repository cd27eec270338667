"""Tail growth: when a new markdown tail can be sent as what it adds instead of as a whole.

Markdown mode (``_modes.MarkdownText``) keeps the unfinished block as the last element of the
page's body and replaces it with each new render. Most renders only add text at the end of the
innermost block (a paragraph, list item, table cell or code block getting more words, a bold
word or a link once it closes): such a tail is sent as its growth, appended into a marker
element that the last full tail carried at that spot (a permanent element or selector swaps it
there, see ``_dialects``). The page then shows exactly what the full tail would.
"""

from __future__ import annotations

import re

__all__ = ("PageTail",)


class PageTail:
    """The tail the page shows, and what a new tail adds at its marker.

    Example::

        page = PageTail()
        page.replace("<p>Hello</p>\\n", "<i></i>")  # '<p>Hello<i></i></p>\\n'
        page.growth("<p>Hello <em>big</em> world</p>\\n")  # ' <em>big</em> world'
        page.growth("<h1>Hello</h1>\\n")  # None: not growth, replace the tail
    """

    __slots__ = ("_suffix", "shown")

    def __init__(self) -> None:
        self.shown = ""  # the tail the page shows
        # What follows the marker in it (the closing tags of the last full tail); None: no marker,
        # the tail ends with a rule, which has no inside to grow (a marker after it would be a
        # second element).
        self._suffix: str | None = ""

    def replace(self, tail: str, marker: str) -> str:
        """The page will show ``tail`` whole: returns it with ``marker`` at the end of its innermost block."""
        self.shown = tail
        suffix = tail[_closing_run(tail) :]
        cut = len(tail) - len(suffix)
        self._suffix = None if tail[:cut].endswith("<hr>") else suffix
        return self.marked(marker) if tail else ""

    def marked(self, marker: str) -> str:
        """The tail the page shows, with ``marker`` where it is on the page (a growth went before it)."""
        if self._suffix is None:
            return self.shown
        cut = len(self.shown) - len(self._suffix)
        return self.shown[:cut] + marker + self.shown[cut:]

    def growth(self, tail: str) -> str | None:
        """What ``tail`` adds at the marker (text, whole inline elements), or None if it changed more."""
        shown, suffix = self.shown, self._suffix
        if not shown or suffix is None or len(tail) <= len(shown) or not tail.endswith(suffix):
            return None
        cut = len(shown) - len(suffix)
        if not tail.startswith(shown[:cut]):
            return None
        growth = tail[cut : len(tail) - len(suffix)]
        return growth if _is_inline_run(growth) else None

    def grow(self, tail: str) -> None:
        """The page got ``tail``'s growth: it shows ``tail`` now."""
        self.shown = tail


#: The whitespace and block closing tags a rendered tail ends with: its marker goes before them,
#: so it sits in the innermost block (a paragraph, list item, cell, or the ``<code>`` of a
#: ``<pre>``) and after any inline element (``<strong>``) that ends there, which is closed for good.
_CLOSING_RUN = re.compile(r"(?:\s|</code>(?=\s*</pre>)|</(?!(?:a|code|em|s|strong)>)[a-z][a-z0-9]*>)*\Z")

#: The inline elements a tail can grow by (what markdown-it renders inside a block).
_INLINE_TAG = re.compile(r"<(/?)(a|br|code|em|s|strong)(?:\s[^>]*)?>")


def _is_inline_run(html: str) -> bool:
    """Whether ``html`` is text and whole inline elements only, so it can be appended into the marker."""
    if "<" not in html:
        return True
    open_tags: list[str] = []
    position = 0
    for match in _INLINE_TAG.finditer(html):
        if "<" in html[position : match.start()]:
            return False  # a tag that is not inline markup
        position = match.end()
        closing, name = match.groups()
        if name == "br":
            continue
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            return False
    return not open_tags and "<" not in html[position:]


def _closing_run(html: str) -> int:
    match = _CLOSING_RUN.search(html)
    return match.start() if match else len(html)
