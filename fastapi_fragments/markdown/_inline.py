"""Where streamed markdown text ends in an inline construct that is still open.

``Shipping costs are **not`` renders as literal asterisks until the closing ``**`` arrives and
turns the word bold. Shown as it streams, the page would flash ``**not`` and then change text it
already showed (which also forces the whole tail to be sent again). So the tail is rendered
without the open construct, and the held-back text appears, formatted, once it closes.

This is a scan of one block's text, not a parser: it only decides what to *wait* for. The
rendering is always markdown-it's, and a finished block is rendered from all of its text, so a
wrong guess here can delay text (by at most ``limit`` characters) but never change or lose it.
It follows CommonMark where that is cheap: a delimiter run opens only if it is left-flanking
(``2*(a+b)`` opens nothing), ``_`` never opens or closes inside a word (``snake_case``), and a
closing run must be as long as the opening one (``**a*`` is still open).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ("open_inline_start",)

_EMPHASIS = "*_~"


def open_inline_start(text: str, limit: int, *, since: int = 0) -> int | None:
    """Where the earliest construct still open starts in ``text``: at or after ``since``, in the last ``limit``.

    ``text`` is one block's inline text so far (a paragraph, possibly over several lines), so
    that a closer on the last line finds its opener on an earlier one; ``since`` is where the
    last line starts, the only part that is ever held back.

    Open constructs: an emphasis/strikethrough run with no closer yet (``**bo``), a code span
    without its closing backticks, a link or image whose ``[text](url)`` is not complete, a
    character reference without its ``;`` (``&amp``), and a delimiter (a single ``~`` too),
    backslash or ``!`` at the very end (the next character decides what it is). An
    opener more than ``limit`` characters back is given up on: it was most likely meant literally.

    Example::

        open_inline_start("costs are **not", 80)  # 10
        open_inline_start("costs are **not** refunded", 80)  # None
        open_inline_start("Run `pip\\ninstall x` now", 80, since=9)  # None: closed on the second line
    """
    # (delimiter character, offset, run length, whether the run could also close) not closed yet
    opened: list[tuple[str, int, int, bool]] = []
    end = len(text)
    index = 0
    escaped = -1  # where the last backslash-escaped character is (an escaped "!" starts no image)
    while index < end:
        char = text[index]
        if char == "\\":
            if text[index + 1 :] in ("", "\n"):
                opened.append((char, index, 1, False))  # escapes the next character, or a line break after it
            escaped = index + 1
            index += 2
        elif char == "`":
            run = _run_end(text, index)
            close = _closing_backticks(text, run, run - index)
            if close is None:
                opened.append((char, index, run - index, False))
                break  # nothing after an open code span is markup
            index = close
        elif char in _EMPHASIS:
            run = _run_end(text, index)
            length = run - index
            before = text[index - 1] if index else " "
            after = text[run] if run < end else ""
            can_open, can_close = _flanking(before, after)
            if char == "_":  # intraword underscores are text: snake_case
                can_open = can_open and not before.isalnum()
                can_close = can_close and not after.isalnum()
            if run == end:
                can_close = False  # a run at the very end may still grow, and the next character decides
            if char == "~" and length == 1 and run < end:
                can_open = can_close = False  # strikethrough needs two; a last "~" may get its second
            match = _opener_closed(opened, char, length, can_open) if can_close else None
            if match is not None:
                rest = length - opened[match][2]
                del opened[match:]  # openers between an opener and its closer stay literal
                if rest and can_open:  # "**a***b": what the closer left over opens again
                    opened.append((char, index, rest, True))  # held with its run: never cut in two
            elif can_open:
                opened.append((char, index, length, can_close))
            index = run
        elif char == "[":
            start = index - 1 if index and text[index - 1] == "!" and escaped != index - 1 else index
            opened.append((char, start, 1, False))
            index += 1
        elif char == "]" and any(opener[0] == "[" for opener in opened):
            bracket = max(i for i, opener in enumerate(opened) if opener[0] == "[")
            if index + 1 == end:
                index += 1  # "(" may still follow: the link stays open
            elif text[index + 1] != "(":
                del opened[bracket]  # no link after all: literal brackets, emphasis in them still counts
                index += 1
            elif (close := text.find(")", index + 2)) == -1:
                break  # the URL is still being written
            else:
                del opened[bracket:]  # what the link text left open stays literal in it
                index = close + 1  # a URL is not markup: its `*` and `_` open nothing
        elif char == "&" and _ENTITY_SO_FAR.fullmatch(text, index):
            opened.append((char, index, 1, False))  # "&amp" shows raw until its ";" makes it "&"
            break
        elif char == "!" and index + 1 == end:
            opened.append((char, index, 1, False))
            index += 1
        else:
            index += 1
    starts = [offset for _, offset, _, _ in opened if offset >= max(since, end - limit)]
    return min(starts) if starts else None


#: The start of a character reference at the end of the text (``&``, ``&am``, ``&#x2``).
_ENTITY_SO_FAR = re.compile(r"&(?:#(?:[xX][0-9a-fA-F]{0,6}|[0-9]{0,7})|[A-Za-z][A-Za-z0-9]{0,31})?")


def _opener_closed(opened: list[tuple[str, int, int, bool]], char: str, length: int, both: bool) -> int | None:
    """The index in ``opened`` of the opener a closing run of ``length`` ``char`` closes, or None.

    The run must be as long as the opener (``**a*`` stays open), and CommonMark's rule of three
    holds: where either run could both open and close, their lengths may not add up to a
    multiple of 3 unless both are (``_1 :__:`` closes nothing).
    """
    for index in range(len(opened) - 1, -1, -1):
        opener, _, size, opener_both = opened[index]
        if opener != char or size > length:
            continue
        if (both or opener_both) and (size + length) % 3 == 0 and (size % 3 or length % 3):
            continue
        return index
    return None


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """Whether a delimiter run between ``before`` and ``after`` can open and can close (CommonMark).

    ``after`` is empty at the end of the text so far: the run may still open, whatever comes next.
    """
    if after == "":
        return True, not before.isspace()
    left = not after.isspace() and (not _is_punctuation(after) or before.isspace() or _is_punctuation(before))
    right = not before.isspace() and (not _is_punctuation(before) or after.isspace() or _is_punctuation(after))
    return left, right


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _run_end(text: str, index: int) -> int:
    """The end of the run of ``text[index]`` characters starting at ``index``."""
    char, end = text[index], index + 1
    while end < len(text) and text[end] == char:
        end += 1
    return end


def _closing_backticks(text: str, start: int, length: int) -> int | None:
    """The offset just past a run of exactly ``length`` backticks at or after ``start``, or None.

    A run at the very end closes nothing yet: another backtick would make it longer.
    """
    index = start
    while (index := text.find("`", index)) != -1:
        run = _run_end(text, index)
        if run - index == length and run < len(text):
            return run
        index = run
    return None
