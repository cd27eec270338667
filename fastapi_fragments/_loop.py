"""The loop monitor: one object per event loop, watching its load, the server's shutdown and pings.

Shutdown: uvicorn waits for open responses before it exits, and an SSE stream stays open for
as long as the model talks. :func:`server_shutting_down`, the one place that knows how a
server says so, reads sse-starlette's public ``AppStatus.should_exit`` (which it sets from
uvicorn's exit handler) and uvicorn's own flag, in case that patch came too late; the monitor
tells each open stream, which ends its answer early with a final frame.

Load: every ``UPDATE_EVERY`` seconds the monitor measures how busy its thread was (CPU time
over wall time) and hands that to its :class:`~._load.Load`, which decides how far every
stream's renders are spaced so the worker keeps up, and no further (see ``_load``). It used to
stretch intervals to 40 times the loop's timer lag: half-second gaps at 70% CPU.

Pings: once a second the monitor calls every stream's ``tick``, which sends a keep-alive
comment when its ``ping`` interval is up. One timer for all streams instead of one each: per
open stream that is memory the 30 KiB budget of ``benchmarks/README.md`` counts.

The monitor's task runs only while streams are open. :meth:`LoopMonitor.check` is its sync
core: tests drive it with their own clock and shutdown signal instead of sleeping.
"""

from __future__ import annotations

import asyncio
import signal
import weakref
from collections.abc import Callable
from time import monotonic, thread_time
from typing import ClassVar, Protocol

from sse_starlette.sse import AppStatus

from ._load import UPDATE_EVERY, Load

__all__ = ("TICK", "LoopMonitor", "Watched", "server_shutting_down")

#: How often the monitor wakes up (seconds): the shutdown's delay.
TICK = 0.02

#: Seconds between two ``Watched.tick`` calls, by the clock: counting 20 ms sleeps would stretch
#: "once a second" by the loop's lag exactly when a busy worker most needs its pings on time.
_TICK_EVERY = 1.0


class Watched(Protocol):
    """An open stream, as the monitor sees it."""

    def shut_down(self) -> None:
        """The server is shutting down: end the answer early (called once a tick until it has left)."""

    def tick(self, now: float) -> None:
        """Once a second (``now``: the monitor's clock): time for a ping?"""


def server_shutting_down() -> bool:
    """Whether the ASGI server (uvicorn, or any that sets sse-starlette's ``AppStatus``) is shutting down."""
    if AppStatus.should_exit:
        return True
    # uvicorn installs its exit handler as a bound method: its server is the handler's __self__.
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return AppStatus.enable_automatic_graceful_drain and bool(getattr(server, "should_exit", False))


class LoopMonitor:
    """Watches one event loop for the streams open on it: load, shutdown, a tick a second.

    :param clock: seconds, monotonic (``time.monotonic``).
    :param cpu_clock: this thread's CPU seconds (``time.thread_time``).
    :param shutting_down: says whether the server is shutting down (:func:`server_shutting_down`).

    Example::

        monitor = LoopMonitor.current()
        pace = Pace(0.016, load=monitor.load)
        monitor.watch(stream)
        try:
            await pull_tokens()  # renders spaced by at least monitor.load.interval under load
        finally:
            monitor.unwatch(stream)
    """

    _by_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopMonitor]] = weakref.WeakKeyDictionary()

    def __init__(
        self,
        *,
        clock: Callable[[], float] = monotonic,
        cpu_clock: Callable[[], float] = thread_time,
        shutting_down: Callable[[], bool] = server_shutting_down,
    ) -> None:
        self.clock = clock
        self.cpu_clock = cpu_clock
        self.shutting_down = shutting_down
        self.load = Load()
        self._streams: set[Watched] = set()
        self._task: asyncio.Task[None] | None = None
        self._next_tick = 0.0
        self._measured = (0.0, 0.0)  # (clock, cpu_clock) at the last load update

    @classmethod
    def current(cls) -> LoopMonitor:
        """The monitor of the running event loop (made the first time it is asked for)."""
        loop = asyncio.get_running_loop()
        monitor = cls._by_loop.get(loop)
        if monitor is None:
            monitor = cls._by_loop[loop] = cls()
        return monitor

    def watch(self, stream: Watched) -> None:
        """Measure the loop's load and watch ``stream`` (shutdown, pings) until :meth:`unwatch`.

        Two calls, not a context manager: a ``with`` block would keep two objects alive per open
        stream (the manager and its generator) for every full garbage collection to walk.
        """
        if self.shutting_down():
            stream.shut_down()
        if self._task is None or self._task.done():
            self._next_tick = self.clock() + _TICK_EVERY
            self._measured = (self.clock(), self.cpu_clock())
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._streams.add(stream)

    def unwatch(self, stream: Watched) -> None:
        """``stream`` is over: no more shutdown, pings or load for it."""
        self._streams.discard(stream)

    async def _run(self) -> None:
        try:
            while self._streams:  # a stream registers before the task first runs
                await asyncio.sleep(TICK)
                self.check()
        finally:
            self.load = Load()  # the next streams start unloaded

    def check(self) -> None:
        """One tick: the load every ``UPDATE_EVERY`` seconds; tell the streams of a shutdown or the second."""
        now = self.clock()
        then, cpu_then = self._measured
        if now - then >= UPDATE_EVERY:
            cpu = self.cpu_clock()
            self._measured = (now, cpu)
            self.load.update(busy=(cpu - cpu_then) / (now - then), wall=now - then, streams=len(self._streams))
        if self.shutting_down():
            for stream in list(self._streams):
                stream.shut_down()
        elif now >= self._next_tick:
            self._next_tick = now + _TICK_EVERY
            for stream in list(self._streams):
                stream.tick(now)
