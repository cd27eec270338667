"""Per-token CPU of the streaming path in-process: one replace-mode stream through the HTTP sink.

``python -m benchmarks.inprocess [--tokens 1000] [--runs 3]``: a 1000-token answer, every token
rendered (``min_interval=0``), through ``Producer.pull``/``end`` and the ``Sender`` into a
``send`` that does nothing; the best of ``--runs``, in µs per token. No sockets, no uvicorn: the
figure moves with the library's own per-frame work, not with the machine's network stack, which
makes it the steadier one on a shared machine (``README.md``, fifth session).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator

import jinja2
from starlette.types import Message

from fastapi_fragments import HTMX2
from fastapi_fragments._hooks import Hooks
from fastapi_fragments._loop import LoopMonitor
from fastapi_fragments._pace import Pace
from fastapi_fragments._plan import plan_tokens
from fastapi_fragments._wire import Delivery, Sender

TEMPLATES = jinja2.Environment(
    loader=jinja2.DictLoader({"page.html": '{% block answer %}<div class="answer">{{ text }}</div>{% endblock %}'}),
    autoescape=True,
)


async def one_stream(count: int) -> float:
    """Seconds one stream of ``count`` tokens takes, every token rendered and sent."""

    async def tokens() -> AsyncIterator[str]:
        for _ in range(count):
            yield "word "
            await asyncio.sleep(0)  # one event-loop turn per token, as from a socket

    async def send(message: Message) -> None:
        pass

    async def receive() -> Message:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    plan = plan_tokens(
        tokens(), "page.html", "answer", templates=TEMPLATES, context_key="text", extra_context=None,
        sources_block=None, sources=None, error_block=None, mode="replace", hooks=Hooks(),
    )  # fmt: skip
    monitor = LoopMonitor(shutting_down=lambda: False)
    delivery = Delivery(ping_interval=0, ping=bytes, send_timeout=None, on_client_close=None, grace_period=1.0)
    start: Message = {"type": "http.response.start", "status": 200, "headers": []}
    began = time.perf_counter()
    await Sender(send, HTMX2(), delivery, monitor).run(receive, start, plan.producer, Pace(0, load=monitor.load))
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
