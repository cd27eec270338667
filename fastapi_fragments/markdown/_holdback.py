"""What the markdown tail leaves out for now: the end of the text whose meaning is not decided yet.

Shown as it streams, such text would flash raw markup (``**bo``, the pipes of a table header)
or a wrong structure (the ``-`` of a coming ``---`` as an empty bullet) and then change into
something else. The tail is rendered without it; it appears once the next characters decide it.
Held back:

- inline markup still open (``_inline``), over the whole paragraph: bold opened a line above is
  held until it closes, not shown as literal asterisks;
- a line that is only block markers so far (``-``, ``**``, ``1.``, ``>``, ``#``, ``==``), also
  when the text after them is held: under a paragraph ``-`` is a setext underline, after a blank
  line ``*`` is an empty bullet that ``***`` turns into a rule;
- a line that starts with a pipe and may be a table header, until the line under it can no
  longer be its delimiter row, and that delimiter row until it ends (it may still grow cells);
- in a fence, the opening line until its info string ends, and a line that may close it.

Never held: text that can no longer become markup (``2 * 3 = 6``), and code. A wrong guess
here only delays text (inline constructs by at most ``HOLD_LIMIT`` characters): the final
render is always markdown-it's, from all of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.token import Token

from ._inline import open_inline_start

__all__ = ("HOLD_LIMIT", "TABLE_HOLD_LIMIT", "held_from", "line_offset", "undecided")

#: How far back an open inline construct still holds the text after it from the tail: an opener
#: with no closer after this many characters was most likely meant literally (``a*b``).
HOLD_LIMIT = 80

#: The most a table header and its unfinished delimiter row hold back together.
TABLE_HOLD_LIMIT = 4 * HOLD_LIMIT

_CODE = frozenset({"fence", "code_block"})


def held_from(tokens: list[Token], source: str, parse: Callable[[str], list[Token]]) -> int | None:
    """The offset from which the tail leaves ``source`` out, or None when all of it shows.

    ``tokens`` is ``parse(source)``, markdown-it's parse of the unfinished end of the text.
    """
    line_start = source.rfind("\n") + 1
    last_line = source.count("\n")
    around = [t for t in tokens if t.map is not None and t.nesting != -1 and t.map[0] <= last_line < t.map[1]]
    code = next((token for token in around if token.type in _CODE), None)
    continues = True  # whether the last line may yet continue the paragraph above it
    if code is None:
        hold = min(_line_hold(source, line_start), _table_hold(tokens, source, line_start, last_line))
    else:
        hold = _code_hold(code, source, line_start, last_line)
        if code.map and code.map[0] < last_line:
            return None if hold >= len(source) else hold  # inside code nothing else is open
        # "```x`" is text after all (no backtick in a backtick fence's info); "> ```" stays a quote.
        continues = code.level == 0 and code.markup.startswith("`")
    if hold < len(source):
        # The inline text that shows is that of the shorter text: "#" alone is a heading that
        # ends the paragraph above, "#1" continues it, so its open "*" must stay held.
        tokens = parse(source[:hold])
    hold = _inline_hold(tokens, source, hold, continues)
    return None if hold >= len(source) else hold


def undecided(line: str) -> bool:
    """Whether what a line holds so far is only block markers: the next characters decide its kind.

    Example::

        undecided("- ")  # True: an item, a setext underline, or the rule "- - -"
        undecided("2 * 3 = 6")  # False: text, whatever follows
    """
    position = 0
    while not _MARKERS_ONLY.fullmatch(line, position):
        container = _QUOTE.match(line, position) or _LIST_ITEM.match(line, position)
        if container is None:
            return False
        position = container.end()
    return True


#: A line (after its containers) that is still only a rule, setext underline or bullet (``- *
#: _ = +``), heading markers (``#tag`` is text), or a number that may become an ordered item.
_MARKERS_ONLY = re.compile(r"[ \t]*(?:[-*_=+ \t]*|#{1,6}|[0-9]{1,9}[.)]?)")
_QUOTE = re.compile(r"[ \t]*>")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|[0-9]{1,9}[.)])[ \t]+")


def _inline_hold(tokens: list[Token], source: str, hold: int, continues: bool) -> int:
    """``hold``, or where the earliest inline construct open before it in the last paragraph starts.

    ``tokens`` is the parse of ``source[:hold]``; ``continues`` is False when the cut line
    cannot continue the paragraph above it. Text cut at ``hold`` may leave open an opener
    whose closer was in the cut part, so the scan repeats on the shorter text until nothing
    more opens. Only openers in the last ``HOLD_LIMIT`` characters of all of ``source`` count,
    so a cut never hides text shown before.
    """
    index = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i].type == "inline"), None)
    if not index:
        return hold
    # The block the inline text belongs to: its map also covers a setext underline.
    opener = next(token for token in reversed(tokens[:index]) if token.map is not None)
    first, end = opener.map or (0, 0)
    last_line = source.count("\n", 0, hold)
    # Right after a newline a paragraph may still go on: what it holds stays held.
    goes_on = continues and opener.type == "paragraph_open" and end == last_line and source[:hold].endswith("\n")
    if not (first <= last_line < end or goes_on):
        return hold
    block_start = line_offset(source, first)
    since = len(source) - HOLD_LIMIT - block_start
    while (start := open_inline_start(source[block_start:hold], len(source), since=since)) is not None:
        start += block_start
        line_start = source.rfind("\n", 0, start) + 1
        # "- **Speed" without "**Speed" is "- ": an underline that would make the line above a
        # heading; "|---**x" without "**x" a delimiter row that would make it a table header;
        # "```word`" without its last "`" a fence that would end the paragraph above.
        before = source[line_start:start]
        delimiter_row = _DELIMITER_ROW.fullmatch(before) and _header_above(tokens, source, line_start) is not None
        if start - line_start <= HOLD_LIMIT and (undecided(before) or delimiter_row or _FENCE_OPEN.fullmatch(before)):
            start = line_start
        if start >= hold:
            break
        hold = start
    return hold


#: A line (after its containers) that opens a fence: "```" and an info string without a backtick, or "~~~".
_FENCE_OPEN = re.compile(r"[ \t>]*(?:(?:[-+*]|[0-9]{1,9}[.)])[ \t]+)*(?:`{3,}[^`]*|~{3,}.*)")


def _line_hold(source: str, line_start: int) -> int:
    line = source[line_start:]
    return line_start if len(line) <= HOLD_LIMIT and undecided(line) else len(source)


#: What a table's delimiter row can hold (``|:--|--:|``), so far.
_DELIMITER_ROW = re.compile(r"[ \t>]*[ \t|:\-]*")


def _table_hold(tokens: list[Token], source: str, line_start: int, last_line: int) -> int:
    """A line that may be a table header, held with the delimiter row being written under it."""
    if _DELIMITER_ROW.fullmatch(source, line_start):
        header_start = _header_above(tokens, source, line_start)
        if header_start is not None and len(source) - header_start <= TABLE_HOLD_LIMIT:
            return header_start
    line = source[line_start:]
    return line_start if _may_be_header(tokens, line, last_line) else len(source)


def _header_above(tokens: list[Token], source: str, line_start: int) -> int | None:
    """Where the line above the one at ``line_start`` starts, if it may be a table header."""
    if not line_start:
        return None
    header_start = source.rfind("\n", 0, line_start - 1) + 1
    number = source.count("\n", 0, header_start)
    return header_start if _may_be_header(tokens, source[header_start : line_start - 1], number) else None


def _may_be_header(tokens: list[Token], line: str, number: int) -> bool:
    """Whether ``line`` (line ``number``) starts with a pipe and is paragraph text, or a table's header.

    A line that does not start with a pipe is not held: its text before the pipe has been shown.
    """
    if not line.lstrip(" \t>").startswith("|") or len(line) > TABLE_HOLD_LIMIT:
        return False
    blocks = [t for t in tokens if t.map is not None and t.nesting == 1 and t.map[0] <= number < t.map[1]]
    if not blocks:
        return False
    innermost = blocks[-1]
    if innermost.type == "paragraph_open" or (innermost.type == "heading_open" and innermost.markup in ("-", "=")):
        return True  # a paragraph, or one a "-" under it makes a heading: "---|---" may still follow
    table = next((t for t in reversed(blocks) if t.type == "table_open"), None)
    return table is not None and table.map is not None and table.map[0] == number


def line_offset(source: str, line: int) -> int:
    """The offset of the start of ``line`` (0-based) in ``source``."""
    offset = 0
    for _ in range(line):
        offset = source.index("\n", offset) + 1
    return offset


#: A line inside a fence that may still become its closing fence.
_FENCE_CLOSE = re.compile(r" {0,3}(`+|~+)[ \t]*")


def _code_hold(code: Token, source: str, line_start: int, last_line: int) -> int:
    """In a fence: its opening line until it ends (the language), and a line that may close it."""
    if code.type != "fence" or code.map is None:
        return len(source)
    if code.map[0] == last_line:
        return line_start
    closing = _FENCE_CLOSE.fullmatch(source, line_start)
    return line_start if closing and closing.group(1)[0] == code.markup[0] else len(source)
