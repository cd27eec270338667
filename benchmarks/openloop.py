"""``python -m benchmarks.openloop``: the highest arrival rate each variant sustains (open loop).

The burst scenario (``python -m benchmarks``) opens C streams within one second, so on uvloop
the kernel's accept queue decides the outcome. Real users arrive independently: here streams
arrive as a Poisson process at rate λ per second (each 200 tokens at 50 tokens/s, 4 s ideal),
for ``--duration`` seconds, on one worker pinned to one core. A rate is *sustained* when no
stream fails, the p99 completion is within 1.1x of ideal and the p99 gap between frames is
under 250 ms (a page updating less often looks stuck). λ doubles while it is sustained (or
halves while it is not), then one bisection step refines it; the report gives the highest sustained λ and
how many streams were open at once at that rate (about 4 s x λ).

Usage: ``python -m benchmarks.openloop [--variants naive,handwritten,ff-replace] [--loop asyncio]``
Loopback only; every run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from benchmarks.__main__ import Server
from benchmarks.client import Stream, percentile, poisson_arrivals, run_streams

TOKENS, RATE = 200, 50.0
IDEAL = TOKENS / RATE
MAX_P99_RATIO, MAX_GAP_P99 = 1.1, 0.25
DEFAULT_VARIANTS = ("naive", "handwritten", "ff-replace", "ff-append", "ff-markdown")


@dataclass
class Step:
    """One arrival rate's outcome on one variant."""

    rate: float
    streams: int
    failed: int
    p99_ratio: float
    gap_p99: float
    peak_open: int

    @property
    def sustained(self) -> bool:
        return self.failed == 0 and self.p99_ratio <= MAX_P99_RATIO and self.gap_p99 < MAX_GAP_P99

    def __str__(self) -> str:
        mark = "ok" if self.sustained else "✗"
        return (
            f"λ={self.rate:g}/s: {self.streams} streams, peak {self.peak_open} open, p99 {self.p99_ratio:.2f}x, "
            f"gap p99 {self.gap_p99 * 1e3:.0f} ms, {self.failed} failed {mark}"
        )


def peak_open(arrivals: list[float], streams: list[Stream]) -> int:
    """The most streams open at once (from each stream's arrival and completion)."""
    edges = []
    for start, stream in zip(arrivals, streams, strict=True):
        edges += [(start, 1), (start + (stream.completed or IDEAL * 5), -1)]
    open_now = peak = 0
    for _, change in sorted(edges):
        open_now += change
        peak = max(peak, open_now)
    return peak


def run_rate(server: Server, rate: float, duration: float) -> Step:
    arrivals = poisson_arrivals(rate, duration)
    path = f"/?n={TOKENS}&rate={RATE}"
    timeout = duration + IDEAL * 5 + 20
    streams = asyncio.run(run_streams(server.port, path, len(arrivals), timeout=timeout, arrivals=arrivals))
    completions = [s.completed / IDEAL for s in streams if s.completed is not None and not s.error]
    failed = sum(1 for s in streams if s.error or not s.done or not s.status_ok)
    gaps = [gap for s in streams for gap in s.gaps]
    return Step(
        rate, len(streams), failed, percentile(completions, 0.99), percentile(gaps, 0.99), peak_open(arrivals, streams)
    )


def highest_sustained(variant: str, loop: str, start: float, duration: float) -> list[Step]:
    """From ``start``, double λ while sustained (or halve it while not), then bisect once between
    the highest sustained rate and the lowest that was not."""
    steps: list[Step] = []

    def run(rate: float) -> Step:
        steps.append(run_rate(server, rate, duration))
        print(f"  {variant}: {steps[-1]}", flush=True)
        return steps[-1]

    with Server(variant, loop) as server:
        asyncio.run(run_streams(server.port, "/?n=50&rate=0", 1, timeout=30))  # warm up
        first = run(start)
        factor = 2.0 if first.sustained else 0.5
        rate = start * factor
        while rate >= 1 and run(rate).sustained == first.sustained:
            rate *= factor
        good = [step.rate for step in steps if step.sustained]
        bad = [step.rate for step in steps if not step.sustained]
        if good and bad:
            run((max(good) + min(bad)) / 2)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--start", type=float, default=25.0, help="the first arrival rate (streams/s)")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of arrivals per rate")
    args = parser.parse_args()
    began = time.perf_counter()
    rows = []
    for variant in args.variants.split(","):
        steps = highest_sustained(variant, args.loop, args.start, args.duration)
        best = max((step for step in steps if step.sustained), key=lambda step: step.rate, default=None)
        rows.append(
            f"| {variant} | {best.rate:g} | {best.peak_open} | {best.p99_ratio:.2f}x | {best.gap_p99 * 1e3:.0f} |"
            if best
            else f"| {variant} | < {args.start:g} | | | |"
        )
    print(f"\nopen loop on {args.loop}, {args.duration:g} s of Poisson arrivals per rate, streams of {TOKENS} tokens")
    print(f"at {RATE:g} tokens/s; sustained = no failure, p99 completion <= {MAX_P99_RATIO}x ideal, gap p99 < 250 ms")
    print("| variant | highest sustained λ (streams/s) | open at once | p99 completion | gap p99 ms |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
