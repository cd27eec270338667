"""Where the last line of streamed markdown starts an inline construct that is still open.

``Shipping costs are **not`` renders as literal asterisks until the closing ``**`` arrives and
turns the word bold. Shown as it streams, the page would flash ``**not`` and then change text it
already showed (which also forces the whole tail to be sent again). So the tail is rendered
without the open construct, and the held-back text appears, formatted, once it closes.

This is a scan of one line, not a parser: it only decides what to *wait* for. The rendering is
always markdown-it's, and a finished block is rendered from all of its text, so a wrong guess
here can delay text (by at most ``limit`` characters) but never change or lose it.
"""

from __future__ import annotations

__all__ = ("open_inline_start",)

_EMPHASIS = "*_~"


def open_inline_start(line: str, limit: int) -> int | None:
    """The offset in ``line`` of the earliest construct still open within its last ``limit`` characters.

    Open constructs: an emphasis/strikethrough run with no closer yet (``**bo``), a code span
    without its closing backticks, a link or image whose ``[text](url)`` is not complete, and a
    delimiter, backslash or ``!`` at the very end (the next character decides what it is). A run
    of ``*`` or ``_`` that cannot open (``2 * 3``, ``snake_case``) is plain text. An opener more
    than ``limit`` characters back is given up on: it was most likely meant literally.

    Example::

        open_inline_start("costs are **not", 80)  # 10
        open_inline_start("costs are **not** refunded", 80)  # None
    """
    opened: list[tuple[str, int]] = []  # (delimiter character, offset) of runs not closed yet
    end = len(line)
    index = 0
    while index < end:
        char = line[index]
        if char == "\\":
            if index + 1 == end:
                opened.append((char, index))
            index += 2
        elif char == "`":
            run = _run_end(line, index)
            close = _closing_backticks(line, run, run - index)
            if close is None:
                opened.append((char, index))
                break  # nothing after an open code span is markup
            index = close
        elif char in _EMPHASIS:
            run = _run_end(line, index)
            before = line[index - 1] if index else " "
            after = line[run] if run < end else ""
            can_open = after == "" or not after.isspace()
            can_close = not before.isspace()
            if char == "_":  # intraword underscores are text: snake_case
                can_open = can_open and not before.isalnum()
                can_close = can_close and not after.isalnum()
            if char == "~" and run - index == 1:
                can_open = can_close = False  # strikethrough needs two
            closes = can_close and any(opener == char for opener, _ in opened)
            if closes:
                while opened.pop()[0] != char:
                    pass  # openers between an opener and its closer stay literal
            elif can_open:
                opened.append((char, index))
            index = run
        elif char == "[":
            start = index - 1 if index and line[index - 1] == "!" else index
            opened.append((char, start))
            index += 1
        elif char == "]" and any(opener == "[" for opener, _ in opened):
            while opened[-1][0] != "[":
                opened.pop()
            if index + 1 == end:
                index += 1  # "(" may still follow: the link stays open
            elif line[index + 1] != "(":
                opened.pop()  # no link after all: literal brackets
                index += 1
            elif (close := line.find(")", index + 2)) == -1:
                break  # the URL is still being written
            else:
                opened.pop()
                index = close + 1  # a URL is not markup: its `*` and `_` open nothing
        elif char == "!" and index + 1 == end:
            opened.append((char, index))
            index += 1
        else:
            index += 1
    starts = [offset for _, offset in opened if offset >= end - limit]
    return min(starts) if starts else None


def _run_end(line: str, index: int) -> int:
    """The end of the run of ``line[index]`` characters starting at ``index``."""
    char, end = line[index], index + 1
    while end < len(line) and line[end] == char:
        end += 1
    return end


def _closing_backticks(line: str, start: int, length: int) -> int | None:
    """The offset just past a run of exactly ``length`` backticks at or after ``start``, or None."""
    index = start
    while (index := line.find("`", index)) != -1:
        run = _run_end(line, index)
        if run - index == length:
            return run
        index = run
    return None
