"""One registry generation: the producer writing to the store, the store sink, ending with a final frame.

It runs the same producer and ending as ``FragmentStreamResponse`` (``_produce``), rendering
at most every ``min_interval`` seconds, but its sink keeps the updates as a snapshot
(``{"sources": html, "response": html, "ended": html}`` as JSON, plus ``"parts"``: each part
block's latest render by kind, ``{"block", "html", "ended"}``) that the store keeps and
followers encode for their own dialect. ``ended`` is the same text rendered as an end
(``streaming`` False): what followers show if this producer dies, so its end never brings back
the cursor nor drops a word.

A supervisor task heartbeats the store on a ``LeaseTimer`` (at once, then every ``lease / 4``
seconds, lag-aware; each running publish renews the lease too) and stops the producer on
Stop, abandonment or a lost lease; a deadline bounds it. However it ends, the token source is
closed (the upstream LLM request with it) and, unless the stream was lost to a lapsed lease,
the producer's ending runs: the last render, the hook, then ``End``, which publishes the final
frame with its status: ``done``, ``failed`` (the error block), ``stopped``, ``timeout``,
``abandoned``, or ``interrupted`` when cancelled from outside (registry shutdown).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio

from .._exceptions import ConfigurationError
from .._loop import LoopMonitor
from .._pace import Pace
from .._produce import Producer
from .._updates import ANSWER, SOURCES, End, Outcome, Replace, Update, same_part
from ..stores import Frame, Status, Store
from ._lease import LeaseTimer
from ._outages import RETRY_INTERVAL, Outage

__all__ = ("FINISH_TIMEOUT", "STATUS", "Generation", "Limits")

#: How long closing the source and publishing the final frame may take (seconds).
FINISH_TIMEOUT = 10.0

logger = logging.getLogger("fastapi_fragments")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """The registry's timers (seconds) and abandonment policy, shared by all its generations."""

    deadline: float
    lease: float
    result_ttl: float
    min_interval: float
    keep_abandoned: bool
    outage_window: float = 3.0

    def __post_init__(self) -> None:
        for name in ("deadline", "lease", "result_ttl", "outage_window"):
            if not getattr(self, name) > 0:
                raise ConfigurationError(f"{name} must be > 0 seconds, got {getattr(self, name)!r}")
        if self.min_interval < 0:
            raise ConfigurationError(f"min_interval must be >= 0 seconds, got {self.min_interval!r}")


#: The status a final frame is published with, for each way a stream ends.
STATUS: dict[Outcome, Status] = {
    Outcome.COMPLETED: "done",
    Outcome.FAILED: "failed",
    Outcome.STOPPED: "stopped",
    Outcome.DEADLINE: "timeout",
    Outcome.ABANDONED: "abandoned",
    Outcome.SHUTDOWN: "interrupted",
    Outcome.CLIENT_LEFT: "interrupted",
}


