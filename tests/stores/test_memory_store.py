"""MemoryStore beyond the shared contract: bounded memory."""

from __future__ import annotations

import anyio
import pytest

from fastapi_fragments.stores import Frame, MemoryStore

pytestmark = pytest.mark.anyio


async def test_expired_records_are_swept_when_streams_are_created() -> None:
    store = MemoryStore()
    for stream_id in ("a", "b", "c"):
        await store.create(stream_id, owner="o", max_active=None, lease=60, watch=60, ttl=0.1)
        await store.publish(stream_id, Frame(1, "x", "done"), ttl=0.1)
    await anyio.sleep(0.3)
    await store.create("d", owner="o", max_active=None, lease=60, watch=60, ttl=60)
    assert len(store) == 1


def test_poll_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        MemoryStore(poll_interval=-1)
