"""Text modes: how the model's text deltas become the updates each render carries.

Model output is untrusted: it reaches the page escaped (``markupsafe.Markup`` of the escaped
text in the block's context), so it is escaped even where the environment has autoescape off,
and never double-escaped where it is on. Escaping is per character, so escaping each delta as
it arrives gives the same result as escaping the whole text, at a cost proportional to the delta.

- ``replace`` (:class:`ReplaceText`): every update is the block re-rendered with all the text.
- ``append`` (:class:`AppendText`): every update carries only the escaped text that is new, for
  an ``hx-swap="beforeend"`` target: O(n) bytes per answer. Whitespace is held back until text
  follows it (htmx 4 drops whitespace-only messages), and the answer's leading and trailing
  whitespace is never sent, so the target ends up with exactly what replace mode shows for a
  ``{{ text }}`` block (block renders are stripped).
- ``markdown`` (``markdown._modes.MarkdownText``): markdown's elements are added to a body
  element once, the unfinished one grown or replaced in place at its end; sanitized HTML.
- ``markdown-replace`` (``markdown._modes.MarkdownReplaceText``): like ``replace``, but ``text`` is the
  sanitized HTML of the markdown so far (finished blocks rendered once, the tail each time).
  Every update is a full snapshot, so it also works where updates must be resumable (the
  ``StreamRegistry``) and with any dialect.

A text mode says what changes as updates (``_updates``), never in wire bytes: only a dialect
encodes them. In append and markdown modes the page holds the text while it streams, and the
last update is a ``Whole``, the block rendered with the whole text replacing the answer whatever
swap the page set: however the page is wired, it ends as replace mode ends (after an error too).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Protocol, TypeAlias

from markupsafe import Markup, escape

from ._exceptions import ConfigurationError
from ._updates import Append, Replace, Update, Whole

__all__ = (
    "AppendText",
    "EscapedText",
    "PageHoldsText",
    "ReplaceText",
    "TextMode",
    "TextModeName",
    "escaped",
    "text_mode",
)

TextModeName: TypeAlias = Literal["replace", "append", "markdown", "markdown-replace"]

#: What ``escape`` replaces. Most deltas have none of it: searching for it (C, ~50 ns) costs a
#: sixth of ``escape``, which builds a ``Markup`` in Python for every delta.
_ESCAPED = re.compile("[&<>\"']").search


def escaped(delta: str) -> str:
    """``delta`` HTML-escaped, as ``markupsafe.escape`` does it (a ``Markup`` only where it changes something)."""
    return delta if _ESCAPED(delta) is None else escape(delta)


class _RawText:
    """Keeps the unescaped text for ``on_complete``; joined lazily, once per read."""

    __slots__ = ("_raw",)

    def __init__(self) -> None:
        self._raw: list[str] = []

    @property
    def raw(self) -> str:
        """The unescaped text so far (for ``on_complete`` and logs, never for the page)."""
        raw = "".join(self._raw)
        self._raw = [raw]  # the next join starts from one piece instead of every delta again
        return raw


class EscapedText(_RawText):
    """The text so far, raw and escaped; ``feed`` escapes only the new delta.

    Example::

        text = EscapedText()
        text.feed("a < b")
        text.markup()  # Markup('a &lt; b')
    """

    __slots__ = ("_escaped",)

    def __init__(self) -> None:
        super().__init__()
        self._escaped = ""

    def feed(self, delta: str) -> None:
        """Add one text delta."""
        self._raw.append(delta)
        # Grown in place: with the attribute's reference dropped, the local is the string's only
        # one, and CPython resizes it instead of copying the whole text (as a hand-written loop's
        # ``escaped += ...`` does). escaped(delta) inline: this runs for every token.
        escaped, self._escaped = self._escaped, ""
        escaped += delta if _ESCAPED(delta) is None else str(escape(delta))  # a Markup would make it a Markup
        self._escaped = escaped

    def markup(self, *, final: bool = False) -> Markup:
        """The escaped text so far, safe to insert into HTML."""
        # Markup(escaped) without Markup.__new__'s Python-level checks (__html__, an encoding),
        # which cost twice the rest of this call: ``_escaped`` is a plain str, escaped already.
        return str.__new__(Markup, self._escaped)


class TextMode(Protocol):
    """One way of turning the accumulated text into updates (replace, append, markdown)."""

    #: Whether each update carries the block rendered with :meth:`markup` (else only the final one does).
    renders_block: ClassVar[bool]

    @property
    def raw(self) -> str:
        """The unescaped text so far."""
        ...

    def feed(self, delta: str) -> None:
        """Add one text delta."""
        ...

    def markup(self, *, final: bool = False) -> Markup:
        """What the block's ``text`` holds when it is rendered (``final``: the text is complete)."""
        ...

    def updates(self, html: str, *, final: bool) -> list[Update]:
        """The updates for the current state; ``html`` is the rendered block if ``renders_block`` or ``final``."""
        ...

    def error_updates(self, html: str) -> list[Update]:
        """The updates showing the rendered error ``html`` instead of the answer."""
        ...


