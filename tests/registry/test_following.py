"""A follower whose store fails mid-stream still ends politely, with done."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest

from fastapi_fragments import HTMX2
from fastapi_fragments._following import DEFAULT_NOTICES, follow_frames
from fastapi_fragments.stores import Frame, MemoryStore
from fastapi_fragments.testing import parse_sse

pytestmark = pytest.mark.anyio


class FailingStore(MemoryStore):
    """A store whose connection drops while a follower reads (Redis going away)."""

    async def follow(self, stream_id: str) -> AsyncGenerator[Frame, None]:
        raise ConnectionError("redis went away")
        yield  # pragma: no cover - makes this an async generator


async def test_a_store_outage_ends_the_follower_with_the_interrupted_notice_and_done() -> None:
    store = FailingStore()
    await store.create("s1", owner="me", max_active=None, lease=5, watch=30, ttl=60)
    frames = [chunk async for chunk in follow_frames(store, "s1", "me", HTMX2(), after=0, notices=DEFAULT_NOTICES)]
    events = parse_sse(b"".join(frames))
    assert [event.event for event in events] == ["fragment", "done"]
    assert 'data-status="interrupted"' in events[0].data and "redis" not in events[0].data
