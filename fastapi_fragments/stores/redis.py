"""RedisStore: streams shared by every worker and host that talks to one Redis.

Install with ``pip install 'fastapi-fragments[redis]'`` (redis-py's asyncio client).

Design. Frames are full snapshots, so Redis holds only the latest one per stream; no Streams
log, no backlog to replay. For stream ``ID`` under ``prefix`` (default ``fragments``):

- ``{prefix}:{ID}`` hash ``owner, watch, lease, seq, status, data, stop``, expiring ``ttl``
  seconds after the last publish. A late reconnect reads the final frame from here.
- ``{prefix}:{ID}:lease`` key, ``PX lease``, refreshed by the producer's heartbeat and by each
  running publish (never shortened), deleted by its final publish. A running stream without it
  belongs to a dead worker: the first follower (or reader) to notice marks it ``interrupted``
  with the last data, in one script.
- ``{prefix}:{ID}:watch`` key, ``PX watch``, set at create and refreshed by attached followers;
  the heartbeat reports ``"unwatched"`` once it is gone (abandonment).
- ``{prefix}:owner:{OWNER}`` sorted set of the owner's running streams scored by lease expiry
  (Redis ``TIME``, so host clocks don't matter): the per-owner cap counts members still leased.
- pub/sub channel ``{prefix}:{ID}`` carries each published frame as JSON (followers need no
  second read), and ``{prefix}:{ID}:ctl`` carries Stop to the producer, wherever it runs.

Every state change is one Lua script, so check-and-set is atomic: a publish after the stream
went final (a producer that stalled past its lease) is refused, which fences it. Pub/sub can
drop messages when a connection breaks; followers therefore also re-read the hash every
``poll_interval`` seconds, which is also when they notice a lapsed lease. Each follower holds
one pub/sub connection while attached. Keys of one stream live in different hash slots, so
this store targets a single Redis (or a primary with replicas), not Redis Cluster.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Mapping
from typing import Any, cast

from ._protocol import Frame, Liveness, Status, StreamRecord

try:
    import redis.asyncio as aioredis
except ModuleNotFoundError as exc:  # pragma: no cover - exercised only without the extra
    raise ModuleNotFoundError(
        "fastapi_fragments.stores.redis needs redis-py: pip install 'fastapi-fragments[redis]'"
    ) from exc

__all__ = ("RedisStore",)

_NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "

_CREATE = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if tonumber(ARGV[2]) >= 0 and redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[2]) then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'watch', ARGV[4], 'lease', ARGV[3])
redis.call('HSET', KEYS[1], 'seq', 0, 'status', 'running', 'data', '')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], 1, 'PX', ARGV[3])
redis.call('SET', KEYS[3], 1, 'PX', ARGV[4])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), ARGV[6])
redis.call('PEXPIRE', KEYS[4], math.max(tonumber(ARGV[5]), redis.call('PTTL', KEYS[4])))
return 1
"""
)

# KEYS: hash, lease; ARGV: prefix, stream id. Drops the stream from its owner's running set;
# renew(ms) extends the lease to ms from now, never shortening it (a heartbeat may ask for more).
_LEASE = """
local function owner_key() return ARGV[1] .. ':owner:' .. redis.call('HGET', KEYS[1], 'owner') end
local function release()
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', owner_key(), ARGV[2])
end
local function renew(ms)
  -- nil: a record created before the hash kept its lease
  if not ms or ms <= 0 or redis.call('PTTL', KEYS[2]) >= ms then return end
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], 1, 'PX', ms)
  redis.call('ZADD', owner_key(), 'XX', t[1] * 1000 + math.floor(t[2] / 1000) + ms, ARGV[2])
end
"""

_PUBLISH = (
    _LEASE
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[3], 'status', ARGV[4], 'data', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
if ARGV[4] ~= 'running' then release() else renew(tonumber(redis.call('HGET', KEYS[1], 'lease'))) end
redis.call('PUBLISH', KEYS[1], ARGV[7])
return 1
"""
)

_INTERRUPT_IF_LAPSED = (
    _LEASE
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq')) + 1
local data = redis.call('HGET', KEYS[1], 'data')
redis.call('HSET', KEYS[1], 'seq', seq, 'status', 'interrupted')
release()
redis.call('PUBLISH', KEYS[1], cjson.encode({seq = seq, data = data, status = 'interrupted'}))
return 1
"""
)

