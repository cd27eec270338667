"""A low-overhead SSE load client: raw asyncio protocols, HTTP/1.0, frames counted by their blank line.

Each stream is one ``GET`` over its own connection; the server closes it at the end of the
answer (HTTP/1.0 has no chunked encoding, so every byte read is the SSE body plus headers).
Per stream it records bytes, frames (a frame ends with ``\\n\\n`` or ``\\r\\n\\r\\n``), the time to
the first frame, the gaps between frames, the completion time and whether ``done`` arrived.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

_ENDS = (b"\n\n", b"\r\n\r\n")


@dataclass
class Stream:
    """What one stream delivered (times in seconds from sending the request)."""

    local_port: int = 0  # the connection's client-side port (how the server's trace names it)
    connected_at: float = 0.0  # time.perf_counter() when the request was written
    bytes: int = 0
    frames: int = 0
    first_frame: float | None = None
    gaps: list[float] = field(default_factory=list)
    completed: float | None = None
    done: bool = False
    status_ok: bool = False
    error: str | None = None


class _Protocol(asyncio.Protocol):
    def __init__(self, request: bytes, stream: Stream, finished: asyncio.Future[None]) -> None:
        self._request = request
        self._stream = stream
        self._finished = finished
        self._start = 0.0
        self._last_frame = 0.0
        self._tail = b""
        self._head = b""
        self._in_body = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._start = self._stream.connected_at = time.perf_counter()
        self._stream.local_port = transport.get_extra_info("sockname")[1]
        transport.write(self._request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        stream = self._stream
        stream.bytes += len(data)
        if not self._in_body:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            stream.status_ok = self._head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200"))
            data, self._in_body = self._head[end + 4 :], True
        window = self._tail + data
        frames = sum(window.count(end) for end in _ENDS) - sum(self._tail.count(end) for end in _ENDS)
        self._tail = window[-8:]
        if frames:
            if stream.first_frame is None:
                stream.first_frame = now - self._start
            else:
                stream.gaps.append(now - self._last_frame)
            self._last_frame = now
            stream.frames += frames
            if b"event: done" in window:
                stream.done = True

    def connection_lost(self, exc: Exception | None) -> None:
        self._stream.completed = time.perf_counter() - self._start
        if exc is not None:
            self._stream.error = repr(exc)
        if not self._finished.done():
            self._finished.set_result(None)


async def run_streams(
    port: int,
    path: str,
    count: int,
    *,
    timeout: float,  # noqa: ASYNC109 - bounds the whole run; streams still open then count as failed
    ramp: float = 0.0,
    arrivals: list[float] | None = None,
    connect_parallel: int = 200,
) -> list[Stream]:
    """Open ``count`` concurrent streams of ``path``, spread evenly over ``ramp`` seconds (users
    do not all click in the same millisecond), or each at its offset in ``arrivals`` (seconds from
    the start: an open-loop schedule); wait for all to end (or ``timeout``)."""
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
    streams = [Stream() for _ in range(count)]
    finished: list[asyncio.Future[None]] = [loop.create_future() for _ in range(count)]
    transports: list[asyncio.BaseTransport] = []
    gate = asyncio.Semaphore(connect_parallel)  # don't overflow the listen backlog with SYNs

    start = loop.time()

    offsets = arrivals if arrivals is not None else [ramp * index / count for index in range(count)]

    async def open_one(index: int) -> None:
        await asyncio.sleep(max(0.0, start + offsets[index] - loop.time()))
        async with gate:
            try:
                transport, _ = await loop.create_connection(
                    lambda: _Protocol(request, streams[index], finished[index]), "127.0.0.1", port
                )
                transports.append(transport)
            except OSError as exc:
                streams[index].error = repr(exc)
                finished[index].set_result(None)

    await asyncio.gather(*(open_one(index) for index in range(count)))
    _, pending = await asyncio.wait(finished, timeout=timeout)
    for transport in transports:
        transport.close()
    for index, future in enumerate(finished):
        if future in pending:
            streams[index].error = streams[index].error or "timeout"
    return streams


def poisson_arrivals(rate: float, duration: float, seed: int = 0) -> list[float]:
    """Arrival offsets (seconds) of a Poisson process of ``rate`` per second over ``duration``:
    independent users, not a burst. Seeded, so every variant gets the same schedule."""
    rng = random.Random(seed)
    offsets, at = [], rng.expovariate(rate)
    while at < duration:
        offsets.append(at)
        at += rng.expovariate(rate)
    return offsets


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
