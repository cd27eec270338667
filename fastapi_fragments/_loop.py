"""One watcher task per event loop, while streams are open: server shutdown, load, and pings.

Shutdown: uvicorn waits for open responses before it exits, and an SSE stream stays open for
as long as the model talks. sse-starlette patches uvicorn's exit handler to set its public
``AppStatus.should_exit``; the watcher polls that flag (and uvicorn's own, in case the patch
came too late) and tells each open stream, which ends its answer early with a final frame.

Load: the watcher also measures how late its own timer fires. That lag is the time every
stream's next step waits for the CPU; ``Pace`` stretches render intervals by it, so a saturated
worker sends fewer, larger frames instead of falling further behind. The lag is smoothed over
a few ticks (a one-off pause weighs a quarter), but not filtered out: load comes in bursts
(new connections, streams starting together), and a filter that ignored them let the worker
fall behind in the benchmarks.

Pings: once a second the watcher calls every stream's ``tick``, which sends a keep-alive comment when
its ``ping`` interval is up. One timer for all streams instead of one each: per open stream
that is memory the 30 KiB budget of ``benchmarks/README.md`` counts.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from time import monotonic
from typing import Protocol

from sse_starlette.sse import AppStatus

__all__ = ("TICK", "Watched", "loop_lag", "watching")

#: How often the watcher wakes up (seconds): the lag's resolution and the shutdown's delay.
TICK = 0.02

#: Seconds between two ``Watched.tick`` calls, by the clock: counting 20 ms sleeps would stretch
#: "once a second" by the loop's lag exactly when a busy worker most needs its pings on time.
_TICK_EVERY = 1.0

#: Weight of the newest lag sample in the smoothed lag (one tick's worth).
_SMOOTHING = 0.25


class Watched(Protocol):
    """An open stream, as the watcher sees it."""

    def shut_down(self) -> None:
        """The server is shutting down: end the answer early (called once a tick until it has left)."""

    def tick(self, now: float) -> None:
        """Once a second (``now``: ``time.monotonic()``): time for a ping?"""


class _Watch(threading.local):
    """This thread's event loop: its open streams, the watcher task, the lag."""

    def __init__(self) -> None:
        self.streams: set[Watched] = set()
        self.task: asyncio.Task[None] | None = None
        self.lag = 0.0


_watch = _Watch()


def loop_lag() -> float:
    """How late (seconds) this thread's event loop runs timers lately; 0 while no stream is open.

    Example::

        interval = max(min_interval, LAG_FACTOR * loop_lag())  # as Pace does (_coalesce)
    """
    return _watch.lag


@contextmanager
def watching(stream: Watched) -> Iterator[None]:
    """While the block runs, measure the loop's lag and watch ``stream`` (shutdown, pings).

    Example::

        with watching(stream):
            await pull_tokens()
    """
    if _shutting_down():
        stream.shut_down()
    loop = asyncio.get_running_loop()
    if _watch.task is None or _watch.task.done() or _watch.task.get_loop() is not loop:
        _watch.task = loop.create_task(_run())
    _watch.streams.add(stream)
    try:
        yield
    finally:
        _watch.streams.discard(stream)


async def _run() -> None:
    next_tick = monotonic() + _TICK_EVERY
    try:
        while _watch.streams:  # a stream registers before the task first runs
            expected = monotonic() + TICK
            await asyncio.sleep(TICK)
            now = monotonic()
            _watch.lag += (max(0.0, now - expected) - _watch.lag) * _SMOOTHING
            if _shutting_down():
                for stream in list(_watch.streams):
                    stream.shut_down()
            elif now >= next_tick:
                next_tick = now + _TICK_EVERY
                for stream in list(_watch.streams):
                    stream.tick(now)
    finally:
        _watch.lag = 0.0


def _shutting_down() -> bool:
    if AppStatus.should_exit:
        return True
    # uvicorn installs its exit handler as a bound method: its server is the handler's __self__.
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return AppStatus.enable_automatic_graceful_drain and bool(getattr(server, "should_exit", False))
