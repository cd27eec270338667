"""``python -m benchmarks [--quick] [--variants a,b] [--levels 100,500]``: run the suite, print a report.

Each variant gets a fresh uvicorn server pinned to core 0 (``taskset``); this process, the load
client, pins itself to core 1. Server CPU comes from the kernel's per-thread accounting of the
server process (``/proc/<pid>/task/*/schedstat``, in ns), RSS from its resident set (psutil),
sampled while streams are open.
Loopback only; every run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import jinja2

try:
    import psutil
except ModuleNotFoundError as exc:  # the suite's own dependencies are the `bench` extra
    raise SystemExit(f"the benchmarks need {exc.name!r}: pip install -e '.[bench]'") from exc
from markupsafe import escape

from benchmarks.answer import answer_tokens
from benchmarks.client import Stream, percentile, run_streams
from benchmarks.server import EXTRA_VARIANTS, TEMPLATES, VARIANTS
from benchmarks.trace import read_trace, split_waits

SERVER_CORE, CLIENT_CORE = 0, 1
RAMP = 1.0  # seconds over which a load level's streams start


@dataclass
class Settings:
    cpu_streams: int = 10  # unpaced 1000-token streams, one at a time
    cpu_tokens: int = 1000
    bytes_tokens: int = 1000
    bytes_rate: float = 200
    load_levels: tuple[int, ...] = (100, 500, 1000, 2000)
    load_tokens: int = 200
    load_rate: float = 50
    memory_streams: int = 500  # held open (slowly paced) to measure RSS per open stream
    loop: str = "uvloop"  # the servers' event loop: "uvloop" (uvicorn's default when installed) or "asyncio"
    ramp: float = RAMP  # seconds over which a load level's streams start


@dataclass
class Report:
    figures: dict[str, str] = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)


class Server:
    """One variant's uvicorn, pinned to the server core, stopped (by its pid) on exit."""

    def __init__(
        self, variant: str, loop: str = "uvloop", *, trace: bool = False, env: dict[str, str] | None = None
    ) -> None:
        self.variant = variant
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        pin = ["taskset", "-c", str(SERVER_CORE)] if shutil.which("taskset") else []
        command = [*pin, sys.executable, "-m", "benchmarks.server", variant, str(self.port), loop]
        extra = {**({"BENCH_TRACE": "1"} if trace else {}), **(env or {})}  # BENCH_TRACE: see benchmarks/trace.py
        environ = {**os.environ, **extra} if extra else None
        self.popen = subprocess.Popen(command, cwd=os.path.dirname(os.path.dirname(__file__)), env=environ)
        self.process = psutil.Process(self.popen.pid)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server for {self.variant} did not start")

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)

    def cpu(self) -> float:
        """Seconds of CPU the server has used: from schedstat (nanoseconds) where Linux has it.

        psutil's user + system time counts in clock ticks (10 ms): over a few thousand frames
        that is a few microseconds per frame of rounding, as large as the differences measured.
        """
        try:
            return sum(_schedstat_ns(task) for task in Path(f"/proc/{self.popen.pid}/task").iterdir()) / 1e9
        except OSError:
            times = self.process.cpu_times()
            return float(times.user + times.system)

    def rss(self) -> int:
        return int(self.process.memory_info().rss)


def _schedstat_ns(task: Path) -> int:
    return int((task / "schedstat").read_text().split()[0])  # time on the CPU, ns


def _streams(server: Server, count: int, n: int, rate: float, timeout: float, ramp: float = 0.0) -> list[Stream]:
    return asyncio.run(run_streams(server.port, f"/?n={n}&rate={rate}", count, timeout=timeout, ramp=ramp))


def _failed(streams: list[Stream]) -> int:
    return sum(1 for s in streams if s.error or not s.done or not s.status_ok)


def final_html_size(variant: str, n: int) -> int:
    """Bytes of the answer's final HTML, as the page holds it at the end."""
    text = "".join(answer_tokens(n))
    if variant.startswith("ff-markdown"):
        from fastapi_fragments.markdown._streaming import render_markdown

        return len(render_markdown(text).strip().encode())
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    template = env.get_template("bench.html")
    html = "".join(template.blocks["response"](template.new_context({"text": text})))
    if variant.startswith("ff-append"):  # the page's target holds only the text, not the block's wrapper
        html = str(escape(text))
    return len(html.strip().encode())


