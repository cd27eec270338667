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

__all__ = ("Handoff", "steps")


class Handoff:
    """Coordinates one producer and one sender around a piece of shared, latest-wins state.

    Example::

        handoff = Handoff()
        # producer:                        # sender:
        state.update(token)                await handoff.wait()
        await handoff.publish()            handoff.take(); send(render(state))
        ...; handoff.close()               if handoff.closed and not handoff.dirty: stop
    """

    __slots__ = ("_progress", "_sender_waiting", "_wake", "closed", "dirty")

    def __init__(self) -> None:
        self._wake = anyio.Event()
        self._progress = anyio.Event()
        self._sender_waiting = False
        self.dirty = False
        self.closed = False

    async def publish(self) -> None:
        """Mark the state changed; if the sender is idle, wait until it has woken up for it."""
        self.dirty = True
        if self._sender_waiting:
            progress = self._progress
            self._wake.set()
            await progress.wait()

    async def flush(self) -> None:
        """Wait until the sender has taken the current state (used when a step must not be merged)."""
        while self.dirty and not self.closed:
            progress = self._progress
            self._wake.set()
            await progress.wait()

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
        self._wake = anyio.Event()
        self._signal_progress()

    def take(self) -> None:
        """The sender has read the state: later changes count as new."""
        self.dirty = False
        self._signal_progress()

    def _signal_progress(self) -> None:
        progress, self._progress = self._progress, anyio.Event()
        progress.set()


async def steps(handoff: Handoff, min_interval: float) -> AsyncGenerator[None, None]:
    """Yield once per render the sender should make, at most once per ``min_interval`` seconds.

    Each step has already been taken from ``handoff``; render the latest state on it. Returns
    when the producer has closed the hand-off (the final render is the caller's).
    """
    next_at = 0.0
    while True:
        await handoff.wait()
        if handoff.closed:
            return
        delay = next_at - anyio.current_time()
        if delay > 0:
            await anyio.sleep(delay)  # meanwhile the producer keeps merging tokens into the state
            if handoff.closed:
                return
        handoff.take()
        yield
        next_at = anyio.current_time() + min_interval