class ReplaceText(EscapedText):
    """Replace mode: each update is the block re-rendered with all the escaped text so far."""

    __slots__ = ()
    renders_block: ClassVar[bool] = True

    def updates(self, html: str, *, final: bool) -> list[Update]:
        return [Replace(html)]

    def error_updates(self, html: str) -> list[Update]:
        return [Replace(html)]


class PageHoldsText(_RawText):
    """Append and markdown modes: the page accumulates the text; the ``Whole`` update replaces it."""

    __slots__ = ()
    renders_block: ClassVar[bool] = False

    def markup(self, *, final: bool = False) -> Markup:
        return self.whole() if final else Markup("")

    def whole(self) -> Markup:
        """The whole text as replace mode's final render shows it."""
        return escape(self.raw)

    def updates(self, html: str, *, final: bool) -> list[Update]:
        updates = self.steps(final=final)
        if final:
            updates.append(Whole(html))
        return updates

    def steps(self, *, final: bool) -> list[Update]:
        """The updates that bring the page's accumulated text up to date."""
        raise NotImplementedError

    def error_updates(self, html: str) -> list[Update]:
        return self.updates(html, final=True)


class AppendText(PageHoldsText):
    """Append mode: each update is the escaped text not sent yet, never whitespace-only.

    Example::

        text = AppendText()
        text.feed("  Hello")
        text.feed(" ")
        text.take(final=False)  # 'Hello' (leading whitespace dropped, the trailing space held back)
        text.feed("<world>")
        text.take(final=False)  # ' &lt;world&gt;'
    """

    __slots__ = ("_held", "_new", "_started")

    def __init__(self) -> None:
        super().__init__()
        self._new: list[str] = []  # escaped deltas since the last take
        self._held = ""  # escaped trailing whitespace, sent only once text follows it
        self._started = False

    def feed(self, delta: str) -> None:
        self._raw.append(delta)
        self._new.append(escaped(delta))  # no str(): the join makes a plain str of the Markups

    def take(self, *, final: bool) -> str:
        """The escaped piece to append now ('' when there is nothing visible to send)."""
        piece = self._held + "".join(self._new)
        self._new = []
        text = piece.rstrip()
        self._held = "" if final else piece[len(text) :]
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text

    def steps(self, *, final: bool) -> list[Update]:
        piece = self.take(final=final)
        return [Append(piece)] if piece else []


def text_mode(name: str) -> TextMode:
    """A fresh accumulator for the mode called ``name``.

    :raises ConfigurationError: for an unknown mode name.
    :raises ModuleNotFoundError: for ``"markdown"`` without the ``markdown`` extra installed.
    """
    if name == "replace":
        return ReplaceText()
    if name == "append":
        return AppendText()
    if name in ("markdown", "markdown-replace"):
        from .markdown._modes import MarkdownReplaceText, MarkdownText  # the optional `markdown` extra's

        return MarkdownText() if name == "markdown" else MarkdownReplaceText()
    raise ConfigurationError(f"mode must be 'replace', 'append', 'markdown' or 'markdown-replace', got {name!r}")