def measure_cpu(variants: list[str], settings: Settings, reports: dict[str, Report]) -> None:
    """Scenario 1: CPU per frame and per token, unpaced, one stream at a time.

    The machine is shared and its speed drifts by up to 2x within minutes, so the variants'
    servers run side by side and take turns, one stream each per round; each stream is measured
    on its own, and the least disturbed one counts (as timeit does).
    """
    with contextlib.ExitStack() as stack:
        servers = {variant: stack.enter_context(Server(variant, settings.loop)) for variant in variants}
        for server in servers.values():
            _streams(server, 1, 50, 0, 30)  # warm up: imports, template compilation
        samples: dict[str, list[tuple[float, int, float]]] = {variant: [] for variant in variants}
        for _ in range(settings.cpu_streams):
            for variant, server in servers.items():
                cpu0 = server.cpu()
                (stream,) = _streams(server, 1, settings.cpu_tokens, 0, 120)
                samples[variant].append((server.cpu() - cpu0, stream.frames, stream.completed or float("nan")))
    for variant, runs in samples.items():
        figures, raw = reports[variant].figures, reports[variant].raw
        raw["cpu_per_frame_us"] = min(cpu / max(frames, 1) for cpu, frames, _ in runs) * 1e6
        raw["cpu_per_token_us"] = min(cpu for cpu, _, _ in runs) / settings.cpu_tokens * 1e6
        raw["tokens_per_s"] = settings.cpu_tokens / statistics.median(wall for _, _, wall in runs)
        figures["server CPU µs / frame (unpaced, best stream)"] = f"{raw['cpu_per_frame_us']:.1f}"
        figures["server CPU µs / token (unpaced, best stream)"] = f"{raw['cpu_per_token_us']:.1f}"
        figures["frames / answer (unpaced)"] = f"{statistics.mean(frames for _, frames, _ in runs):.0f}"
        figures["tokens/s, one stream"] = f"{raw['tokens_per_s']:,.0f}"


def measure(variant: str, settings: Settings, report: Report) -> None:
    """Scenarios 0, 2 and 3 on a fresh server of ``variant``."""
    figures, raw = report.figures, report.raw
    with Server(variant, settings.loop, trace=True) as server:
        _streams(server, 1, 50, 0, 30)  # warm up: imports, template compilation
        # 0. Memory per open stream, on the fresh server: streams held open at 5 tokens/s for 4 s.
        kib = _peak_rss_growth(server, lambda: _streams(server, settings.memory_streams, 20, 5, 60, ramp=1.0))
        raw["rss_kib_per_stream"] = kib / settings.memory_streams
        figures[f"server RSS KiB / open stream ({settings.memory_streams} open)"] = f"{raw['rss_kib_per_stream']:.1f}"
        # 2. Bytes on the wire at 200 tokens/s.
        ideal = settings.bytes_tokens / settings.bytes_rate
        streams = _streams(server, 4, settings.bytes_tokens, settings.bytes_rate, ideal * 4 + 10)
        wire = statistics.mean(s.bytes for s in streams)
        html = final_html_size(variant, settings.bytes_tokens)
        raw["wire_bytes"], raw["final_html"] = wire, html
        figures[f"bytes on the wire / answer ({settings.bytes_tokens} tok @ {settings.bytes_rate:.0f}/s)"] = (
            f"{wire:,.0f} ({wire / html:.1f}x final HTML {html:,})"
        )
        figures["frames / answer (paced)"] = f"{statistics.mean(s.frames for s in streams):.0f}"
        # 3. Concurrent streams at 50 tokens/s.
        for level in settings.load_levels:
            if not _load_level(server, variant, level, settings, report):
                break


