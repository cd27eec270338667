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
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from benchmarks.client import Stream, percentile, run_streams

#: Filled in the server process once ``/_trace`` was first asked for (so that a memory figure
#: taken before is not skewed): accept and app-entry times by client port, loop-lag samples, and
#: the pauses of full garbage collections.
ACCEPTED: dict[int, float] = {}
ENTERED: dict[int, float] = {}
LAG: list[float] = []
FULL_GC: list[float] = []
_armed = False
_gc_started = 0.0


def _time_full_collections(phase: str, info: dict[str, int]) -> None:
    global _gc_started
    if not _armed or info["generation"] != 2:
        return
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        FULL_GC.append(time.perf_counter() - _gc_started)


class TracingProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, noting when each connection was accepted."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if _armed:
            ACCEPTED[transport.get_extra_info("peername")[1]] = time.perf_counter()
        super().connection_made(transport)


class TracingApp:
    """Notes when each request reaches the app, samples the loop's lag, and serves ``/_trace``.

    ``GET /_trace`` returns what was recorded since the previous call (as JSON) and starts over;
    the first call starts the recording.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        gc.callbacks.append(_time_full_collections)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        global _armed
        if scope["type"] == "http" and scope["path"] == "/_trace":
            if not _armed:
                _armed = True
                asyncio.get_running_loop().create_task(_sample_lag())
            body = json.dumps({"accepted": ACCEPTED, "entered": ENTERED, "lag": LAG, "gc": FULL_GC}).encode()
            ACCEPTED.clear()
            ENTERED.clear()
            LAG.clear()
            FULL_GC.clear()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and _armed:
            ENTERED[scope["client"][1]] = time.perf_counter()
        await self.app(scope, receive, send)


async def _sample_lag() -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.005)
        LAG.append(loop.time() - before - 0.005)


def read_trace(port: int) -> dict[str, Any]:
    """What a tracing server recorded since the last call (the first call starts its recording)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_trace") as response:
        trace: dict[str, Any] = json.loads(response.read())
    return trace


@dataclass
class Waits:
    """Where each stream's first frame waited (seconds, one entry per traced stream)."""

    queued: list[float]  # in the accept queue: from the client's connect to uvicorn's connection_made
    to_app: list[float]  # from the accept to the request reaching the app (request parsing)
    to_frame: list[float]  # from the app to the first frame: time to first frame beyond request parsing


def split_waits(streams: list[Stream], trace: dict[str, Any]) -> Waits:
    """Each stream's wait for its first frame, split by the server's trace."""
    waits = Waits([], [], [])
    for stream in streams:
        port = str(stream.local_port)
        accepted, entered = trace["accepted"].get(port), trace["entered"].get(port)
        if accepted is None or entered is None or stream.first_frame is None:
            continue
        waits.queued.append(accepted - stream.connected_at)
        waits.to_app.append(entered - accepted)
        waits.to_frame.append(stream.connected_at + stream.first_frame - entered)
    return waits


def _ms(values: list[float]) -> str:
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    return f"p50 {p50 * 1e3:.0f} / p99 {p99 * 1e3:.0f} / max {max(values) * 1e3:.0f} ms"


def main() -> None:
    from benchmarks.__main__ import Server

    parser = argparse.ArgumentParser(prog="python -m benchmarks.trace", description=__doc__)
    parser.add_argument("variant")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args()
    with Server(args.variant, args.loop, trace=True) as server:
        asyncio.run(run_streams(server.port, "/?n=50&rate=0", 1, timeout=30))  # warm up
        read_trace(server.port)  # start recording
        streams: list[Stream] = asyncio.run(
            run_streams(server.port, "/?n=200&rate=50", args.streams, timeout=60, ramp=1.0)
        )
        trace = read_trace(server.port)
    waits = split_waits(streams, trace)
    completions = [s.completed / 4 for s in streams if s.completed]
    print(f"{args.variant}, {args.streams} streams at 50 tokens/s, {args.loop} event loop:")
    p50, p99 = percentile(completions, 0.5), percentile(completions, 0.99)
    print(f"  completion vs ideal 4 s: p50 {p50:.2f}x / p99 {p99:.2f}x")
    print(f"  time to first frame:   {_ms([s.first_frame for s in streams if s.first_frame is not None])}")
    print(f"    in the accept queue: {_ms(waits.queued)}")
    print(f"    accept to app:       {_ms(waits.to_app)}")
    print(f"    app to first frame:  {_ms(waits.to_frame)}")
    print(f"  event-loop lag (5 ms timer, {len(trace['lag'])} samples): {_ms(trace['lag'])}")
    pauses = ", ".join(f"{pause * 1e3:.0f}" for pause in trace["gc"]) or "none"
    print(f"  full garbage collections meanwhile (ms): {pauses}")


if __name__ == "__main__":
    main()
