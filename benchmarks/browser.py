"""``python -m benchmarks.browser``: from a token leaving the model to its text in the page's DOM, in
Chromium with htmx 2.

Debian's headless ``/usr/bin/chromium`` (driven by Playwright, as ``tests/browser`` does; no
browser download) opens a page whose htmx 2 ``sse-connect`` streams a 200-token answer at 50
tokens/s from one variant's server (pinned to core 0, as in the suite). The server notes the
``time.perf_counter()`` at which each token leaves the synthetic model; a ``MutationObserver`` on
the swap target notes when the target's text first holds it (``performance.timeOrigin +
performance.now()``, mapped onto the server's clock by the round trip to the page with the
smallest delay). Each token's latency is the difference: what the server's pacing adds, the
wire, the browser's ``EventSource``, htmx's swap. "Of which in the browser" is the part from
htmx's ``htmx:sseBeforeMessage`` event to the DOM change.

Two loads per variant: the page's stream alone (``C=1``), and the page as one of ``--streams``
open streams (default 500), the others plain HTTP SSE clients (``benchmarks/client.py``, in a
process of their own) arriving evenly over 5 s at the same 50 tokens/s. The driver, Chromium
and the load client share core 1. ``--pages`` answers are measured per load (200 tokens each).
The naive pattern falls behind at 500 streams (``python -m benchmarks``): its page then does not
even load within a minute, which the row reports instead of figures.

Usage: ``python -m benchmarks.browser [--variants handwritten,ff-replace] [--streams 500]
[--pages 3] [--loop asyncio]``. Loopback only; every run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from benchmarks.answer import answer_tokens
from benchmarks.client import percentile, run_streams

CHROMIUM = Path("/usr/bin/chromium")
VENDOR = Path(__file__).parents[1] / "demo_app" / "static" / "vendor" / "htmx2"
CHROMIUM_FLAGS = [  # as tests/browser/conftest.py
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKENS, RATE, RAMP = 200, 50.0, 5.0
PAGE_TIMEOUT = 60.0

#: The page: the wiring `fragments/htmx.html`'s `sse.connect` and `sse.swap` macros write, and an
#: observer noting (text length, time) at every change of the answer's element.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>browser bench</title>
<script src="/vendor/htmx.min.js"></script><script src="/vendor/sse.js"></script>
<script>
window.__dom = []; window.__messages = [];
window.__now = () => performance.timeOrigin + performance.now();
document.addEventListener("htmx:sseBeforeMessage", () => window.__messages.push(window.__now()));
</script></head>
<body>
<div hx-ext="sse" sse-connect="__URL__" sse-close="done" hx-disinherit="*">
<div id="sources" sse-swap="sources" hx-target="this" hx-swap="innerHTML"></div>
<div id="response" sse-swap="fragment" hx-target="this" hx-swap="innerHTML"></div>
</div>
<script>
const target = document.getElementById("response");
new MutationObserver(() => window.__dom.push([target.textContent.length, window.__now()]))
  .observe(target, {childList: true, subtree: true, characterData: true});
</script>
</body></html>"""


