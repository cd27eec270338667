"""The Store contract, run against MemoryStore and RedisStore (a real redis-server) alike."""

from __future__ import annotations

import uuid
from contextlib import aclosing

import anyio
import pytest

from fastapi_fragments.stores import Frame, Store

pytestmark = pytest.mark.anyio

LONG = 60.0


def new_id() -> str:
    return uuid.uuid4().hex


async def started(store: Store, *, owner: str = "alice", lease: float = LONG, watch: float = LONG) -> str:
    stream_id = new_id()
    assert await store.create(stream_id, owner=owner, max_active=None, lease=lease, watch=watch, ttl=LONG)
    return stream_id


async def collect(store: Store, stream_id: str) -> list[Frame]:
    with anyio.fail_after(10):
        return [frame async for frame in store.follow(stream_id)]


async def test_a_new_stream_has_its_owner_and_no_frame(store: Store) -> None:
    stream_id = await started(store, owner="bob")
    record = await store.get(stream_id)
    assert record is not None
    assert (record.owner, record.frame) == ("bob", None)


async def test_unknown_stream_is_none_and_follows_empty(store: Store) -> None:
    assert await store.get("nope") is None
    assert await collect(store, "nope") == []
    assert await store.publish("nope", Frame(1, "x"), ttl=LONG) is False
    assert await store.heartbeat("nope", lease=LONG) == "lost"
    assert await store.stop("nope") is False


async def test_creating_an_existing_id_raises(store: Store) -> None:
    stream_id = await started(store)
    with pytest.raises(ValueError, match=stream_id):
        await store.create(stream_id, owner="alice", max_active=None, lease=LONG, watch=LONG, ttl=LONG)


async def test_only_the_latest_frame_is_kept(store: Store) -> None:
    stream_id = await started(store)
    for seq in (1, 2, 3):
        assert await store.publish(stream_id, Frame(seq, f"<p>{seq}</p>"), ttl=LONG)
    record = await store.get(stream_id)
    assert record is not None
    assert record.frame == Frame(3, "<p>3</p>")


async def test_follow_yields_latest_then_live_frames_until_final(store: Store) -> None:
    stream_id = await started(store)
    await store.publish(stream_id, Frame(1, "a"), ttl=LONG)
    received: list[Frame] = []
    async with anyio.create_task_group() as tg, aclosing(store.follow(stream_id)) as frames:

        async def produce() -> None:
            await store.publish(stream_id, Frame(2, "ab"), ttl=LONG)
            await anyio.sleep(0.05)
            await store.publish(stream_id, Frame(3, "abc", "done"), ttl=LONG)

        with anyio.fail_after(10):
            async for frame in frames:
                received.append(frame)
                if frame.seq == 1:
                    tg.start_soon(produce)
    assert received[0] == Frame(1, "a")
    assert received[-1] == Frame(3, "abc", "done")
    assert [f.seq for f in received] == sorted({f.seq for f in received})


async def test_a_finished_stream_answers_with_its_final_frame(store: Store) -> None:
    stream_id = await started(store)
    await store.publish(stream_id, Frame(1, "a"), ttl=LONG)
    await store.publish(stream_id, Frame(2, "ab", "stopped"), ttl=LONG)
    assert await collect(store, stream_id) == [Frame(2, "ab", "stopped")]
    assert await store.publish(stream_id, Frame(3, "abc"), ttl=LONG) is False
    assert await store.heartbeat(stream_id, lease=LONG) == "lost"
    assert await store.stop(stream_id) is False


async def test_two_followers_both_get_the_final_frame(store: Store) -> None:
    stream_id = await started(store)
    results: list[list[Frame]] = []

    async def follow() -> None:
        results.append(await collect(store, stream_id))

    async with anyio.create_task_group() as tg:
        tg.start_soon(follow)
        tg.start_soon(follow)
        await anyio.sleep(0.1)
        await store.publish(stream_id, Frame(1, "hi", "done"), ttl=LONG)
    assert [r[-1] for r in results] == [Frame(1, "hi", "done")] * 2