_HEARTBEAT = (
    _LEASE
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return -1 end
renew(tonumber(ARGV[3]))
return redis.call('EXISTS', KEYS[3])
"""
)

_STOP = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'stop', 1)
redis.call('PUBLISH', KEYS[2], 'stop')
return 1
"""


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _record(fields: Mapping[Any, Any]) -> StreamRecord | None:
    values = {_text(key): _text(value) for key, value in fields.items()}
    if "owner" not in values:
        return None
    seq = int(values["seq"])
    frame = Frame(seq, values["data"], cast(Status, values["status"])) if seq or values["status"] != "running" else None
    return StreamRecord(values["owner"], frame)


class RedisStore:
    """Streams in Redis: any worker serves any stream's followers, Stop and resumes.

    ``redis`` is a URL or an existing ``redis.asyncio.Redis`` client; the store closes only a
    client it created, which gets 1 s socket timeouts unless the URL sets them
    (``?socket_timeout=``). ``poll_interval`` bounds how long a follower takes to notice a dead
    producer (on top of the lease) and a lost pub/sub message.

    Example::

        from fastapi_fragments.stores.redis import RedisStore

        registry = StreamRegistry(RedisStore("redis://localhost:6379/0"))
    """

    def __init__(self, redis: str | aioredis.Redis, *, prefix: str = "fragments", poll_interval: float = 1.0) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be > 0, got {poll_interval!r}")
        self._owns_client = isinstance(redis, str)
        # Timeouts, so a stopped Redis fails calls (and the registry rides the outage out) instead
        # of hanging them; options in the URL's query string take precedence.
        self._redis = (
            aioredis.Redis.from_url(redis, socket_timeout=1.0, socket_connect_timeout=1.0)
            if isinstance(redis, str)
            else redis
        )
        self._prefix = prefix
        self._poll_interval = poll_interval
        self._create = self._redis.register_script(_CREATE)
        self._publish = self._redis.register_script(_PUBLISH)
        self._interrupt = self._redis.register_script(_INTERRUPT_IF_LAPSED)
        self._heartbeat = self._redis.register_script(_HEARTBEAT)
        self._stop = self._redis.register_script(_STOP)

    def _key(self, stream_id: str, suffix: str = "") -> str:
        return f"{self._prefix}:{stream_id}{suffix}"

    async def create(
        self, stream_id: str, *, owner: str, max_active: int | None, lease: float, watch: float, ttl: float
    ) -> bool:
        keys = [self._key(stream_id), self._key(stream_id, ":lease"), self._key(stream_id, ":watch")]
        keys.append(f"{self._prefix}:owner:{owner}")
        cap = -1 if max_active is None else max_active
        created = await self._create(keys, [owner, cap, _ms(lease), _ms(watch), _ms(ttl), stream_id])
        if created == -1:
            raise ValueError(f"stream {stream_id!r} already exists")
        return bool(created)

    async def get(self, stream_id: str) -> StreamRecord | None:
        await self._interrupt([self._key(stream_id), self._key(stream_id, ":lease")], [self._prefix, stream_id])
        return _record(await self._redis.hgetall(self._key(stream_id)))

    async def publish(self, stream_id: str, frame: Frame, *, ttl: float) -> bool:
        keys = [self._key(stream_id), self._key(stream_id, ":lease")]
        args: list[str | int] = [
            self._prefix,
            stream_id,
            frame.seq,
            frame.status,
            frame.data,
            _ms(ttl),
            frame.to_json(),
        ]
        return bool(await self._publish(keys, args))

    async def heartbeat(self, stream_id: str, *, lease: float) -> Liveness:
        keys = [self._key(stream_id), self._key(stream_id, ":lease"), self._key(stream_id, ":watch")]
        watched = await self._heartbeat(keys, [self._prefix, stream_id, _ms(lease)])
        return "lost" if watched == -1 else "watched" if watched else "unwatched"

    async def stop(self, stream_id: str) -> bool:
        return bool(await self._stop([self._key(stream_id), self._key(stream_id, ":ctl")], []))

    async def wait_stop(self, stream_id: str) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self._key(stream_id, ":ctl"))
            while True:
                # Read after subscribing, so a Stop sent in between is seen one way or the other.
                stop, status = await self._redis.hmget(self._key(stream_id), ["stop", "status"])
                if stop is not None or status is None or _text(status) != "running":
                    return
                if await pubsub.get_message(ignore_subscribe_messages=True, timeout=self._poll_interval):
                    return

    async def follow(self, stream_id: str) -> AsyncGenerator[Frame, None]:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self._key(stream_id))
            # Subscribed before reading, so no frame published in between is missed.
            record = await self.get(stream_id)
            if record is None:
                return
            watch = max(
                self._poll_interval, float(_text(await self._redis.hget(self._key(stream_id), "watch") or 0)) / 1000
            )
            watch_key = self._key(stream_id, ":watch")
            touched = 0.0
            frame, sent = record.frame, 0
            while True:
                if frame is not None and frame.seq > sent:
                    sent = frame.seq
                    yield frame
                    if frame.final:
                        return
                if time.monotonic() - touched > watch / 3:
                    touched = time.monotonic()
                    await self._redis.set(watch_key, 1, px=_ms(watch))
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=min(self._poll_interval, watch / 3)
                )
                if message is not None:
                    frame = Frame.from_json(message["data"])
                    continue
                record = await self.get(stream_id)
                if record is None:
                    return
                frame = record.frame

    async def aclose(self) -> None:
        if self._owns_client:
            await self._redis.aclose()
