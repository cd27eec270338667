"""Latest-wins coalescing: render the newest state when the pace allows, never queue frames.

The task that pulls the source also renders and sends, right after the update that allowed it:
one event-loop turn per frame, as in a hand-written loop. An update that arrives before the pace
allows only marks the state dirty; the next update after the interval renders it (or a timer,
if the source goes quiet). A client or server that falls behind therefore gets fewer, larger
steps instead of a backlog, and memory per stream stays bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from time import monotonic

import anyio

from ._load import Load

__all__ = ("SLOW_SEND", "TIMED_EVERY", "Coalescer", "Pace")

#: A send that took longer than this (seconds) waited for the client to drain its socket.
SLOW_SEND = 0.002

#: Without an interval, one render in this many is timed, standing for all of them (``Coalescer.render``).
TIMED_EVERY = 8


class Pace:
    """How long to wait after a render: ``min_interval``, stretched by bytes, a slow client and load.

    Replace mode re-sends the whole block, so a fixed interval costs O(n²) bytes per answer.
    With ``bytes_per_second`` set (and ``min_interval > 0``), the wait after a render is at
    least its size divided by the budget: small early renders stay one display frame apart, a
    long answer's renders slow down so the stream stays within the budget. A send that had to
    wait for the client (longer than ``SLOW_SEND``) makes the next render wait as long, even with
    ``min_interval=0`` (where one send in ``TIMED_EVERY`` is timed): the updates meanwhile merge
    instead of queueing. When the server itself is too busy to keep up, the interval is at least
    ``load.interval`` (the ``LoopMonitor``'s :class:`~._load.Load`, which the timed frames tell
    the CPU they took): every stream sends fewer, larger frames until the worker keeps up again.
    The final render never waits.

    Example::

        pace = Pace(0.016, 32_000)
        pace.sent(6_400)
        pace.interval  # 0.2
    """

    __slots__ = ("bytes_per_second", "interval", "load", "min_interval")

    def __init__(self, min_interval: float, bytes_per_second: float | None = None, load: Load | None = None) -> None:
        self.min_interval = min_interval
        self.bytes_per_second = bytes_per_second if min_interval > 0 else None
        self.interval = min_interval
        self.load = load

    def sent(self, size: int, duration: float = 0.0, frames: int = 1) -> None:
        """Record a render just sent (its size in bytes, how long the send took): sets the next wait.

        ``frames``: how many frames this one was timed for (see ``Coalescer.render``); the load
        counts it as that many frames of ``duration``.
        """
        interval = self.min_interval
        if self.bytes_per_second:
            interval = max(interval, size / self.bytes_per_second)
        if duration > SLOW_SEND:
            interval = max(interval, duration)
        load = self.load
        if load is not None:
            if duration <= SLOW_SEND:  # a longer one waited for the client, not for the CPU
                load.frame(duration, frames)
            if load.interval > interval:  # not max(): this runs per frame, and a builtin call costs more
                interval = load.interval
        self.interval = interval


class Coalescer:
    """Decides when one stream renders: at once if the pace allows, else later, with the newest state.

    ``emit`` renders the current state, sends it, and returns the number of bytes sent. The
    source's task calls :meth:`changed` after each change (and :meth:`render` when it says so),
    and :meth:`finish` when the source ended, before the final render (which is the caller's and
    never waits).

    An update that comes before the interval is up waits in the state: the first update after
    it renders everything so far, inline. Only if the source goes quiet (no update for another
    interval) does a timer start the flusher, a task that renders it and ends: a stalled model
    never leaves text unshown for long, and a busy stream costs no extra wake-ups, nor a task
    kept waiting for the whole stream (a dozen objects per open stream under load, when every
    stream's updates wait). If a send in the flusher fails, the next :meth:`render` raises its
    error. :meth:`close` stops the timer and the flusher if the stream ends any other way.

    Example::

        coalescer = Coalescer(Pace(0.016), emit)
        try:
            async for token in tokens:
                state.add(token)
                if coalescer.changed():
                    await coalescer.render()
            await coalescer.finish()
        finally:
            coalescer.close()
        await emit_final()
    """

    __slots__ = (
        "_emit",
        "_error",
        "_flusher",
        "_idle",
        "_next_at",
        "_pace",
        "_stands_for",
        "_timer",
        "_untimed",
        "closed",
        "dirty",
        "sending",
    )

    def __init__(self, pace: Pace, emit: Callable[[], Awaitable[int]]) -> None:
        self._pace = pace
        self._emit = emit
        self._error: Exception | None = None  # a send in the flusher failed
        self._next_at = 0.0  # (monotonic) when the next render may go out
        self._untimed = 0  # renders that go untimed before the next timed one (only without an interval)
        self._stands_for = 1  # how many renders the next timed one stands for (itself and those)
        self._timer: asyncio.TimerHandle | None = None
        self._flusher: asyncio.Task[None] | None = None  # while it runs
        self._idle: anyio.Event | None = None  # set when a send ends, for finish() to wait on
        self.dirty = False
        self.sending = False
        self.closed = False

    def changed(self) -> bool:
        """The state changed: True if the caller should ``await render()`` now.

        It should when the pace allows and no send is under way; otherwise the change waits
        in the state. A plain call, not a coroutine: it runs for every token, and most tokens
        under a nonzero interval only wait. It never raises: a send that failed in the flusher
        makes it say True, and :meth:`render` raises that error (a caller's loop may wrap the
        source's errors around this call, not the sink's).
        """
        self.dirty = True
        if self._error is not None:
            return True
        if self.sending:
            return False  # the send under way re-checks when it ends
        if self._pace.interval == 0 or monotonic() >= self._next_at:
            return True
        if self._timer is None:
            self._arm_timer()
        return False

    async def finish(self) -> None:
        """The source ended: wait for a send under way; nothing renders here afterwards."""
        self.closed = True
        while self.sending:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()
        self.close()
        self.dirty = False
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop the timer and the flusher (at once, even in the middle of a send)."""
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flusher is not None:
            self._flusher.cancel()

    def render(self) -> Awaitable[object]:
        """Render and send the current state (after :meth:`changed` said so); raise a failed flusher's error.

        A render is timed (two clock reads and ``Pace.sent``, 0.4 µs of what a frame cost over
        the hand-written pattern's 1.0) whenever the pace has an interval, since the time it ends
        sets the next. Without one, every token renders and one render in ``TIMED_EVERY`` is
        timed, standing for the untimed ones before it: the load wants the CPU per frame, an
        average, and a send slow enough to give the pace an interval has every render timed again.

        An untimed render is ``emit``'s own awaitable, no coroutine of this class around it, and
        nothing needs ``sending`` then: only an interval arms the timer that starts the flusher.
        """
        if self._untimed:
            self._untimed -= 1
            self.dirty = False
            return self._emit()
        return self._timed()

    async def _timed(self) -> None:
        """A timed render: the pace learns how long it took, the state is marked sending meanwhile."""
        if self._error is not None:
            raise self._error
        pace = self._pace
        self.sending = True
        try:
            self.dirty = False
            started = monotonic()
            size = await self._emit()
            ended = monotonic()
            # It stands for the untimed renders since the last timed one (a flusher's may come
            # before the countdown ran out); a stream's last few untimed ones go uncounted.
            pace.sent(size, ended - started, self._stands_for - self._untimed)
            self._next_at = ended + pace.interval
            self._untimed = TIMED_EVERY - 1 if pace.interval == 0 else 0
            self._stands_for = self._untimed + 1
        finally:
            self.sending = False
            if self._idle is not None:
                self._idle.set()
                self._idle = None
        if self.dirty and not self.closed and self._timer is None:  # updates came during a slow send
            self._arm_timer()

    def _arm_timer(self) -> None:
        delay = self._next_at + self._pace.interval - monotonic()
        self._timer = asyncio.get_running_loop().call_later(max(delay, 0.0), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if not self.dirty or self.sending or self.closed or self._flusher is not None:
            return  # rendered meanwhile (a later update arms the timer again), or about to be
        if monotonic() < self._next_at + self._pace.interval:
            self._arm_timer()  # a render went out since this timer was set: the source is not quiet
            return
        self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        """The flusher: renders the waiting state once the timer said the source went quiet, then ends."""
        try:
            if self.dirty and not self.sending and not self.closed:
                await self._timed()  # the flusher runs for an interval: its render is timed
        except Exception as exc:  # the source's task raises it at its next render() or finish()
            self._error = exc
            self._untimed = 0  # the next render() is _timed(), which raises it
        finally:
            self._flusher = None