class Generation:
    """One answer being generated, and the sink its producer writes to; ``run`` it in a task owned by the registry."""

    def __init__(
        self, stream_id: str, producer: Producer, *, recreate: Callable[[], Awaitable[bool]] | None = None
    ) -> None:
        self.stream_id = stream_id
        self._recreate = recreate  # store.create with this stream's options
        self._producer = producer
        self._snapshot: dict[str, Any] = {"sources": None, "response": None, "ended": None}
        self._seq = 0
        self._lost = False
        self._scope = anyio.CancelScope()
        self._changed = anyio.Event()  # a snapshot newer than the store's is waiting to be published
        self._publishing = anyio.Lock()  # one publish at a time, so seq order is store order
        self._final: Callable[[Status], Awaitable[None]] | None = None  # set by run()

    async def write(self, updates: Sequence[Update]) -> int:
        """Keep ``updates`` in the snapshot (published by ``_publish_latest``); ``End`` publishes the final frame."""
        for update in updates:
            if isinstance(update, Replace):
                if same_part(update.part, SOURCES):
                    self._snapshot["sources"] = update.html
                elif same_part(update.part, ANSWER):
                    self._snapshot["response"], self._snapshot["ended"] = update.html, update.ended
                else:  # a multi-part stream's other parts: each one's latest render, and its block
                    part = {"block": update.part.block, "html": update.html, "ended": update.ended}
                    self._snapshot.setdefault("parts", {})[update.part.kind] = part
            elif isinstance(update, End) and self._final is not None:
                await self._final(STATUS[update.outcome])
                return 0
            else:
                raise TypeError(f"a registry stream keeps snapshots: {type(update).__name__} updates cannot be kept")
        self._changed.set()  # published by _publish_latest: a slow or absent store never stalls tokens
        return 0  # the store keeps only the latest frame: there is no byte budget to keep

    def _end(self, outcome: Outcome) -> None:
        self._producer.stop(outcome)
        self._scope.cancel()

    async def run(self, store: Store, limits: Limits) -> None:
        """Generate to the end (see the module docstring); never raises."""
        outage = Outage(limits.outage_window, f"stream {self.stream_id}")
        self._final = lambda status: self._publish_final(store, limits, status, outage)
        producer = self._producer
        try:
            with self._scope:
                self._changed.set()  # the sources, before the first token
                async with anyio.create_task_group() as group:
                    group.start_soon(self._publish_latest, store, limits, outage)
                    group.start_soon(self._supervise, store, limits, outage)
                    with anyio.move_on_after(limits.deadline) as deadline:
                        await producer.pull(self, Pace(limits.min_interval, load=LoopMonitor.current().load))
                    if deadline.cancelled_caught:
                        producer.stop(Outcome.DEADLINE)
                    group.cancel_scope.cancel()
        except Exception as exc:  # the store misbehaved beyond an outage
            producer.fail(exc)
        finally:
            # Shielded so cancellation cannot skip the final frame, bounded so a dead store
            # cannot hang the registry's (and the app's) shutdown.
            with anyio.move_on_after(FINISH_TIMEOUT + limits.outage_window, shield=True):
                await producer.aclose()
                if not self._lost:
                    await producer.end(self)

    async def _publish_latest(self, store: Store, limits: Limits, outage: Outage) -> None:
        """Publish each new snapshot (latest wins); during an outage, retry until the window ends."""
        while True:
            with anyio.move_on_after(RETRY_INTERVAL if outage.since is not None else math.inf):
                await self._changed.wait()
            self._changed = anyio.Event()
            if await self._publish(store, limits, "running", outage) is False:
                await self._lose(store, limits, outage)

    async def _supervise(self, store: Store, limits: Limits, outage: Outage) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(self._stop_when_asked, store, limits, outage)
            timer = LeaseTimer(limits.lease)
            while True:
                await anyio.sleep(timer.delay())
                liveness = await self._call(outage, limits, store.heartbeat(self.stream_id, lease=timer.renew()))
                if liveness == "lost":
                    await self._lose(store, limits, outage)
                elif liveness == "unwatched" and not limits.keep_abandoned:
                    self._end(Outcome.ABANDONED)

    async def _lose(self, store: Store, limits: Limits, outage: Outage) -> None:
        """The store refused us: stop, unless it merely forgot the stream (a Redis restarted empty).

        A stream that is gone, rather than ended by someone else, is created again (if the
        registry said how) and the latest snapshot republished, so its followers, who wait for
        it through the outage window, see the answer go on.
        """
        record = await self._call(outage, limits, store.get(self.stream_id))
        if record is None and outage.since is not None:
            return  # the store went away again: the outage rules apply
        if record is None and self._recreate is not None and await self._call(outage, limits, self._recreate()):
            logger.warning(
                "stream %s was gone from the store (restarted without its data?): created again", self.stream_id
            )
            self._changed.set()
            return
        self._lost = True
        self._scope.cancel()

    async def _stop_when_asked(self, store: Store, limits: Limits, outage: Outage) -> None:
        while True:
            try:
                await store.wait_stop(self.stream_id)
            except Exception as exc:  # the other tasks end the generation if the outage lasts
                outage.failed(exc)
            else:
                # wait_stop also returns when the stream is gone: a Redis restarted empty is no Stop.
                if await self._call(outage, limits, store.get(self.stream_id)) is not None:
                    self._end(Outcome.STOPPED)
                    return
                if outage.since is None:
                    await self._lose(store, limits, outage)
            await anyio.sleep(RETRY_INTERVAL)

    async def _call(self, outage: Outage, limits: Limits, call: Awaitable[T]) -> T | None:
        """``call``'s result; None while the store is unreachable, ending the generation past the window."""
        try:
            with anyio.fail_after(limits.outage_window):  # a stopped Redis never answers
                result = await call
        except Exception as exc:
            if not outage.failed(exc):
                self._end(Outcome.SHUTDOWN)
            return None
        outage.recovered()
        return result

    async def _publish(self, store: Store, limits: Limits, status: Status, outage: Outage) -> bool | None:
        """Publish the snapshot: False when the stream is lost, None if the store did not answer."""
        async with self._publishing:
            self._seq += 1
            # While running, the record must outlive the whole deadline even if no token comes.
            ttl = limits.result_ttl + (limits.deadline if status == "running" else 0)
            frame = Frame(self._seq, json.dumps(self._snapshot), status)
            published = await self._call(outage, limits, store.publish(self.stream_id, frame, ttl=ttl))
        return published  # None: _publish_latest retries every RETRY_INTERVAL while the outage lasts

    async def _publish_final(self, store: Store, limits: Limits, status: Status, outage: Outage) -> None:
        """Publish the final frame, retrying through an outage; followers then end."""
        while await self._publish(store, limits, status, outage) is None:
            if outage.over:  # followers end by themselves, with the text they have
                logger.error("the final frame of stream %s was not published: the store stayed away", self.stream_id)
                break
            await anyio.sleep(RETRY_INTERVAL)
