"""MemoryStore: the embedded default, for one process.

Each stream is one small record holding only its latest frame; records are dropped ``ttl``
seconds after their last publish (swept whenever a stream is created), so memory is bounded by
the number of streams started within ``ttl``. Followers wait on an event that every publish sets
and replaces, waking every ``poll_interval`` seconds to notice a lapsed lease.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import anyio

from ._protocol import Frame, Liveness, StreamRecord

__all__ = ("MemoryStore",)


@dataclass(slots=True)
class _Entry:
    owner: str
    watch: float
    lease: float
    lease_until: float
    watched_until: float
    expires_at: float
    frame: Frame | None = None
    followers: int = 0
    changed: anyio.Event = field(default_factory=anyio.Event)
    stop_requested: anyio.Event = field(default_factory=anyio.Event)

    @property
    def running(self) -> bool:
        return self.frame is None or not self.frame.final

    def replace(self, frame: Frame, expires_at: float) -> None:
        self.frame = frame
        self.expires_at = expires_at
        # Waking the stop waiter too lets a producer blocked in wait_stop() exit once final.
        if frame.final:
            self.stop_requested.set()
        self.changed.set()
        self.changed = anyio.Event()


class MemoryStore:
    """Streams kept in this process's memory; the default store, needing no service.

    With several worker processes each has its own MemoryStore, so a reconnect landing on
    another worker finds nothing: use :class:`~fastapi_fragments.stores.redis.RedisStore` there.

    Example::

        registry = StreamRegistry(MemoryStore())
    """

    def __init__(self, *, poll_interval: float = 1.0) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be > 0, got {poll_interval!r}")
        self._poll_interval = poll_interval
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _entry(self, stream_id: str) -> _Entry | None:
        entry = self._entries.get(stream_id)
        if entry is not None and entry.expires_at <= time.monotonic():
            del self._entries[stream_id]
            return None
        return entry

    def _interrupt_if_lapsed(self, entry: _Entry) -> None:
        now = time.monotonic()
        if entry.running and entry.lease_until <= now:
            last = entry.frame
            seq, data = (last.seq, last.data) if last is not None else (0, "")
            entry.replace(Frame(seq + 1, data, "interrupted"), entry.expires_at)

    async def create(
        self, stream_id: str, *, owner: str, max_active: int | None, lease: float, watch: float, ttl: float
    ) -> bool:
        now = time.monotonic()
        for expired in [key for key, entry in self._entries.items() if entry.expires_at <= now]:
            del self._entries[expired]
        if stream_id in self._entries:
            raise ValueError(f"stream {stream_id!r} already exists")
        if max_active is not None:
            active = sum(1 for e in self._entries.values() if e.owner == owner and e.running and e.lease_until > now)
            if active >= max_active:
                return False
        self._entries[stream_id] = _Entry(owner, watch, lease, now + lease, now + watch, now + ttl)
        return True

    async def get(self, stream_id: str) -> StreamRecord | None:
        entry = self._entry(stream_id)
        if entry is None:
            return None
        self._interrupt_if_lapsed(entry)
        return StreamRecord(entry.owner, entry.frame)

    async def publish(self, stream_id: str, frame: Frame, *, ttl: float) -> bool:
        entry = self._entry(stream_id)
        if entry is None or not entry.running:
            return False
        now = time.monotonic()
        if not frame.final:  # progress renews the lease, never shortening a longer heartbeat
            entry.lease_until = max(entry.lease_until, now + entry.lease)
        entry.replace(frame, now + ttl)
        return True

    async def heartbeat(self, stream_id: str, *, lease: float) -> Liveness:
        entry = self._entry(stream_id)
        if entry is None or not entry.running:
            return "lost"
        now = time.monotonic()
        entry.lease_until = max(entry.lease_until, now + lease)
        return "watched" if entry.followers or entry.watched_until > now else "unwatched"

    async def stop(self, stream_id: str) -> bool:
        entry = self._entry(stream_id)
        if entry is None or not entry.running:
            return False
        entry.stop_requested.set()
        return True

    async def wait_stop(self, stream_id: str) -> None:
        entry = self._entry(stream_id)
        if entry is not None and entry.running:
            await entry.stop_requested.wait()

    async def follow(self, stream_id: str) -> AsyncGenerator[Frame, None]:
        entry = self._entry(stream_id)
        if entry is None:
            return
        entry.followers += 1
        try:
            sent = 0
            while True:
                frame = entry.frame
                if frame is not None and frame.seq > sent:
                    sent = frame.seq
                    yield frame
                    if frame.final:
                        return
                changed = entry.changed
                with anyio.move_on_after(self._poll_interval):
                    await changed.wait()
                self._interrupt_if_lapsed(entry)
        finally:
            entry.followers -= 1
            entry.watched_until = time.monotonic() + entry.watch

    async def aclose(self) -> None:
        self._entries.clear()
