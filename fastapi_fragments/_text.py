"""Accumulate the model's text deltas as the escaped HTML the block will show.

Model output is untrusted: it reaches the template as ``markupsafe.Markup`` of the escaped
text, so it is escaped even where the environment has autoescape off, and never double-escaped
where it is on. Escaping is per character, so escaping each delta as it arrives gives the same
result as escaping the whole text, at a cost proportional to the delta.
"""

from __future__ import annotations

from markupsafe import Markup, escape

__all__ = ("EscapedText",)


class EscapedText:
    """The text so far, raw and escaped; ``feed`` escapes only the new delta.

    Example::

        text = EscapedText()
        text.feed("a < b")
        text.markup()  # Markup('a &lt; b')
    """

    __slots__ = ("_escaped", "_raw")

    def __init__(self) -> None:
        self._raw: list[str] = []
        self._escaped: list[str] = []

    def feed(self, delta: str) -> None:
        """Add one text delta."""
        self._raw.append(delta)
        self._escaped.append(str(escape(delta)))

    @property
    def raw(self) -> str:
        """The unescaped text so far (for ``on_complete`` and logs, never for the page)."""
        raw = "".join(self._raw)
        self._raw = [raw]  # the next join starts from one piece instead of every delta again
        return raw

    def markup(self) -> Markup:
        """The escaped text so far, safe to insert into HTML."""
        escaped = "".join(self._escaped)
        self._escaped = [escaped]
        return Markup(escaped)
