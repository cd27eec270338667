"""The fenced code blocks of the documentation (``docs/**/*.md`` and ``README.md``), as the tests run them.

A block names a file with a ``title="app.py"`` attribute (MkDocs Material shows it as the block's
heading) or, in the README where GitHub shows no titles, with a first line ``# app.py: ...`` /
``{# templates/page.html: ... #}``. An HTML comment on the line before a fence marks it:

- ``<!-- not-run: reason -->``: a fragment shown for reading, not run (keep these few);
- ``<!-- output -->``: what the python block before it prints, exactly;
- ``<!-- runs-in: litellm -->``: runs in the litellm environment only (litellm needs openai<3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})(?P<info>[^`\n]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')
_FIRST_LINE_NAME = re.compile(r"^(?:# |\{# )(?P<name>[\w./-]+\.(?:py|html|txt))(?::| |$)")
_MARKER = re.compile(r"^\s*<!-- (?P<kind>not-run|output|runs-in)(?::\s*(?P<value>.*?))? -->\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced block: where it is, its language, the file it names (if any) and its marker."""

    page: Path
    line: int
    lang: str
    body: str
    file: str | None = None
    marker: str | None = None
    marker_value: str | None = None
    named_in_first_line: bool = False

    @property
    def content(self) -> str:
        """The body without a first line that only names the file (the README's convention)."""
        rest = self.body.partition("\n")[2]
        return rest if self.named_in_first_line else self.body

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """Every documentation page, and the README (the front page)."""
    return [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]


def blocks(page: Path) -> list[Block]:
    """The page's fenced blocks in document order."""
    lines = page.read_text().splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or not opening["info"].strip():
            index += 1
            continue
        indent, fence, info = len(opening["indent"]), opening["fence"], opening["info"].strip()
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        if end == len(lines):
            raise ValueError(f"{page}:{index + 1}: the fence is never closed")
        body = "\n".join(line[indent:] for line in lines[index + 1 : end]) + "\n"
        marker = _marker_before(lines, index)
        title = _TITLE.search(info)
        named = _FIRST_LINE_NAME.match(body)
        file = title["title"] if title else (named["name"] if named else None)
        kind, value = (marker["kind"], marker["value"]) if marker else (None, None)
        found.append(Block(page, index + 1, info.split()[0], body, file, kind, value, not title and bool(named)))
        index = end + 1
    return found


def _marker_before(lines: list[str], index: int) -> re.Match[str] | None:
    previous = index - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    return _MARKER.match(lines[previous]) if previous >= 0 else None


def all_blocks() -> list[Block]:
    """Every page's blocks."""
    return [block for page in pages() for block in blocks(page)]
