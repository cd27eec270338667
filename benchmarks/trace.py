"""``python -m benchmarks.trace VARIANT [--loop L] [--streams C]``: where a new stream's first frame waits.

Runs ``C`` streams of 200 tokens at 50 tokens/s, started over one second, against a server that
records when uvicorn accepted each connection and when the request reached the app, samples
how late its event loop runs a 5 ms timer, and times its full garbage collections.
``time.perf_counter`` is the same clock in both processes (``CLOCK_MONOTONIC``), so each
stream's wait splits into: the accept queue (from the client's connect to uvicorn's
``connection_made``), accept to app, and app to first frame ("beyond request parsing").

A first frame that waits in the accept queue while the loop's lag stays small means the server
is not accepting fast enough, not that it is too busy to answer: libuv (in uvloop) accepts one
connection per event-loop iteration; asyncio's loop accepts up to 100.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import urllib.request
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from benchmarks.client import Stream, run_streams

#: Filled in the server process: accept and app-entry times by client port, loop-lag samples,
#: and the pauses of full garbage collections.
ACCEPTED: dict[int, float] = {}
ENTERED: dict[int, float] = {}
LAG: list[float] = []
FULL_GC: list[float] = []
_gc_started = 0.0


def _time_full_collections(phase: str, info: dict[str, int]) -> None:
    global _gc_started
    if info["generation"] != 2:
        return
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        FULL_GC.append(time.perf_counter() - _gc_started)


class TracingProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, noting when each connection was accepted."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        ACCEPTED[transport.get_extra_info("peername")[1]] = time.perf_counter()
        super().connection_made(transport)


class TracingApp:
    """Notes when each request reaches the app, serves ``/_trace``, and samples the loop's lag."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.sampler: asyncio.Task[None] | None = None
        gc.callbacks.append(_time_full_collections)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            ENTERED[scope["client"][1]] = time.perf_counter()
            if self.sampler is None:
                self.sampler = asyncio.get_running_loop().create_task(_sample_lag())
            if scope["path"] == "/_trace":
                body = json.dumps({"accepted": ACCEPTED, "entered": ENTERED, "lag": LAG, "gc": FULL_GC}).encode()
                ACCEPTED.clear()
                ENTERED.clear()
                LAG.clear()
                FULL_GC.clear()
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def _sample_lag() -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.005)
        LAG.append(loop.time() - before - 0.005)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _ms(values: list[float]) -> str:
    return f"p50 {_pct(values, 0.5) * 1e3:.0f} / p99 {_pct(values, 0.99) * 1e3:.0f} / max {max(values) * 1e3:.0f} ms"


def main() -> None:
    from benchmarks.__main__ import Server

    parser = argparse.ArgumentParser(prog="python -m benchmarks.trace", description=__doc__)
    parser.add_argument("variant")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args()
    with Server(args.variant, args.loop, trace=True) as server:
        asyncio.run(run_streams(server.port, "/?n=50&rate=0", 1, timeout=30))  # warm up
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/_trace").read()  # forget the warm-up
        streams: list[Stream] = asyncio.run(
            run_streams(server.port, "/?n=200&rate=50", args.streams, timeout=60, ramp=1.0)
        )
        trace: dict[str, Any] = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{server.port}/_trace").read())
    queued, to_app, to_frame = [], [], []
    for stream in streams:
        accepted, entered = trace["accepted"].get(str(stream.local_port)), trace["entered"].get(str(stream.local_port))
        if accepted is None or entered is None or stream.first_frame is None:
            continue
        queued.append(accepted - stream.connected_at)
        to_app.append(entered - accepted)
        to_frame.append(stream.connected_at + stream.first_frame - entered)
    completions = [s.completed / 4 for s in streams if s.completed]
    print(f"{args.variant}, {args.streams} streams at 50 tokens/s, {args.loop} event loop:")
    print(f"  completion vs ideal 4 s: p50 {_pct(completions, 0.5):.2f}x / p99 {_pct(completions, 0.99):.2f}x")
    print(f"  time to first frame:   {_ms([s.first_frame for s in streams if s.first_frame is not None])}")
    print(f"    in the accept queue: {_ms(queued)}")
    print(f"    accept to app:       {_ms(to_app)}")
    print(f"    app to first frame:  {_ms(to_frame)}")
    print(f"  event-loop lag (5 ms timer, {len(trace['lag'])} samples): {_ms(trace['lag'])}")
    pauses = ", ".join(f"{pause * 1e3:.0f}" for pause in trace["gc"]) or "none"
    print(f"  full garbage collections meanwhile (ms): {pauses}")


if __name__ == "__main__":
    main()
