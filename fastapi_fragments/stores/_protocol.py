"""The Store contract: where a running answer's latest frame lives while followers come and go.

Frames are full snapshots, so a store keeps only the latest one per stream (memory stays bounded)
and a follower that (re)connects needs nothing but that frame and the live continuation; no
character-offset replay as in Vercel's resumable-stream.

Three timers, all in seconds, set by the registry:

- ``lease``: the producer proves it is alive by publishing a running frame (the ``lease`` given
  at create) or calling :meth:`Store.heartbeat` more often than this; neither ever shortens a
  lease already longer. A running stream whose lease lapsed ends as ``"interrupted"`` (the worker died), and the
  producer's later publishes are refused (fencing), so a slow producer never overwrites that end.
- ``watch``: a stream counts as watched while a follower is attached or was within this time;
  the producer reads it from :meth:`Store.heartbeat` to cancel abandoned answers.
- ``ttl``: how long the record outlives its last publish, so a late reconnect still finds it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, cast, get_args, runtime_checkable

__all__ = ("Frame", "Liveness", "Status", "Store", "StreamRecord")

#: How a stream stands: ``"running"`` or one of the terminal states.
Status: TypeAlias = Literal["running", "done", "stopped", "failed", "timeout", "abandoned", "interrupted"]

#: What :meth:`Store.heartbeat` tells the producer: keep going, nobody listens, or you lost the stream.
Liveness: TypeAlias = Literal["watched", "unwatched", "lost"]

_STATUSES = frozenset(get_args(Status))


@dataclass(frozen=True, slots=True)
class Frame:
    """One snapshot of a stream: a sequence number (the SSE ``id:``), opaque data and a status.

    ``data`` is whatever the registry serialised; stores never look inside it. An ``interrupted``
    frame carries the data of the last frame published before the producer died.

    Example::

        Frame(3, '{"response": "<p>Hel</p>"}')           # running
        Frame(9, '{"response": "<p>Hello</p>"}', "done")  # final
    """

    seq: int
    data: str
    status: Status = "running"

    @property
    def final(self) -> bool:
        """True when nothing follows this frame."""
        return self.status != "running"

    def to_json(self) -> str:
        """Serialise for a wire or a key; the inverse of :meth:`from_json`."""
        return json.dumps({"seq": self.seq, "data": self.data, "status": self.status})

    @classmethod
    def from_json(cls, raw: str | bytes) -> Frame:
        """Parse :meth:`to_json` output.

        :raises ValueError: if ``raw`` is not a frame.
        """
        fields = json.loads(raw)
        status = fields.get("status")
        if status not in _STATUSES or not isinstance(fields.get("seq"), int) or not isinstance(fields.get("data"), str):
            raise ValueError(f"not a stream frame: {raw!r}")
        return cls(fields["seq"], fields["data"], cast(Status, status))


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """What a store knows about one stream: who owns it and its latest frame (None before the first).

    Example::

        record = await store.get(stream_id)
        if record is None or record.owner != session_id:
            ...  # unknown, expired or someone else's
    """

    owner: str
    frame: Frame | None


@runtime_checkable
class Store(Protocol):
    """Keeps the latest frame of every live stream, fans it out to followers, relays Stop.

    Implementations: :class:`~fastapi_fragments.stores.MemoryStore` (one process) and
    :class:`~fastapi_fragments.stores.redis.RedisStore` (any number of workers and hosts).
    Every method is safe to call concurrently from many tasks.

    Example::

        store = MemoryStore()
        await store.create("abc", owner="session-1", max_active=2, lease=5, watch=30, ttl=600)
        await store.publish("abc", Frame(1, "<p>Hi</p>"), ttl=600)
        async for frame in store.follow("abc"):
            ...  # Frame(1, "<p>Hi</p>"), then each newer frame until a final one
    """

    async def create(
        self, stream_id: str, *, owner: str, max_active: int | None, lease: float, watch: float, ttl: float
    ) -> bool:
        """Register a running stream with a fresh lease, counted as watched for ``watch`` seconds.

        Returns False, creating nothing, when ``owner`` already has ``max_active`` running streams
        (None: no cap). Streams whose lease lapsed do not count.
        """
        ...

    async def get(self, stream_id: str) -> StreamRecord | None:
        """The stream's owner and latest frame; None when unknown or expired."""
        ...

    async def publish(self, stream_id: str, frame: Frame, *, ttl: float) -> bool:
        """Make ``frame`` the latest, wake followers and keep the record ``ttl`` more seconds.

        A running frame renews the lease (progress proves the producer alive); a final frame ends
        the lease and frees the owner's slot. Returns False, storing nothing,
        when the stream is unknown or already final (for instance marked interrupted): the caller
        has lost the stream and must stop producing.
        """
        ...

    async def heartbeat(self, stream_id: str, *, lease: float) -> Liveness:
        """Extend the lease to ``lease`` seconds from now (never shorter); report whether anyone listens."""
        ...

    async def stop(self, stream_id: str) -> bool:
        """Ask the producer, wherever it runs, to stop. False when the stream is not running."""
        ...

    async def wait_stop(self, stream_id: str) -> None:
        """Return once Stop was requested, or the stream is gone or final."""
        ...

    def follow(self, stream_id: str) -> AsyncGenerator[Frame, None]:
        """Yield the latest frame, then each newer one, until a final frame (yielded last).

        Intermediate frames may be skipped (snapshots make that harmless); the final one never
        is. While iterating, the stream counts as watched. When the producer's lease lapses the
        stream is marked ``"interrupted"`` and that frame ends the iteration. Yields nothing for
        an unknown or expired stream. Close the iterator (``aclose()``) when leaving early.
        """
        ...

    async def aclose(self) -> None:
        """Release connections the store opened itself."""
        ...
