"""RedisStore beyond the shared contract: several workers (store instances) on one Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing

import anyio
import pytest
import redis.asyncio as aioredis

from fastapi_fragments.stores import Frame
from fastapi_fragments.stores.redis import RedisStore

pytestmark = pytest.mark.anyio

LONG = 60.0


@pytest.fixture
async def workers(redis_url: str) -> AsyncIterator[tuple[RedisStore, RedisStore]]:
    prefix = uuid.uuid4().hex
    first = RedisStore(redis_url, prefix=prefix, poll_interval=0.05)
    second = RedisStore(redis_url, prefix=prefix, poll_interval=0.05)
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_a_follower_on_another_worker_gets_the_stream(workers: tuple[RedisStore, RedisStore]) -> None:
    producer, follower = workers
    await producer.create("s1", owner="o", max_active=1, lease=LONG, watch=LONG, ttl=LONG)
    await producer.publish("s1", Frame(1, "a"), ttl=LONG)
    received: list[Frame] = []
    async with anyio.create_task_group() as tg:

        async def follow() -> None:
            received.extend([frame async for frame in follower.follow("s1")])

        tg.start_soon(follow)
        await anyio.sleep(0.1)
        await producer.publish("s1", Frame(2, "ab", "done"), ttl=LONG)
    assert received == [Frame(1, "a"), Frame(2, "ab", "done")]


async def test_stop_on_one_worker_reaches_the_producer_on_another(workers: tuple[RedisStore, RedisStore]) -> None:
    producer, other = workers
    await producer.create("s2", owner="o", max_active=None, lease=LONG, watch=LONG, ttl=LONG)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(producer.wait_stop, "s2")
            await anyio.sleep(0.1)
            assert await other.stop("s2")
    assert await other.stop("s2")  # still running: nobody published a final frame yet


async def test_the_owner_cap_is_shared_between_workers(workers: tuple[RedisStore, RedisStore]) -> None:
    first, second = workers
    assert await first.create("a", owner="o", max_active=1, lease=LONG, watch=LONG, ttl=LONG)
    assert not await second.create("b", owner="o", max_active=1, lease=LONG, watch=LONG, ttl=LONG)


async def test_a_given_client_is_left_open(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    store = RedisStore(client, prefix=uuid.uuid4().hex)
    await store.aclose()
    assert await client.ping()
    await client.aclose()


def test_poll_interval_must_be_positive(redis_url: str) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        RedisStore(redis_url, poll_interval=0)


async def test_a_follower_that_leaves_unsubscribes(workers: tuple[RedisStore, RedisStore], redis_url: str) -> None:
    store = workers[0]
    await store.create("s3", owner="o", max_active=None, lease=LONG, watch=LONG, ttl=LONG)
    await store.publish("s3", Frame(1, "a"), ttl=LONG)
    client = aioredis.Redis.from_url(redis_url)
    channel = f"{store._prefix}:s3"
    async with aclosing(store.follow("s3")) as frames:
        assert await anext(frames) == Frame(1, "a")
        assert await client.pubsub_numsub(channel) == [(channel.encode(), 1)]
    assert await client.pubsub_numsub(channel) == [(channel.encode(), 0)]
    await client.aclose()
