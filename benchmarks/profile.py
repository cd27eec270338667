"""``python -m benchmarks.profile VARIANT [--rate R] [--streams C] [--seconds S]``: where a server's CPU goes.

Starts the variant's server like the suite does, drives it with ``C`` concurrent streams
(unpaced by default), samples it with py-spy for ``S`` seconds, and prints the functions
with the most samples: own time, and inclusive time (the function and what it calls).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.__main__ import Server
from benchmarks.client import run_streams


def summarize(raw: Path, top: int) -> str:
    """Top functions by own and inclusive samples from py-spy's ``--format raw`` output."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples", "own:"]
    lines += [f"  {count / total:6.1%}  {frame}" for frame, count in own.most_common(top)]
    lines.append("inclusive:")
    lines += [f"  {count / total:6.1%}  {frame}" for frame, count in inclusive.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("variant")
    parser.add_argument("--rate", type=float, default=0, help="tokens/s per stream (0: unpaced)")
    parser.add_argument("--streams", type=int, default=1, help="concurrent streams")
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy")
    with tempfile.TemporaryDirectory() as tmp, Server(args.variant) as server:
        raw = Path(tmp) / "profile.txt"
        path = f"/?n={args.tokens}&rate={args.rate}"
        asyncio.run(run_streams(server.port, path, 1, timeout=30))  # warm up
        command = [py_spy, "record", "-p", str(server.popen.pid), "-d", str(int(args.seconds)), "-r", "500"]
        recorder = subprocess.Popen(
            [*command, "--format", "raw", "--nonblocking", "-o", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        deadline = time.monotonic() + args.seconds - 1
        while time.monotonic() < deadline:
            asyncio.run(run_streams(server.port, path, args.streams, timeout=args.seconds + 30, ramp=0.2))
        recorder.wait(args.seconds + 30)
        print(f"{args.variant}, {args.streams} stream(s) at {args.rate or 'unpaced'} tokens/s:")
        print(summarize(raw, args.top))


if __name__ == "__main__":
    main()
