"""Latest-wins coalescing: render the newest state when the pace allows, never queue frames.

The task that pulls the source also renders and sends, right after the update that allowed it:
one event-loop turn per frame, as in a hand-written loop. An update that arrives before the pace
allows only marks the state dirty; a flusher task, started the first time one is needed, renders
it when the interval is up unless a later update did first. A client or server that falls behind
therefore gets fewer, larger steps instead of a backlog, and memory per stream stays bounded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from time import monotonic

import anyio
from anyio.abc import TaskGroup

__all__ = ("SLOW_SEND", "Coalescer", "Pace")

#: A send that took longer than this (seconds) waited for the client to drain its socket.
SLOW_SEND = 0.002


class Pace:
    """How long to wait after a render: ``min_interval``, stretched to a byte budget and a slow client.

    Replace mode re-sends the whole block, so a fixed interval costs O(n²) bytes per answer.
    With ``bytes_per_second`` set (and ``min_interval > 0``), the wait after a render is at
    least its size divided by the budget: small early renders stay one display frame apart, a
    long answer's renders slow down so the stream stays within the budget. A send that had to
    wait for the client (longer than ``SLOW_SEND``) makes the next render wait as long, even with
    ``min_interval=0``: the updates meanwhile merge instead of queueing. The final render never waits.

    Example::

        pace = Pace(0.016, 32_000)
        pace.sent(6_400)
        pace.interval  # 0.2
    """

    __slots__ = ("bytes_per_second", "interval", "min_interval")

    def __init__(self, min_interval: float, bytes_per_second: float | None = None) -> None:
        self.min_interval = min_interval
        self.bytes_per_second = bytes_per_second if min_interval > 0 else None
        self.interval = min_interval

    def sent(self, size: int, duration: float = 0.0) -> None:
        """Record a render just sent (its size in bytes, how long the send took): sets the next wait."""
        interval = self.min_interval
        if self.bytes_per_second:
            interval = max(interval, size / self.bytes_per_second)
        if duration > SLOW_SEND:
            interval = max(interval, duration)
        self.interval = interval


class Coalescer:
    """Decides when one stream renders: at once if the pace allows, else later, with the newest state.

    ``emit`` renders the current state, sends it, and returns the number of bytes sent. The
    source's task calls :meth:`update` after each change, and :meth:`finish` when the source
    ended, before the final render (which is the caller's and never waits). The flusher runs in
    ``group`` until :meth:`finish`.

    Example::

        async with anyio.create_task_group() as group:
            coalescer = Coalescer(Pace(0.016), emit, group)
            async for token in tokens:
                state.add(token)
                await coalescer.update()
            await coalescer.finish()
        await emit_final()
    """

    __slots__ = ("_emit", "_flusher", "_group", "_idle", "_next_at", "_pace", "_wake", "closed", "dirty", "sending")

    def __init__(self, pace: Pace, emit: Callable[[], Awaitable[int]], group: TaskGroup) -> None:
        self._pace = pace
        self._emit = emit
        self._group = group
        self._next_at = 0.0
        self._wake: anyio.Event | None = None  # set: the flusher has a deferred update to render
        self._idle: anyio.Event | None = None  # set when a send ends, for finish() to wait on
        self._flusher = anyio.CancelScope()
        self.dirty = False
        self.sending = False
        self.closed = False

    async def update(self) -> None:
        """The state changed: render it now if the pace allows and no send is under way."""
        self.dirty = True
        if self.sending:
            return  # the send under way re-checks when it ends
        if self._pace.interval == 0 or monotonic() >= self._next_at:
            await self._render()
        else:
            self._defer()

    async def finish(self) -> None:
        """The source ended: wait for a send under way and stop the flusher; nothing renders here afterwards."""
        self.closed = True
        while self.sending:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()
        self._flusher.cancel()
        self.dirty = False

    async def _render(self) -> None:
        pace = self._pace
        self.sending = True
        try:
            self.dirty = False
            started = monotonic()
            size = await self._emit()
            ended = monotonic()
            pace.sent(size, ended - started)
            self._next_at = ended + pace.interval
        finally:
            self.sending = False
            if self._idle is not None:
                self._idle.set()
                self._idle = None
        if self.dirty and not self.closed:  # updates came in while the send waited for the client
            self._defer()

    def _defer(self) -> None:
        if self._wake is None:
            self._wake = anyio.Event()
            self._group.start_soon(self._flush_later, self._wake)
        else:
            self._wake.set()

    async def _flush_later(self, wake: anyio.Event) -> None:
        """The flusher: render a deferred update when its interval is up, unless one was rendered since."""
        wake.set()  # the update that started this task
        with self._flusher:
            while not self.closed:
                await wake.wait()
                wake = self._wake = anyio.Event()
                delay = self._next_at - monotonic()
                if delay > 0:
                    await anyio.sleep(delay)
                if self.dirty and not self.sending and not self.closed:
                    await self._render()
