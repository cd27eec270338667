"""Reasoning wrapped in tags inside the answer text, from servers that run no reasoning parser.

A model served raw (vLLM or llama.cpp without a reasoning parser, Ollama's qwen3 with tools) writes its
thinking into the answer as ``<think>…</think>``. :class:`TagSplitter` separates the two as the text
streams, holding back only what could still be the start of a tag, so a tag split across tokens is
recognised and the result never depends on where the tokens were cut.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ("REASONING_TAGS", "Piece", "TagSplitter")

#: Opening and closing tags, as Open WebUI's ``DEFAULT_REASONING_TAGS`` lists them.
REASONING_TAGS: tuple[tuple[str, str], ...] = (
    ("<think>", "</think>"),
    ("<thinking>", "</thinking>"),
    ("<reason>", "</reason>"),
    ("<reasoning>", "</reasoning>"),
    ("<thought>", "</thought>"),
    ("<Thought>", "</Thought>"),
    ("<|begin_of_thought|>", "<|end_of_thought|>"),
    ("◁think▷", "◁/think▷"),
)

Piece = tuple[Literal["text", "reasoning", "open"], str]


class TagSplitter:
    """Split streamed text into answer text and tagged reasoning, as ``feed(text)`` pieces.

    ``flush()`` gives up what is held back. A piece is ``("text", s)``, ``("reasoning", s)``, or
    ``("open", tag)`` when a reasoning segment starts (so two segments in a row stay two). Whitespace
    right after a closing tag is dropped, as models put a blank line between thinking and answer.

    Example::

        splitter = TagSplitter()
        splitter.feed("<thi") + splitter.feed("nk>hmm</think>\\n\\nHi") + splitter.flush()
        # [("open", "<think>"), ("reasoning", "hmm"), ("text", "Hi")]
    """

    def __init__(self, tags: tuple[tuple[str, str], ...] = REASONING_TAGS) -> None:
        self._closers = dict(tags)
        # Most tokens hold no tag at all: one scan for the characters tags start with rules them out.
        starts = sorted({tag[0] for pair in tags for tag in pair})
        self._start = re.compile("[" + "".join(re.escape(char) for char in starts) + "]")
        self._longest = max(len(tag) for pair in tags for tag in pair)
        self._buffer = ""
        self._closer: str | None = None  # set while inside a reasoning segment
        self._strip = False  # drop whitespace after a closing tag, until the answer resumes

    def plain(self, text: str) -> bool:
        """Whether ``text`` is answer text as it is, ``feed`` or not: nothing held back, not inside a
        reasoning segment nor right after one, no character a tag starts with. Most tokens are."""
        return not self._buffer and self._closer is None and not self._strip and self._start.search(text) is None

    def feed(self, text: str) -> list[Piece]:
        """The pieces ``text`` completes; a possible tag start at its end waits for the next call."""
        buffer = self._buffer + text
        pieces: list[Piece] = []
        while buffer:
            if self._closer is None:
                at, tag = self._find_opener(buffer)
                if at < 0:
                    buffer = self._emit(pieces, "text", buffer, self._held(buffer, tuple(self._closers)))
                    break
                self._emit(pieces, "text", buffer[:at])
                pieces.append(("open", tag))
                self._closer, buffer = self._closers[tag], buffer[at + len(tag) :]
            else:
                at = buffer.find(self._closer)
                if at < 0:
                    buffer = self._emit(pieces, "reasoning", buffer, self._held(buffer, (self._closer,)))
                    break
                self._emit(pieces, "reasoning", buffer[:at])
                buffer, self._closer, self._strip = buffer[at + len(self._closer) :], None, True
        self._buffer = buffer
        return pieces

    def flush(self) -> list[Piece]:
        """What is held back, as it is: the stream ended, or a tool call came, in the middle of a tag."""
        pieces: list[Piece] = []
        self._emit(pieces, "reasoning" if self._closer else "text", self._buffer)
        self._buffer = ""
        return pieces

    def _find_opener(self, buffer: str) -> tuple[int, str]:
        found, first = -1, ""
        if not self._could_hold_tag(buffer):
            return found, first
        for tag in self._closers:
            at = buffer.find(tag)
            if at >= 0 and (found < 0 or at < found):
                found, first = at, tag
        return found, first

    def _could_hold_tag(self, text: str) -> bool:
        return self._start.search(text) is not None

    def _held(self, buffer: str, tags: tuple[str, ...]) -> int:
        """How many trailing characters of ``buffer`` could begin one of ``tags``."""
        if not self._could_hold_tag(buffer[-self._longest :]):
            return 0
        longest = 0
        for tag in tags:
            for n in range(min(len(tag) - 1, len(buffer)), longest, -1):
                if tag.startswith(buffer[-n:]):
                    longest = n
                    break
        return longest

    def _emit(self, pieces: list[Piece], kind: Literal["text", "reasoning"], text: str, hold: int = 0) -> str:
        """Append ``text`` but its last ``hold`` characters as a piece; return the held characters."""
        out, held = text[: len(text) - hold], text[len(text) - hold :]
        if kind == "text" and self._strip:
            out = out.lstrip()
            self._strip = not out
        if out:
            pieces.append((kind, out))
        return held
