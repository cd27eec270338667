"""``python -m benchmarks.gcpause``: full garbage-collection pauses with C streams open, with and without
``freeze_after_startup()``.

A full (generation 2) collection walks every object the collector tracks while the event loop,
and so every open stream, waits. For each variant, two fresh servers run the same load: one as
is (``default``) and one that calls ``freeze_after_startup()`` in its lifespan (``freeze``, the
recommended setting). Each gets ``--streams`` streams of 16 s at ``--rate`` tokens/s (default 50),
arriving evenly over 5 s (a burst in one second would leave most of them in uvloop's accept
queue, holding nothing in the app); once they are all open, the client asks the server to run a full
collection (``GET /_gc``: ``gc.collect()`` timed in the event-loop thread, exactly the work an
automatic full collection does) ``--collections`` times, a second apart. Reported per variant
and setting:

- the forced full-GC pause (p50 and max over every collection of every repeat);
- the objects that collection had to walk (tracked, not frozen) and the frozen ones;
- GC-tracked objects per open stream: objects alive after a collection with the streams open,
  less those alive with none open, over the requests the app had in flight (the server counts
  them; one wrapper coroutine per request is the bench's own);
- the full collections the interpreter started on its own while the streams arrived (before the
  first forced one), with their pauses;
- the streams' completion p99 against the ideal 16 s.

The naive and hand-written patterns fall behind at 1000 streams of 50 tokens/s, and on uvloop
most of their streams then wait in the accept queue, outside the app: "streams in the app" says
how many the pause was measured with. ``--rate 10`` compares every variant at 1000 in the app.

The bench's app is a small Starlette app (about 36,000 GC-tracked objects at start-up). A real
one imports SDKs: ``--startup-heap sdk`` also imports the openai and anthropic SDKs and creates a
client of each in the lifespan (about 230,000 objects in all), as an app would before it serves.
"Idle" is the pause of a full collection with no stream open: what the start-up heap alone costs.

Usage: ``python -m benchmarks.gcpause [--variants naive,handwritten,ff-replace] [--streams 1000]
[--rate 10] [--startup-heap sdk] [--types] [--loop asyncio] [--repeat 2]``. Loopback only; every
run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from benchmarks.client import percentile, run_streams

IDEAL, RAMP = 16.0, 5.0  # seconds: each stream's length, and the time over which they arrive
FIRST_COLLECTION = RAMP + 1.5  # seconds after the first stream starts: all are open by then, none ended
SETTINGS = ("default", "freeze")
DEFAULT_VARIANTS = ("naive", "handwritten", "ff-replace")
TARGET_MS = 50


class CollectingApp:
    """Counts the requests in flight, times the full collections the interpreter starts on its
    own, and serves ``GET /_gc``: a timed full collection and what it left (as JSON)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open = 0
        self.natural: list[float] = []
        self._forcing = False
        self._started = 0.0
        gc.callbacks.append(self._time_natural)

    def _time_natural(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2 or self._forcing:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.natural.append(time.perf_counter() - self._started)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_gc":
            await self._collect(send, types=b"types=1" in scope["query_string"])
            return
        self.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1

    async def _collect(self, send: Send, *, types: bool) -> None:
        self._forcing = True
        started = time.perf_counter()
        gc.collect()
        pause = time.perf_counter() - started
        self._forcing = False
        result = {
            "pause": pause,
            "walked": len(gc.get_objects()),
            "frozen": gc.get_freeze_count(),
            "open": self.open,
            "natural": self.natural,
        }
        if types:  # after the timed part: counting by type takes about as long again
            result["types"] = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
        self.natural = []
        body = json.dumps(result).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def collect(port: int, *, types: bool = False) -> dict[str, Any]:
    """Ask the server for a timed full collection (HTTP/1.0: the server closes after the body);
    ``types``: also the objects left, counted by type."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /_gc{'?types=1' if types else ''} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    result: dict[str, Any] = json.loads(data.partition(b"\r\n\r\n")[2])
    return result


@dataclass
class Outcome:
    """What one (variant, setting) measured, over every repeat."""

    pauses: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)
    walked: list[int] = field(default_factory=list)
    frozen: list[int] = field(default_factory=list)
    per_stream: list[float] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)
    types: dict[str, float] = field(default_factory=dict)  # GC-tracked objects per open stream, by type
    natural: list[float] = field(default_factory=list)
    completion_p99: list[float] = field(default_factory=list)
    failed: int = 0


async def _run(port: int, streams: int, rate: float, collections: int, outcome: Outcome, types: bool) -> None:
    await collect(port)  # start-up and warm-up garbage gone; natural pauses so far dropped
    idle = await collect(port, types=types)
    outcome.idle.append(idle["pause"])
    path = f"/?n={int(IDEAL * rate)}&rate={rate:g}"
    load = asyncio.create_task(run_streams(port, path, streams, timeout=IDEAL * 5 + 20, ramp=RAMP))
    await asyncio.sleep(FIRST_COLLECTION)
    for index in range(collections):
        sample = await collect(port, types=types and index == 0)
        in_flight = sample["open"] - idle["open"]
        outcome.pauses.append(sample["pause"])
        outcome.walked.append(sample["walked"])
        outcome.frozen.append(sample["frozen"])
        outcome.in_flight.append(in_flight)
        if index == 0:  # later ones follow forced collections, which reset the interpreter's count
            outcome.natural += sample["natural"]
        if "types" in sample and in_flight > 0:
            for name, count in sample["types"].items():
                outcome.types[name] = (count - idle["types"].get(name, 0)) / in_flight
        if in_flight > 0:
            alive, alive_idle = sample["walked"] + sample["frozen"], idle["walked"] + idle["frozen"]
            outcome.per_stream.append((alive - alive_idle) / in_flight)
        await asyncio.sleep(1.0)
    done = await load
    completions = [s.completed / IDEAL for s in done if s.completed is not None and not s.error]
    outcome.completion_p99.append(percentile(completions, 0.99))
    outcome.failed += sum(1 for s in done if s.error or not s.done or not s.status_ok)


def measure(variant: str, setting: str, args: argparse.Namespace, outcome: Outcome) -> None:
    from benchmarks.__main__ import Server

    env = {"BENCH_GC": setting, "BENCH_STARTUP_HEAP": args.startup_heap}
    with Server(variant, args.loop, env=env) as server:
        asyncio.run(run_streams(server.port, "/?n=50&rate=0", 1, timeout=30))  # warm up: templates compiled
        types = args.types and setting == "default"
        asyncio.run(_run(server.port, args.streams, args.rate, args.collections, outcome, types))


def _short(name: str) -> str:
    return name.removeprefix("builtins.")


def _ms(values: list[float]) -> str:
    return ", ".join(f"{value * 1e3:.0f}" for value in values) if values else "none"


def render(outcomes: dict[tuple[str, str], Outcome], args: argparse.Namespace, elapsed: float) -> str:
    lines = [
        f"`python -m benchmarks.gcpause {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        f"({elapsed:.0f} s; Python {sys.version.split()[0]}; {args.loop} event loop; {args.streams} streams of "
        f"{int(IDEAL * args.rate)} tokens at {args.rate:g} tokens/s arriving over {RAMP:g} s; "
        f"{args.collections} forced full collections per run, {args.repeat} run(s) per setting; "
        f"start-up heap: {args.startup_heap})",
        "",
        "| variant | GC setting | idle full-GC pause ms | streams in the app | full-GC pause p50 / max ms "
        "| objects walked | frozen "
        "| GC-tracked objects / open stream | full GCs the interpreter ran as streams arrived (pause ms) "
        "| completion p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (variant, setting), out in outcomes.items():
        p99 = max(out.completion_p99) if out.completion_p99 else float("nan")
        pauses = f"{statistics.median(out.pauses) * 1e3:.1f} / {max(out.pauses) * 1e3:.1f}"
        lines.append(
            f"| {variant} | {setting} | {statistics.median(out.idle) * 1e3:.1f} | {min(out.in_flight)} | {pauses} "
            f"| {statistics.median(out.walked):,.0f} | {statistics.median(out.frozen):,.0f} "
            f"| {statistics.median(out.per_stream):.0f} | {len(out.natural)} ({_ms(out.natural)}) "
            f"| {p99:.2f}x{f', {out.failed} failed' if out.failed else ''} |"
        )
    floor = outcomes.get(("floor", "default"))
    for (variant, _), out in outcomes.items():
        if out.types:
            top = sorted(out.types.items(), key=lambda item: -item[1])[:16]
            listed = ", ".join(f"{_short(name)} {count:.0f}" for name, count in top if count >= 0.5)
            lines += ["", f"{variant}: GC-tracked objects per open stream by type (the most): {listed}"]
            if floor and floor.types and out is not floor:
                names = set(out.types) | set(floor.types)
                extra = {name: out.types.get(name, 0) - floor.types.get(name, 0) for name in names}
                more = sorted(((n, c) for n, c in extra.items() if abs(c) >= 0.5), key=lambda item: -item[1])
                listed = ", ".join(f"{_short(name)} {count:+.0f}" for name, count in more)
                lines.append(f"  against floor: {listed}")
    lines += ["", "Ratios within this run (pause p50 with freeze_after_startup() / without):"]
    for variant in args.variants.split(","):
        default, frozen = outcomes.get((variant, "default")), outcomes.get((variant, "freeze"))
        if default and frozen:
            ratio = statistics.median(frozen.pauses) / statistics.median(default.pauses)
            met = "met" if max(frozen.pauses) * 1e3 < TARGET_MS else "missed"
            if args.streams != 1000 or args.rate != 50:
                met = "not this load"
            per_object = statistics.median(p / w for p, w in zip(frozen.pauses, frozen.walked, strict=True))
            lines.append(
                f"- {variant}: {ratio:.2f}x; with freeze p50 {statistics.median(frozen.pauses) * 1e3:.1f} ms, "
                f"max {max(frozen.pauses) * 1e3:.1f} ms (target under {TARGET_MS} ms at C=1000: "
                f"{met}); {per_object * 1e9:.0f} ns per object walked"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gcpause", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="tokens/s per stream")
    parser.add_argument("--types", action="store_true", help="also list each variant's objects per stream by type")
    parser.add_argument(
        "--startup-heap",
        choices=("bench", "sdk"),
        default="bench",
        help="sdk: the server also imports the openai and anthropic SDKs and creates their clients at start-up",
    )
    parser.add_argument("--collections", type=int, default=5, help="forced full collections per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant and setting (alternating)")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    from benchmarks.__main__ import CLIENT_CORE

    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 0) > CLIENT_CORE:
        os.sched_setaffinity(0, {CLIENT_CORE})
    began = time.perf_counter()
    outcomes: dict[tuple[str, str], Outcome] = {}
    for repeat in range(args.repeat):
        for variant in args.variants.split(","):
            order = SETTINGS if repeat % 2 == 0 else SETTINGS[::-1]  # neither always runs first
            for setting in order:
                print(f"… {variant}, {setting} (run {repeat + 1})", file=sys.stderr, flush=True)
                measure(variant, setting, args, outcomes.setdefault((variant, setting), Outcome()))
    print(render(dict(sorted(outcomes.items(), key=_order(args))), args, time.perf_counter() - began))


def _order(args: argparse.Namespace) -> Any:
    variants = args.variants.split(",")
    return lambda item: (variants.index(item[0][0]), SETTINGS.index(item[0][1]))


if __name__ == "__main__":
    main()
