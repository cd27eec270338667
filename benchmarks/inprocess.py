"""Per-token CPU of the streaming path in-process: one replace-mode stream through the HTTP sink.

``python -m benchmarks.inprocess [--tokens 1000] [--runs 3]``: a 1000-token answer, every token
rendered (``min_interval=0``), through ``Producer.pull``/``end`` and the ``Sender`` into a ``send``
that only counts the frames; the best of ``--runs``, in µs per token. No sockets, no uvicorn: the
figure moves with the library's own per-frame work, not with the machine's network stack, which
makes it the steadier one on a shared machine (``README.md``, fifth session). ``benchmarks.parts``
uses its pieces.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

import jinja2
from starlette.types import Message

from fastapi_fragments import HTMX2
from fastapi_fragments._hooks import Hooks
from fastapi_fragments._loop import LoopMonitor
from fastapi_fragments._pace import Pace
from fastapi_fragments._parts_produce import PartBlocks
from fastapi_fragments._plan import TokenPlan, plan_tokens
from fastapi_fragments._produce import Producer
from fastapi_fragments._wire import Delivery, Sender

T = TypeVar("T")

TEMPLATES = jinja2.Environment(
    loader=jinja2.DictLoader({"page.html": '{% block answer %}<div class="answer">{{ text }}</div>{% endblock %}'}),
    autoescape=True,
)


async def paced(items: Iterable[T], delay: float = 0, burst: int = 1) -> AsyncIterator[T]:
    """``items`` with an event-loop turn after each, as from a socket; ``delay`` seconds after every ``burst``."""
    for index, item in enumerate(items, 1):
        yield item
        await asyncio.sleep(delay if index % burst == 0 else 0)


def plan(tokens: Any, templates: jinja2.Environment = TEMPLATES, parts: PartBlocks | None = None) -> TokenPlan:
    """A replace-mode stream of ``page.html``'s ``answer`` block, as the response builds it."""
    return plan_tokens(
        tokens, "page.html", "answer", templates=templates, context_key="text", extra_context=None,
        sources_block=None, sources=None, error_block=None, mode="replace", hooks=Hooks(), parts=parts,
    )  # fmt: skip


async def send_all(producer: Producer, min_interval: float, bytes_per_second: float | None = None) -> int:
    """Run ``producer`` to its end through the HTTP sink (htmx 2 frames) into a ``send`` that only counts
    them; the number of body messages (a send that waited, or any hiccup of the machine, merges frames)."""
    sent = 0

    async def send(message: Message) -> None:
        nonlocal sent
        sent += 1

    async def receive() -> Message:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    monitor = LoopMonitor(shutting_down=lambda: False)
    delivery = Delivery(ping_interval=0, ping_factory=None, send_timeout=None, on_client_close=None, grace_period=1.0)
    pace = Pace(min_interval, bytes_per_second, load=monitor.load)
    await Sender(send, HTMX2(), delivery, monitor).run(receive, 200, [], producer, pace)
    return sent - 1  # the start


async def one_stream(count: int) -> float:
    """Seconds one stream of ``count`` tokens takes, every token rendered and sent."""
    producer = plan(paced(["word "] * count)).producer
    began = time.perf_counter()
    await send_all(producer, 0)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    best = min(asyncio.run(one_stream(args.tokens)) for _ in range(args.runs))
    print(f"{best / args.tokens * 1e6:.2f} µs per token (best of {args.runs}, {args.tokens} tokens, min_interval=0)")


if __name__ == "__main__":
    main()