def routes(stamps: dict[str, list[float]]) -> list[Route]:
    """The bench server's extra routes in browser mode: the page, htmx 2's scripts, the token times."""

    async def page(request: Request) -> Response:
        query = request.query_params
        url = f"/?n={int(query['n'])}&rate={float(query['rate']):g}&stamp={query['stamp']}"
        return HTMLResponse(PAGE.replace("__URL__", html.escape(url)))

    async def vendor(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in {"htmx.min.js", "sse.js"}:
            return Response(status_code=404)
        return Response((VENDOR / name).read_bytes(), media_type="text/javascript")

    async def take(request: Request) -> Response:
        return JSONResponse(stamps.pop(request.query_params["id"], []))

    return [Route("/page", page), Route("/vendor/{name}", vendor), Route("/_stamps", take)]


@dataclass
class Result:
    """One variant at one load: every token's latency, over every measured page."""

    latencies: list[float] = field(default_factory=list)  # model -> DOM, seconds
    in_browser: list[float] = field(default_factory=list)  # htmx's message event -> DOM
    frames: list[int] = field(default_factory=list)  # DOM changes per answer
    offset_error: list[float] = field(default_factory=list)  # half the best calibration round trip
    background: dict[str, float] = field(default_factory=dict)
    failure: str | None = None  # why the answers could not be measured (e.g. the page timed out)


async def clock_offset(page: Any, rounds: int = 30) -> tuple[float, float]:
    """(browser clock - perf_counter, in seconds; its uncertainty): the round trip with the least delay."""
    best = (float("inf"), 0.0)
    for _ in range(rounds):
        before = time.perf_counter()
        browser_ms = await page.evaluate("window.__now()")
        after = time.perf_counter()
        best = min(best, (after - before, browser_ms / 1e3 - (before + after) / 2))
    return best[1], best[0] / 2


def _get_json(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


async def measure_page(page: Any, port: int, stamp: str, result: Result) -> None:
    """Stream one answer into the page; add each token's latency to ``result``."""
    tokens = answer_tokens(TOKENS)
    total = sum(len(token) for token in tokens)
    await page.goto(f"http://127.0.0.1:{port}/page?n={TOKENS}&rate={RATE:g}&stamp={stamp}", timeout=PAGE_TIMEOUT * 1e3)
    await page.wait_for_function(
        f"window.__dom.length > 0 && window.__dom[window.__dom.length - 1][0] >= {total}",
        timeout=PAGE_TIMEOUT * 1e3,
    )
    dom: list[list[float]] = await page.evaluate("window.__dom")
    messages: list[float] = await page.evaluate("window.__messages")
    offset, error = await clock_offset(page)
    departures: list[float] = _get_json(port, f"/_stamps?id={stamp}")
    if len(departures) != len(tokens):
        raise RuntimeError(f"{len(departures)} token times for {len(tokens)} tokens")
    result.offset_error.append(error)
    result.frames.append(len(dom))
    lengths = list(itertools.accumulate(len(token) for token in tokens))
    change = 0
    for length, departed in zip(lengths, departures, strict=True):
        while dom[change][0] < length:  # the first change whose text holds this token
            change += 1
        shown = dom[change][1]
        result.latencies.append(shown / 1e3 - offset - departed)
        message = max((at for at in messages if at <= shown), default=None)
        if message is not None:
            result.in_browser.append((shown - message) / 1e3)


def _background(port: int, count: int, tokens: int, results: Any) -> None:
    """The other open streams: plain SSE clients, in their own process."""
    streams = asyncio.run(
        run_streams(port, f"/?n={tokens}&rate={RATE:g}", count, timeout=tokens / RATE * 5 + 30, ramp=RAMP)
    )
    ideal = tokens / RATE
    completions = [s.completed / ideal for s in streams if s.completed is not None and not s.error]
    results.put(
        {
            "failed": sum(1 for s in streams if s.error or not s.done or not s.status_ok),
            "p99": percentile(completions, 0.99),
            "gap_p99": percentile([gap for s in streams for gap in s.gaps], 0.99),
        }
    )


async def measure(variant: str, args: argparse.Namespace, results: dict[tuple[str, int], Result]) -> None:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    from benchmarks.__main__ import Server

    with Server(variant, args.loop, env={"BENCH_BROWSER": "1"}) as server:
        async with async_playwright() as playwright:
            with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
                context = await playwright.chromium.launch_persistent_context(
                    profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
                )
                try:
                    page = await context.new_page()
                    stamps = (f"{variant}-{index}" for index in itertools.count())
                    await measure_page(page, server.port, next(stamps), Result())  # warm up
                    for level in (1, args.streams):
                        result = results.setdefault((variant, level), Result())
                        print(f"… {variant}, page among {level} open streams", file=sys.stderr, flush=True)
                        if level == 1:
                            for _ in range(args.pages):
                                await measure_page(page, server.port, next(stamps), result)
                            continue
                        background_tokens = int((RAMP + 1 + args.pages * (TOKENS / RATE + 1.5) + 4) * RATE)
                        queue: Any = multiprocessing.get_context("spawn").Queue()
                        load = multiprocessing.get_context("spawn").Process(
                            target=_background, args=(server.port, level - 1, background_tokens, queue)
                        )
                        load.start()
                        try:
                            await asyncio.sleep(RAMP + 1)  # all open
                            try:
                                for _ in range(args.pages):
                                    await measure_page(page, server.port, next(stamps), result)
                            except PlaywrightError as exc:
                                result.failure = str(exc).splitlines()[0]
                            result.background = await asyncio.to_thread(queue.get, True, background_tokens / RATE * 6)
                        finally:
                            load.join(10)
                            if load.is_alive():
                                load.kill()
                finally:
                    await context.close()


def _ms(values: list[float]) -> str:
    return f"{percentile(values, 0.5) * 1e3:.1f} / {percentile(values, 0.99) * 1e3:.1f}"


def render(results: dict[tuple[str, int], Result], args: argparse.Namespace, elapsed: float) -> str:
    lines = [
        f"`python -m benchmarks.browser {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        f"({elapsed:.0f} s; Python {sys.version.split()[0]}; {args.loop} event loop; headless Chromium, htmx 2; "
        f"{args.pages} answers of {TOKENS} tokens at {RATE:g} tokens/s per row; server on core 0, browser and "
        "load client on core 1)",
        "",
        "| variant | open streams | token → DOM p50 / p99 ms | of which in the browser p50 / p99 ms "
        "| DOM changes / answer | the other streams: p99 completion, gap p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for (variant, level), result in results.items():
        if result.failure:
            lines.append(f"| {variant} | {level} | not measured: {result.failure} | | | |")
            continue
        others = result.background
        other = (
            f"{others['p99']:.2f}x, {others['gap_p99'] * 1e3:.0f}"
            + (f", {others['failed']:.0f} failed" if others["failed"] else "")
            if others
            else "-"
        )
        lines.append(
            f"| {variant} | {level} | {_ms(result.latencies)} | {_ms(result.in_browser)} "
            f"| {statistics.mean(result.frames):.0f} | {other} |"
        )
    errors = [error for result in results.values() for error in result.offset_error] or [float("nan")]
    lines += [
        "",
        f"Clock mapping uncertainty (half the best round trip to the page): at most {max(errors) * 1e3:.2f} ms.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.browser", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default="handwritten,ff-replace")
    parser.add_argument("--streams", type=int, default=500, help="open streams, the page's included")
    parser.add_argument("--pages", type=int, default=3, help="answers measured per variant and load")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run scripts/ensure-system-packages.sh chromium")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    from benchmarks.__main__ import CLIENT_CORE

    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 0) > CLIENT_CORE:
        os.sched_setaffinity(0, {CLIENT_CORE})  # Chromium and the load client inherit it
    began = time.perf_counter()
    results: dict[tuple[str, int], Result] = {}
    for variant in args.variants.split(","):
        asyncio.run(measure(variant, args, results))
    print(render(results, args, time.perf_counter() - began))


if __name__ == "__main__":
    main()
