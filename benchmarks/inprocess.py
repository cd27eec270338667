"""Per-token CPU of the streaming path in-process: one replace-mode stream through the HTTP sink, and
the hand-written pattern on the same tokens.

``python -m benchmarks.inprocess [--tokens 1000] [--runs 5] [--answer] [--no-turns]``: a 1000-token answer, every
token rendered (``min_interval=0``), through ``Producer.pull``/``end`` and the ``Sender`` into a
``send`` that only counts the frames; then the hand-written pattern of the server bench
(``server.handwritten_frames``, sent as Starlette's ``StreamingResponse`` sends them) into such a
``send``. The runs alternate; the best of each, in µs per token, and their ratio (issue 14: at
most 1.1x). No sockets, no uvicorn: the figures move with the per-frame work in Python, not with
the machine's network stack, which makes them the steadier ones on a shared machine
(``README.md``). The tokens are ``"word "`` (the figures since the fifth session), or with
``--answer`` the server bench's answer, whose paragraphs put newlines in most frames (each one
prefixed with ``data:``, in both patterns). With ``--no-turns`` the tokens come without an
event-loop turn between them (and the send never suspends): the frame path alone, a few µs a
token without the loop's share, whose ratio moves by 1-2% between runs instead of 5%.
``benchmarks.parts`` uses its pieces.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, TypeVar

import jinja2
from starlette.types import Message

from benchmarks.answer import answer_tokens
from benchmarks.server import handwritten_frames
from fastapi_fragments import HTMX2
from fastapi_fragments._hooks import Hooks
from fastapi_fragments._loop import LoopMonitor
from fastapi_fragments._pace import Pace
from fastapi_fragments._parts_produce import PartBlocks
from fastapi_fragments._plan import TokenPlan, TokenStream
from fastapi_fragments._produce import Producer
from fastapi_fragments._wire import Delivery, Sender

T = TypeVar("T")

#: Where a stream's tokens come from: ``paced`` (the figures) or ``unpaced`` (``--no-turns``).
Source = Callable[[Iterable[str]], AsyncIterator[str]]

TEMPLATES = jinja2.Environment(
    loader=jinja2.DictLoader({"page.html": '{% block answer %}<div class="answer">{{ text }}</div>{% endblock %}'}),
    autoescape=True,
)


async def paced(items: Iterable[T], delay: float = 0, burst: int = 1) -> AsyncIterator[T]:
    """``items`` with an event-loop turn after each, as from a socket; ``delay`` seconds after every ``burst``."""
    for index, item in enumerate(items, 1):
        yield item
        await asyncio.sleep(delay if index % burst == 0 else 0)


async def unpaced(items: Iterable[T]) -> AsyncIterator[T]:
    """``items`` without an event-loop turn: the frame path alone (``--no-turns``)."""
    for item in items:
        yield item


def plan(tokens: Any, templates: jinja2.Environment = TEMPLATES, parts: PartBlocks | None = None) -> TokenPlan:
    """A replace-mode stream of ``page.html``'s ``answer`` block, as the response builds it."""
    return TokenStream(
        tokens, "page.html", "answer", context_key="text", extra_context=None,
        sources_block=None, sources=None, error_block=None, mode="replace", parts=parts,
    ).plan_now(templates, Hooks())  # fmt: skip


class _Sends:
    """An ASGI ``send`` that only counts the messages."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, message: Message) -> None:
        self.count += 1


async def send_all(producer: Producer, min_interval: float, bytes_per_second: float | None = None) -> int:
    """Run ``producer`` to its end through the HTTP sink (htmx 2 frames) into a ``send`` that only counts
    them; the number of body messages (a send that waited, or any hiccup of the machine, merges frames)."""
    send = _Sends()

    async def receive() -> Message:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    monitor = LoopMonitor(shutting_down=lambda: False)
    delivery = Delivery(ping_interval=0, ping_factory=None, send_timeout=None, on_client_close=None, grace_period=1.0)
    pace = Pace(min_interval, bytes_per_second, load=monitor.load)
    await Sender(send, HTMX2(), delivery, monitor).run(receive, 200, [], producer, pace)
    return send.count - 1  # the start


async def one_stream(words: Sequence[str], source: Source = paced) -> float:
    """Seconds one stream of ``words`` takes through this library, every token rendered and sent."""
    producer = plan(source(words)).producer
    began = time.perf_counter()
    await send_all(producer, 0)
    return time.perf_counter() - began


async def handwritten(words: Sequence[str], source: Source = paced) -> float:
    """Seconds the same stream takes written by hand, sent as ``StreamingResponse`` sends its body."""
    send, template = _Sends(), TEMPLATES.get_template("page.html")
    began = time.perf_counter()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    async for frame in handwritten_frames(template, "answer", source(words)):
        await send({"type": "http.response.body", "body": frame, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answer", action="store_true", help="the server bench's answer instead of 'word ' tokens")
    parser.add_argument("--no-turns", action="store_true", help="no event-loop turn between tokens")
    args = parser.parse_args()
    words = answer_tokens(args.tokens) if args.answer else ("word ",) * args.tokens
    source: Source = unpaced if args.no_turns else paced
    ours, theirs = [], []
    for _ in range(args.runs):
        ours.append(asyncio.run(one_stream(words, source)))
        theirs.append(asyncio.run(handwritten(words, source)))
    per_token = 1e6 / args.tokens
    print(
        f"{min(ours) * per_token:.2f} µs per token (best of {args.runs}, {args.tokens} tokens, min_interval=0); "
        f"hand-written {min(theirs) * per_token:.2f}: {min(ours) / min(theirs):.2f}x"
    )


if __name__ == "__main__":
    main()