async def test_owner_cap_counts_running_streams_only(store: Store) -> None:
    first, second = new_id(), new_id()
    for stream_id in (first, second):
        assert await store.create(stream_id, owner="carol", max_active=2, lease=LONG, watch=LONG, ttl=LONG)
    assert not await store.create(new_id(), owner="carol", max_active=2, lease=LONG, watch=LONG, ttl=LONG)
    assert await store.create(new_id(), owner="dave", max_active=2, lease=LONG, watch=LONG, ttl=LONG)
    await store.publish(first, Frame(1, "x", "done"), ttl=LONG)
    assert await store.create(new_id(), owner="carol", max_active=2, lease=LONG, watch=LONG, ttl=LONG)


async def test_a_lapsed_lease_ends_the_stream_interrupted_and_fences_the_producer(store: Store) -> None:
    stream_id = await started(store, owner="erin", lease=1.0)
    await store.publish(stream_id, Frame(1, "partial"), ttl=LONG)
    frames = await collect(store, stream_id)
    assert frames[-1] == Frame(2, "partial", "interrupted")
    assert await store.publish(stream_id, Frame(2, "partial answer"), ttl=LONG) is False
    record = await store.get(stream_id)
    assert record is not None and record.frame == Frame(2, "partial", "interrupted")
    # The dead producer's slot is free again.
    assert await store.create(new_id(), owner="erin", max_active=1, lease=LONG, watch=LONG, ttl=LONG)


async def test_a_lapsed_lease_before_any_frame_is_interrupted_with_empty_data(store: Store) -> None:
    stream_id = await started(store, lease=0.2)
    assert await collect(store, stream_id) == [Frame(1, "", "interrupted")]


async def test_a_renewal_never_shortens_a_longer_lease(store: Store) -> None:
    stream_id = await started(store, lease=0.2)
    assert await store.heartbeat(stream_id, lease=LONG) == "watched"
    assert await store.heartbeat(stream_id, lease=0.2) == "watched"
    assert await store.publish(stream_id, Frame(1, "1"), ttl=LONG)  # renews by the create lease, 0.2
    await anyio.sleep(0.5)
    record = await store.get(stream_id)
    assert record is not None and record.frame == Frame(1, "1")


@pytest.mark.parametrize("renewal", ["heartbeats", "running publishes"])
async def test_heartbeats_or_progress_alone_keep_the_lease(store: Store, renewal: str) -> None:
    stream_id = await started(store, lease=1.0)

    async def produce() -> None:
        for seq in range(1, 20):  # 1.9 s, nearly twice the lease
            if renewal == "heartbeats":
                assert await store.heartbeat(stream_id, lease=1.0) != "lost"
            else:
                assert await store.publish(stream_id, Frame(seq, str(seq)), ttl=LONG)
            await anyio.sleep(0.1)
        await store.publish(stream_id, Frame(20, "20", "done"), ttl=LONG)

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        frames = await collect(store, stream_id)
    assert frames[-1] == Frame(20, "20", "done")


async def test_watched_while_followed_and_for_the_watch_window_after(store: Store) -> None:
    stream_id = await started(store, watch=0.6)
    assert await store.heartbeat(stream_id, lease=LONG) == "watched"
    await anyio.sleep(1.2)
    assert await store.heartbeat(stream_id, lease=LONG) == "unwatched"
    async with aclosing(store.follow(stream_id)) as frames:
        with anyio.move_on_after(1.2):
            async for _ in frames:
                pass  # pragma: no cover - nothing is published
        assert await store.heartbeat(stream_id, lease=LONG) == "watched"
    assert await store.heartbeat(stream_id, lease=LONG) == "watched"
    await anyio.sleep(1.2)
    assert await store.heartbeat(stream_id, lease=LONG) == "unwatched"


async def test_stop_wakes_the_producer(store: Store) -> None:
    stream_id = await started(store)
    woke = anyio.Event()

    async def producer() -> None:
        await store.wait_stop(stream_id)
        woke.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(producer)
        await anyio.sleep(0.1)
        assert not woke.is_set()
        assert await store.stop(stream_id)
        with anyio.fail_after(10):
            await woke.wait()


async def test_wait_stop_returns_once_final_or_unknown(store: Store) -> None:
    stream_id = await started(store)
    await store.publish(stream_id, Frame(1, "x", "done"), ttl=LONG)
    with anyio.fail_after(10):
        await store.wait_stop(stream_id)
        await store.wait_stop("unknown")


async def test_records_expire_ttl_after_the_last_publish(store: Store) -> None:
    stream_id = await started(store)
    await store.publish(stream_id, Frame(1, "x", "done"), ttl=0.2)
    await anyio.sleep(0.5)
    assert await store.get(stream_id) is None
