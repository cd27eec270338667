"""Helpers the test modules share (fixtures live in the conftest files): token sources, polling, a
producer run through the HTTP sink in-process, SDK client arguments for the fake provider,
Hypothesis strategies for markdown-ish text, and markdown mode's body as htmx 2 changes it."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from hypothesis import strategies as st
from starlette.types import Message

from fastapi_fragments import Dialect
from fastapi_fragments._loop import LoopMonitor
from fastapi_fragments._pace import Pace
from fastapi_fragments._produce import Producer
from fastapi_fragments._updates import BODY_ATTRIBUTE, GROW_MARKER
from fastapi_fragments._wire import Delivery, Sender


class Source:
    """An async token source that records whether it was closed."""

    def __init__(self, tokens: list[str], *, delay: float = 0.0, pause_before: dict[int, float] | None = None) -> None:
        self.tokens, self.delay, self.pause_before = tokens, delay, pause_before or {}
        self.closed = False

    async def stream(self, forever: bool = False) -> AsyncIterator[str]:
        try:
            index = 0
            while forever or index < len(self.tokens):
                await asyncio.sleep(self.pause_before.get(index, self.delay))
                yield self.tokens[index % len(self.tokens)]
                index += 1
        finally:
            self.closed = True


async def sink_bytes(producer: Producer, dialect: Dialect, *, min_interval: float = 0.0) -> bytes:
    """Run ``producer`` through the HTTP sink (``Sender``) in-process, with a client that never leaves; the body."""
    body: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            body.append(message["body"])

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    delivery = Delivery(ping_interval=0, ping_factory=None, send_timeout=None, on_client_close=None, grace_period=1.0)
    monitor = LoopMonitor(shutting_down=lambda: False)
    await Sender(send, dialect, delivery, monitor).run(receive, 200, [], producer, Pace(min_interval))
    return b"".join(body)


class ReplaceOnlyDialect:
    """The least a ``Dialect`` can be: a replace frame, the sources, the end (no append, tail or parts)."""

    name = "replace-only"

    def response(self, html: str, event_id: int) -> bytes:
        return html.encode()

    def sources(self, html: str) -> bytes:
        return html.encode()

    def done(self) -> bytes:
        return b""


def wait_for(condition: Callable[[], object], within: float = 2.0) -> bool:
    """Poll ``condition`` until it holds or ``within`` seconds pass; whether it held."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return bool(condition())


def openai_kwargs(base_url: str) -> dict[str, Any]:
    """An OpenAI SDK client's arguments for the fake provider at ``base_url``."""
    return {"base_url": base_url + "/v1", "api_key": "test-key", "max_retries": 0}


def anthropic_kwargs(base_url: str) -> dict[str, Any]:
    """An Anthropic SDK client's arguments for the fake provider at ``base_url``."""
    return {"base_url": base_url, "api_key": "test-key", "max_retries": 0}


_LINES = [
    "",
    "",
    "Plain paragraph text.",
    "more *emphasis* and `code` and ~~gone~~",
    "# Heading",
    "#no-heading",
    "## Sub heading ##",
    "- item",
    "- ",
    "* star item",
    "1. first",
    "2) second",
    "  indented continuation",
    "    indented code",
    "```",
    "```python",
    "~~~",
    "> quote",
    ">",
    "| a | b |",
    "|---|:-:|",
    "a|b",
    "-|-",
    "---",
    "===",
    "***",
    "- - -",
    "\tx",
    "[ref]: /url",
    "[link](http://example.com/a?b=1&c=2)",
    "<script>alert(1)</script>",
    "<a href='javascript:alert(1)'>x</a>",
    "[evil](javascript:alert(1))",
    "![img](javascript:alert(1))",
    "<div onclick=alert(1)>raw</div>",
    "&amp; &lt; &#0; \x00 \u2028",
]

MARKDOWNISH = st.lists(
    st.one_of(st.sampled_from(_LINES), st.text(alphabet="ab |-*#>`1.=\t:[]()!\\_~<", max_size=12)),
    max_size=14,
).flatmap(
    lambda lines: st.lists(st.sampled_from(["\n", "\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)).map(
        lambda ends: "".join(line + end for line, end in zip(lines, ends, strict=True))
    )
) | st.text(max_size=60)


@st.composite
def token_splits(draw: st.DrawFn, text: str) -> list[str]:
    """Split ``text`` into consecutive deltas at arbitrary points (a CRLF may be split too)."""
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=max(len(text) - 1, 1)), max_size=len(text))))
    bounds = [0, *[cut for cut in cuts if cut < len(text)], len(text)]
    return [text[start:end] for start, end in itertools.pairwise(bounds)]


class MarkdownPage:
    """Markdown mode's body as htmx 2 changes it (the ``sse.markdown_body`` macro's listeners).

    ``append`` adds elements at the body's end, ``tail`` replaces its last element, an unnamed
    message (``message``) appends into the marker of its last element; a ``fragment`` before the end puts the body back
    (the block around it, re-rendered). Each frame is checked as htmx would need it: a ``tail`` or
    growth always has its target.
    """

    OPEN, CLOSE = GROW_MARKER.removesuffix("</span>"), "</span>"

    def __init__(self) -> None:
        self.elements: list[str] = []

    def apply(self, event: str, data: str) -> None:
        if event == "append":
            self.elements += top_level_elements(data)
        elif event == "tail":
            assert self.elements, "a tail frame with no element to replace"
            self.elements[-1:] = top_level_elements(data)
        elif event == "message":
            assert self.elements and self.OPEN in self.elements[-1], "a growth with no marker to grow into"
            assert data.strip() and "span" not in data
            last = self.elements[-1]
            end = last.index(self.CLOSE, last.index(self.OPEN) + len(self.OPEN))
            self.elements[-1] = last[:end] + data + last[end:]
        elif event == "fragment":
            start = f"<div {BODY_ATTRIBUTE}>"
            assert start in data, "the block's first render holds the body"
            body = data[data.index(start) + len(start) :]
            self.elements = top_level_elements(body[: body.rindex("</div>")])

    def shown(self) -> str:
        """The body's HTML without the markers (what a reader sees), wrapper ``<div>`` s left in."""
        html = "".join(self.elements)
        while self.OPEN in html:
            start = html.index(self.OPEN)
            end = html.index(self.CLOSE, start + len(self.OPEN))
            html = html[:start] + html[start + len(self.OPEN) : end] + html[end + len(self.CLOSE) :]
        return html


_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")
_VOID = frozenset({"br", "hr"})


def top_level_elements(html: str) -> list[str]:
    """``html``'s top-level elements, each whole (the whitespace between them dropped)."""
    elements, depth, start = [], 0, 0
    for match in _TAG.finditer(html):
        closing, name = match.groups()
        if name in _VOID:
            if depth == 0:
                elements.append(match.group())
            continue
        if not closing:
            if depth == 0:
                start = match.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                elements.append(html[start : match.end()])
    assert depth == 0, html
    return elements


def without_tags(html: str) -> str:
    """The text a reader sees in ``html``, whitespace removed (what growth may not change)."""
    return "".join(_TAG.sub("", html).split())
