"""When a producer renews its lease, and for how long, on an event loop that may lag.

A lease lapses when no renewal reaches the store for ``lease`` seconds, and followers then
end the stream as ``interrupted``. Renewals come from progress (every running publish) and
from this heartbeat schedule, which

- renews at once when the generation starts: the lease began when the POST created the
  stream, and a busy loop may start the generation much later;
- then renews every ``lease / 4`` seconds;
- asks for ``lease`` plus the lag it observed (how late the loop woke it, up to one more
  ``lease``), so the next renewal, late by about as much, still lands in time. A loop that lags
  up to 1.75 x ``lease`` keeps its streams; a dead worker is still found within 2 x ``lease``.

It is pure (a clock in, seconds out), so tests drive it with a fake clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ("LeaseTimer",)

logger = logging.getLogger("fastapi_fragments")


class LeaseTimer:
    """The heartbeat schedule of one producer (see the module docstring)."""

    def __init__(self, lease: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lease = lease
        self.lag = 0.0
        self._clock = clock
        self._due = clock()
        self._warned = False

    def delay(self) -> float:
        """Seconds to wait before the next renewal is due (0: renew now)."""
        return max(0.0, self._due - self._clock())

    def renew(self) -> float:
        """Note a renewal happening now; returns the lease to ask the store for, in seconds."""
        now = self._clock()
        late = max(0.0, now - self._due)
        # The worst recent lag, halved at each renewal so one stall does not lengthen every later lease.
        self.lag = min(self.lease, max(late, self.lag / 2))
        self._due = now + self.lease / 4
        if late > self.lease / 2 and not self._warned:
            self._warned = True
            logger.warning(
                "the event loop woke a heartbeat %.2f s late (lease %.2f s): a longer stall would end "
                "live answers as interrupted; raise the registry's lease or lighten this worker",
                late,
                self.lease,
            )
        return self.lease + self.lag
