"""The reasoning's text as the blocks show it: each segment escaped, or rendered by a text mode of its own.

A model may think several times in one answer (several reasoning parts, the *segments*). By
default a segment's deltas are escaped as they come (as the answer's: ``_text.escaped``) and
joined when a block renders. In the markdown modes each segment gets a text mode of its own
(``markdown-replace``'s), which renders it to sanitized HTML as the answer is; an ended segment is
rendered whole, once, and one that opens again starts from its text so far.

:class:`ThinkingTime` measures how long the segments were open (the ``duration`` blocks show).
"""

from __future__ import annotations

from collections.abc import Callable
from math import inf

from markupsafe import Markup

from fastapi_fragments._text import TextMode, escaped

__all__ = ("ReasoningText", "ThinkingTime")


class ReasoningText:
    """The segments of the reasoning, by part id, in the order they started.

    Example::

        reasoning = ReasoningText()
        reasoning.start("r1")
        reasoning.add("r1", "a < b")
        reasoning.segments(open_id="r1")  # [Markup('a &lt; b')]
    """

    __slots__ = ("_mode", "_pieces", "_rendered", "_shown")

    def __init__(self, mode: Callable[[], TextMode] | None = None) -> None:
        self._mode = mode  # a text mode per segment (markdown); None: escaped
        self._pieces: dict[str, list[str]] = {}  # part id -> its escaped text, joined lazily (escaped only)
        self._rendered: dict[str, TextMode] = {}  # part id -> its text mode, until the segment ends
        self._shown: dict[str, Markup] = {}  # part id -> its text as last joined or rendered

    def __bool__(self) -> bool:
        return bool(self._pieces)

    def start(self, part_id: str, text: str = "") -> list[str] | None:
        """A segment begins, or begins again with ``text`` so far (a normaliser may reopen a part).

        Returns the list its escaped deltas go to (a caller may append to it instead of calling
        :meth:`add`), or ``None`` in the markdown modes, where its text mode takes them.
        """
        pieces = self._pieces.setdefault(part_id, [])
        if self._mode is None:
            return pieces
        if part_id not in self._rendered:
            self._rendered[part_id] = mode = self._mode()
            if text:
                mode.feed(text)
        return None

    def add(self, part_id: str, text: str) -> None:
        """A delta of the segment ``part_id``."""
        if self._mode is not None:
            self._rendered[part_id].feed(text)
        else:
            self._pieces[part_id].append(escaped(text))

    def segments(self, open_id: str | None) -> list[Markup]:
        """Each segment as the blocks show it (``open_id``: the one still growing, if any)."""
        shown = self._shown
        if self._mode is not None:
            for part_id, text in list(self._rendered.items()):
                shown[part_id] = text.markup(final=part_id != open_id)
                if part_id != open_id:
                    del self._rendered[part_id]
            return list(shown.values())
        for part_id, pieces in self._pieces.items():
            if len(pieces) != 1 or part_id not in shown:  # only the open segment grows: join only it
                self._join(part_id, pieces)
        return list(shown.values())

    def grown(self, open_id: str) -> list[Markup]:
        """:meth:`segments` when only the open segment ``open_id`` grew since the last call, in escaped
        text (a reasoning delta's): only it is joined, the others are not looked at."""
        shown = self._shown
        markup = self._join(open_id, self._pieces[open_id])
        return [markup] if len(shown) == 1 else list(shown.values())

    def _join(self, part_id: str, pieces: list[str]) -> Markup:
        joined = "".join(pieces)
        pieces[:] = (joined,)  # in place (the view appends to this list): the next join starts from one piece
        # Escaped already: str's own constructor, not Markup's (which checks for __html__ in Python).
        self._shown[part_id] = markup = str.__new__(Markup, joined)
        return markup


class ThinkingTime:
    """Seconds the reasoning parts were open, measured with ``clock`` (never estimated), to a tenth.

    Example::

        time = ThinkingTime(monotonic)
        time.start()
        time.stop()
        time.seconds()  # 2.2
    """

    __slots__ = ("_clock", "_tenth", "_thought", "since")

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._thought = 0.0  # seconds of reasoning parts that ended
        self.since: float | None = None  # when the open reasoning part started (None: not thinking)
        self._tenth = (inf, -inf, 0.0)  # the seconds that round to the last tenth shown, and it

    def start(self) -> None:
        """A reasoning part opens: the clock runs."""
        self.since = self._clock()

    def stop(self) -> None:
        """The reasoning part ends (or the stream): its time counts."""
        if self.since is not None:
            self._thought += self._clock() - self.since
            self.since = None

    def seconds(self) -> float:
        """The seconds so far, the open part's included."""
        return round(self._thought, 1) if self.since is None else self.running(self.since)

    def running(self, since: float) -> float:
        """:meth:`seconds` while a part is open (since ``since``, :attr:`since`)."""
        seconds = self._thought + (self._clock() - since)
        low, high, shown = self._tenth
        # round() to a tenth writes the float out in decimal (~0.4 µs, a fifth of a reasoning delta's
        # context): once a tenth of a second, not once a delta, while the seconds stay within its half.
        if not low <= seconds < high:
            shown = round(seconds, 1)
            self._tenth = (shown - _HALF_TENTH, shown + _HALF_TENTH, shown)
        return shown


#: Seconds either side of a tenth that round to it, a nanosecond short (round() at the bounds decides ties).
_HALF_TENTH = 0.05 - 1e-9
