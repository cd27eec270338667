"""How far a busy worker spaces every stream's renders: decided from the CPU its frames take.

A worker that cannot keep up must render less often, but only as much less as the load
requires: a page that updates twice a second looks stuck. Every ``UPDATE_EVERY`` seconds the
loop monitor says how busy its thread was (CPU time over wall time) and how many streams are
open, and the frames have reported the CPU each took (render and send, ``Pace.sent``). From
these, the CPU left for frames is what the other work (accepting connections, pulling tokens,
garbage collection) leaves of ``TARGET``, but never less than ``MIN_SHARE``; the interval is
the one at which every open stream's frames fit in it:

    interval = streams x CPU per frame / (TARGET - other work)

It is the interval at which the thread settles at ``TARGET`` busy, recomputed from each
window's measurements, so it follows the load both ways without a hold band, and it is zero
while the worker is below ``LOW`` busy and the formula asks for less than a display frame.
(It replaces 40 times the loop's timer lag, which pushed every stream to half-second gaps at
70% CPU: the lag grows with everything the loop does, frames or not.)

Sans-I/O: the monitor (``_loop``) calls :meth:`Load.update`, ``Pace`` calls :meth:`Load.frame`
and reads :attr:`Load.interval`.
"""

from __future__ import annotations

__all__ = ("LOW", "MAX_LOAD_INTERVAL", "MIN_SHARE", "TARGET", "UPDATE_EVERY", "Load")

#: The busy fraction the worker is steered to, and the one below which nothing is stretched.
TARGET, LOW = 0.8, 0.6

#: The CPU fraction frames keep even when other work alone would fill ``TARGET``.
MIN_SHARE = 0.2

#: The longest wait any stream is given for load (a page updating less often looks stuck).
MAX_LOAD_INTERVAL = 0.5

#: Seconds between two decisions: long enough to measure, short enough to follow a burst.
UPDATE_EVERY = 0.1

#: Below this the interval counts as gone (a display frame).
_GONE = 0.016


class Load:
    """The interval (seconds) every stream waits at least between renders, for the worker's load.

    Example::

        load = Load()
        for _ in range(2000):
            load.frame(0.00005)             # 2000 frames of 50 µs in the last 100 ms: 100% of the CPU
        load.update(busy=1.0, wall=0.1, streams=1000)
        load.interval                       # 0.0625: frames may take 80% of the CPU (nothing else runs)
    """

    __slots__ = ("_cost", "cpu", "frames", "interval")

    def __init__(self) -> None:
        self.interval = 0.0
        self.cpu = 0.0  # CPU seconds the frames took since the last update (``Pace.sent`` adds to it)
        self.frames = 0
        self._cost = 0.0  # CPU seconds per frame, from the last window that had frames

    def frame(self, seconds: float, count: int = 1) -> None:
        """A frame was rendered and sent, taking ``seconds`` of CPU; it stands for ``count`` frames alike."""
        self.cpu += seconds * count
        self.frames += count

    def update(self, *, busy: float, wall: float, streams: int) -> float:
        """Decide from the last ``wall`` seconds (``busy``: the thread's CPU over wall time); the new interval."""
        cpu, frames = self.cpu, self.frames
        self.cpu, self.frames = 0.0, 0
        if frames:
            self._cost = cpu / frames
        if wall <= 0 or not self._cost:
            return self.interval
        other = max(0.0, busy - cpu / wall)
        needed = streams * self._cost / max(MIN_SHARE, TARGET - other)
        if busy < LOW:
            needed = min(needed, self.interval / 2)  # spare CPU: let it go, whatever the estimate
        self.interval = 0.0 if needed < _GONE else min(MAX_LOAD_INTERVAL, needed)
        return self.interval