def _peak_rss_growth(server: Server, run: Callable[[], object]) -> float:
    """KiB the server's RSS grew to, at its peak while ``run`` runs, over what it was before."""
    baseline, peak = server.rss(), [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            try:
                peak[0] = max(peak[0], server.rss())
            except psutil.Error:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run()
    finally:
        stop.set()
        sampler.join()
    return max(peak[0] - baseline, 0) / 1024


def _load_level(server: Server, variant: str, level: int, settings: Settings, report: Report) -> bool:
    figures, raw = report.figures, report.raw
    ideal = settings.load_tokens / settings.load_rate
    read_trace(server.port)  # start (over) recording where each first frame waits
    cpu0, wall0 = server.cpu(), time.perf_counter()
    streams = _streams(server, level, settings.load_tokens, settings.load_rate, ideal * 5 + 20, ramp=settings.ramp)
    wall, cpu = time.perf_counter() - wall0, server.cpu() - cpu0
    beyond_parsing = split_waits(streams, read_trace(server.port)).to_frame
    completions = [s.completed / ideal for s in streams if s.completed is not None and not s.error]
    failed = _failed(streams)
    p50, p99 = percentile(completions, 0.5), percentile(completions, 0.99)
    keeps_up = failed == 0 and p99 <= 1.1
    raw[f"p99_ratio_{level}"] = p99
    if keeps_up:
        raw["max_c_keeping_up"] = level
    gaps = [g for s in streams for g in s.gaps]
    ttff = [s.first_frame for s in streams if s.first_frame is not None]
    figures[f"C={level}: completion p50/p99 vs ideal {ideal:.0f} s"] = (
        f"{p50:.2f}x / {p99:.2f}x{'' if keeps_up else ' ✗'}" + (f", {failed} failed" if failed else "")
    )
    figures[f"C={level}: TTFF p50/p99 ms"] = f"{percentile(ttff, 0.5) * 1e3:.1f} / {percentile(ttff, 0.99) * 1e3:.1f}"
    raw[f"ttff_beyond_parsing_p99_{level}"] = percentile(beyond_parsing, 0.99)
    figures[f"C={level}: TTFF beyond request parsing p50/p99 ms"] = (
        f"{percentile(beyond_parsing, 0.5) * 1e3:.1f} / {percentile(beyond_parsing, 0.99) * 1e3:.1f}"
    )
    figures[f"C={level}: inter-frame gap p99 ms"] = f"{percentile(gaps, 0.99) * 1e3:.1f}"
    figures[f"C={level}: server CPU busy"] = f"{cpu / wall:.0%}"
    return p99 <= 3 and failed <= level // 10  # far behind already: higher levels only take longer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (about 3 minutes)")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated, from: " + ", ".join([*VARIANTS, *EXTRA_VARIANTS]),
    )
    parser.add_argument("--levels", default=None, help="concurrency levels, e.g. 100,1000")
    parser.add_argument("--ramp", type=float, default=RAMP, help="seconds over which a load level's streams start")
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="the servers' event loop (uvloop accepts one connection per loop iteration: see README)",
    )
    args = parser.parse_args()
    settings = Settings()
    if args.quick:
        settings = Settings(cpu_streams=6, load_levels=(100, 1000), load_tokens=100, memory_streams=200)
    settings.loop = args.loop
    settings.ramp = args.ramp
    if args.levels:
        settings.load_levels = tuple(int(level) for level in args.levels.split(","))
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > CLIENT_CORE:  # type: ignore[operator]
        os.sched_setaffinity(0, {CLIENT_CORE})
    variants = args.variants.split(",")
    reports: dict[str, Report] = {}
    started = time.perf_counter()
    for variant in variants:
        print(f"… {variant}", file=sys.stderr, flush=True)
        reports[variant] = Report()
        measure(variant, settings, reports[variant])
    print("… CPU per frame, all variants taking turns", file=sys.stderr, flush=True)
    measure_cpu(variants, settings, reports)
    print(render(reports, settings, time.perf_counter() - started, " ".join(sys.argv[1:])))


def render(reports: dict[str, Report], settings: Settings, elapsed: float, argv: str) -> str:
    rows = list(dict.fromkeys(row for report in reports.values() for row in report.figures))
    lines = [
        f"`python -m benchmarks {argv}`".replace(" `", "`"),
        f"({elapsed:.0f} s; Python {sys.version.split()[0]}; {settings.loop} event loop; server pinned to core "
        f"{SERVER_CORE}, client to core {CLIENT_CORE}; {psutil.cpu_count()} cores)",
        "",
        "| figure | " + " | ".join(reports) + " |",
        "|---|" + "---|" * len(reports),
    ]
    for row in rows:
        lines.append(f"| {row} | " + " | ".join(r.figures.get(row, "-") for r in reports.values()) + " |")
    lines += ["", *_targets(reports)]
    return "\n".join(lines)


def _targets(reports: dict[str, Report]) -> list[str]:
    def value(variant: str, key: str) -> float | None:
        report = reports.get(variant)
        return report.raw.get(key) if report else None

    out = ["Targets (ratios from this run):"]
    ff0, hand, naive = (value(v, "cpu_per_frame_us") for v in ("ff-replace-0", "handwritten", "naive"))
    if ff0 and hand:
        out.append(f"- replace, min_interval=0, CPU/frame vs hand-written: {ff0 / hand:.2f}x (target ≤ 1.2x)")
    if ff0 and naive:
        out.append(f"- replace, min_interval=0, CPU/frame: naive / ours = {naive / ff0:.1f}x (target ≥ 6x)")
    naive_bytes = value("naive", "wire_bytes")
    for variant in ("ff-replace", "ff-append", "ff-markdown"):
        wire, html = value(variant, "wire_bytes"), value(variant, "final_html")
        if variant == "ff-replace":  # replace mode's target is against naive, not the final HTML
            if wire and naive_bytes:
                out.append(f"- default replace bytes vs naive: 1/{naive_bytes / wire:.0f} (target ≤ 1/10)")
        elif wire and html:
            out.append(f"- {variant} bytes vs final HTML: {wire / html:.2f}x (target ≤ 3x)")
    beyond = [
        (v, r.raw["ttff_beyond_parsing_p99_100"]) for v, r in reports.items() if "ttff_beyond_parsing_p99_100" in r.raw
    ]
    if beyond:
        listed = ", ".join(f"{variant} {p99 * 1e3:.1f}" for variant, p99 in beyond)
        out.append(f"- TTFF p99 beyond request parsing at C=100, ms (target < 10): {listed}")
    for variant, report in reports.items():
        best = report.raw.get("max_c_keeping_up")
        out.append(f"- {variant}: largest C keeping up (p99 ≤ 1.1x ideal, no errors): {int(best) if best else 'none'}")
    return out


if __name__ == "__main__":
    main()
