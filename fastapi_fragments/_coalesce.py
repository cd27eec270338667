"""The latest-wins hand-off between the task pulling tokens and the loop sending frames.

There is no queue: the producer only marks the shared state dirty, and the sender renders
whatever is newest when it is ready again. A client or server that falls behind therefore
gets fewer, larger steps instead of a growing backlog, and memory per stream stays bounded.
When the sender is idle (the client kept up) the producer waits for it to pick each step up,
so with ``min_interval=0`` every step is rendered.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import anyio

__all__ = ("Handoff", "Pace", "steps")


class Handoff:
    """Coordinates one producer and one sender around a piece of shared, latest-wins state.

    Example::

        handoff = Handoff()
        # producer:                        # sender:
        state.update(token)                await handoff.wait()
        await handoff.publish()            handoff.take(); send(render(state))
        ...; handoff.close()               if handoff.closed and not handoff.dirty: stop
    """

    __slots__ = ("_producer_waiting", "_progress", "_sender_waiting", "_wake", "closed", "dirty")

    def __init__(self) -> None:
        self._wake = anyio.Event()
        self._progress = anyio.Event()
        self._sender_waiting = False
        self._producer_waiting = False  # events are replaced only once used: a frame costs no allocation
        self.dirty = False
        self.closed = False

    async def publish(self) -> None:
        """Mark the state changed; if the sender is idle, wait until it has woken up for it."""
        self.dirty = True
        if self._sender_waiting:
            await self._wait_for_sender()

    async def flush(self) -> None:
        """Wait until the sender has taken the current state (used when a step must not be merged)."""
        while self.dirty and not self.closed:
            await self._wait_for_sender()

    def close(self) -> None:
        """The producer is finished (or failed, or was stopped): wake the sender for the last time."""
        self.closed = True
        self._wake.set()

    async def wait(self) -> None:
        """Wait until there is a new state or the producer closed; then let the producer go on."""
        if not (self.dirty or self.closed):
            self._sender_waiting = True
            try:
                await self._wake.wait()
            finally:
                self._sender_waiting = False
        if self._wake.is_set():
            self._wake = anyio.Event()
        self._signal_progress()

    def take(self) -> None:
        """The sender has read the state: later changes count as new."""
        self.dirty = False
        self._signal_progress()

    async def _wait_for_sender(self) -> None:
        progress = self._progress
        self._producer_waiting = True
        self._wake.set()
        await progress.wait()

    def _signal_progress(self) -> None:
        if self._producer_waiting:
            self._producer_waiting = False
            progress, self._progress = self._progress, anyio.Event()
            progress.set()


class Pace:
    """How long the sender waits after a render: ``min_interval``, stretched to a byte budget.

    Replace mode re-sends the whole block, so a fixed interval costs O(n²) bytes per answer.
    With ``bytes_per_second`` set (and ``min_interval > 0``), the wait after a render is at
    least its size divided by the budget: small early renders stay one display frame apart, a
    long answer's renders slow down so the stream stays within the budget. The final render
    never waits.

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

    def sent(self, size: int) -> None:
        """Record the size of the frames just sent; sets the wait before the next render."""
        if self.bytes_per_second:
            self.interval = max(self.min_interval, size / self.bytes_per_second)


async def steps(handoff: Handoff, pace: Pace) -> AsyncGenerator[None, None]:
    """Yield once per render the sender should make, at most once per ``pace.interval`` seconds.

    Each step has already been taken from ``handoff``; render the latest state on it (and tell
    ``pace`` its size). Returns when the producer has closed the hand-off (the final render is
    the caller's).
    """
    next_at = 0.0
    while True:
        await handoff.wait()
        if handoff.closed:
            return
        if pace.interval > 0:
            delay = next_at - anyio.current_time()
            if delay > 0:
                await anyio.sleep(delay)  # meanwhile the producer keeps merging tokens into the state
                if handoff.closed:
                    return
        handoff.take()
        yield
        if pace.interval > 0:
            next_at = anyio.current_time() + pace.interval
