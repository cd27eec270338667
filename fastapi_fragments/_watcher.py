"""One watcher task per event loop, while streams are open: server shutdown, and server load.

Shutdown: uvicorn waits for open responses before it exits, and an SSE stream stays open for
as long as the model talks. sse-starlette patches uvicorn's exit handler to set its public
``AppStatus.should_exit``; the watcher polls that flag (and uvicorn's own, in case the patch
came too late) and cancels the scope each open stream registered, which ends the answer early
with a final frame.

Load: the watcher also measures how late its own timer fires. That lag is the time every
stream's next step waits for the CPU; ``Pace`` stretches render intervals by it, so a saturated
worker sends fewer, larger frames instead of falling further behind. The lag is smoothed over
a few ticks (a one-off pause weighs a quarter), but not filtered out: load comes in bursts
(new connections, streams starting together), and a filter that ignored them let the worker
fall behind in the benchmarks.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from time import monotonic

import anyio
from sse_starlette.sse import AppStatus

__all__ = ("TICK", "loop_lag", "watching")

#: How often the watcher wakes up (seconds): the lag's resolution and the shutdown's delay.
TICK = 0.02

#: Weight of the newest lag sample in the smoothed lag (one tick's worth).
_SMOOTHING = 0.25


class _Watch(threading.local):
    """This thread's event loop: the scopes to cancel on shutdown, the watcher task, the lag."""

    def __init__(self) -> None:
        self.scopes: set[anyio.CancelScope] = set()
        self.task: asyncio.Task[None] | None = None
        self.lag = 0.0


_watch = _Watch()


def loop_lag() -> float:
    """How late (seconds) this thread's event loop runs timers lately; 0 while no stream is open.

    Example::

        interval = max(min_interval, 4 * loop_lag())
    """
    return _watch.lag


@contextmanager
def watching(scope: anyio.CancelScope) -> Iterator[None]:
    """While the block runs, measure the loop's lag and cancel ``scope`` if the server shuts down.

    Example::

        with anyio.CancelScope() as pulling, watching(pulling):
            await pull_tokens()
        interrupted = pulling.cancelled_caught
    """
    if _shutting_down():
        scope.cancel()
    loop = asyncio.get_running_loop()
    if _watch.task is None or _watch.task.done() or _watch.task.get_loop() is not loop:
        _watch.task = loop.create_task(_run())
    _watch.scopes.add(scope)
    try:
        yield
    finally:
        _watch.scopes.discard(scope)


async def _run() -> None:
    try:
        while _watch.scopes:  # a stream registers before the task first runs
            expected = monotonic() + TICK
            await asyncio.sleep(TICK)
            late = max(0.0, monotonic() - expected)
            _watch.lag += (late - _watch.lag) * _SMOOTHING
            if _shutting_down():
                for scope in list(_watch.scopes):
                    scope.cancel()
    finally:
        _watch.lag = 0.0


def _shutting_down() -> bool:
    if AppStatus.should_exit:
        return True
    # uvicorn installs its exit handler as a bound method: its server is the handler's __self__.
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return AppStatus.enable_automatic_graceful_drain and bool(getattr(server, "should_exit", False))
