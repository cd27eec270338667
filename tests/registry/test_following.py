"""How a follower's stream ends: never with less text than the reader already had."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

import anyio
import pytest

from fastapi_fragments import HTMX2
from fastapi_fragments.registry._following import DEFAULT_NOTICES, Follower, follow_updates
from fastapi_fragments.stores import Frame, MemoryStore
from fastapi_fragments.testing import SSEMessage, parse_sse
from tests.helpers import sink_bytes

pytestmark = pytest.mark.anyio

LIVE = json.dumps({"response": "<p>41 words</p><i>cursor</i>", "ended": "<p>41 words</p>"})


class FailingStore(MemoryStore):
    """A store whose connection drops while a follower reads (Redis going away), after ``frames``."""

    def __init__(self, *frames: Frame) -> None:
        super().__init__(poll_interval=0.05)
        self.frames = frames

    async def follow(self, stream_id: str) -> AsyncGenerator[Frame, None]:
        for frame in self.frames:
            yield frame
        raise ConnectionError("redis went away")


async def follow(store: MemoryStore, after: int = 0) -> list[SSEMessage]:
    with anyio.fail_after(10):
        updates = follow_updates(store, "s1", "me", after=after, notices=DEFAULT_NOTICES, window=0.3)
        return parse_sse(await sink_bytes(Follower(updates), HTMX2()))


async def created(store: MemoryStore, lease: float = 5) -> MemoryStore:
    await store.create("s1", owner="me", max_active=None, lease=lease, watch=30, ttl=60)
    return store


async def test_a_store_outage_before_any_frame_ends_with_the_interrupted_notice_and_done() -> None:
    events = await follow(await created(FailingStore()))
    assert [event.event for event in events] == ["fragment", "done"]
    assert 'data-status="interrupted"' in events[0].data and "redis" not in events[0].data


async def test_a_store_outage_mid_answer_keeps_the_text_and_drops_the_cursor() -> None:
    events = await follow(await created(FailingStore(Frame(1, LIVE))))
    assert [event.event for event in events] == ["fragment", "fragment", "done"]
    assert events[1].data.startswith("<p>41 words</p><p") and "cursor" not in events[1].data
    assert 'data-status="interrupted"' in events[1].data


async def test_a_resumed_follower_whose_text_was_never_read_gets_no_notice_that_would_replace_it() -> None:
    events = await follow(await created(FailingStore()), after=7)
    assert [event.event for event in events] == ["done"]


async def test_a_dead_producer_ends_with_its_last_text_rendered_final() -> None:
    store = await created(MemoryStore(poll_interval=0.05), lease=0.2)
    await store.publish("s1", Frame(1, LIVE), ttl=60)  # then the producer dies: no heartbeat
    events = await follow(store)
    assert [event.event for event in events] == ["fragment", "fragment", "done"]
    assert events[1].data.startswith("<p>41 words</p><p") and "cursor" not in events[1].data
    assert 'data-status="interrupted"' in events[1].data


PARTS = {
    "reasoning": {"block": "thoughts", "html": "<details open>hm</details>", "ended": "<details>hm</details>"},
    "usage": {"block": "usage", "html": "", "ended": None},
}


async def test_part_blocks_go_out_when_they_change_and_as_ended_when_the_producer_died() -> None:
    store = await created(MemoryStore(poll_interval=0.01))
    running = json.dumps({"response": "<p>thinking</p>", "ended": "<p>thinking</p>", "parts": PARTS})
    events: list[SSEMessage] = []

    async def read() -> None:
        events.extend(await follow(store))

    await store.publish("s1", Frame(1, running), ttl=60)
    async with anyio.create_task_group() as group:
        group.start_soon(read)
        for seq in (2, 3):
            await anyio.sleep(0.1)
            await store.publish("s1", Frame(seq, running), ttl=60)
        await anyio.sleep(0.1)
        await store.publish("s1", Frame(4, running, "interrupted"), ttl=60)  # the store's end for a dead producer
    assert [event.event for event in events][:3] == ["thoughts", "usage", "fragment"]
    reasoning = [event.data for event in events if event.event == "thoughts"]
    assert reasoning == ["<details open>hm</details>", "<details>hm</details>"], "unchanged parts are not resent"
    assert [event.event for event in events].count("fragment") == 4 and events[-1].event == "done"
