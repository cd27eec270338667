"""Generation on a loop that a token source blocks: a live producer keeps its lease."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import anyio.lowlevel
import pytest
from registry_app import TEMPLATES

from fastapi_fragments import HTMX2
from fastapi_fragments._feeds import plan_token_stream
from fastapi_fragments._following import DEFAULT_NOTICES, follow_frames
from fastapi_fragments._generation import Generation, Limits
from fastapi_fragments.stores import MemoryStore
from fastapi_fragments.testing import parse_sse

pytestmark = pytest.mark.anyio

LEASE, STALL = 1.0, 0.7


async def stalling_tokens(count: int) -> AsyncIterator[str]:
    """A source that blocks the whole event loop before each token (a CPU-bound neighbour)."""
    for i in range(count):
        time.sleep(STALL)  # noqa: ASYNC251  # blocking on purpose: this is the lag under test
        yield f"word{i} "
        await anyio.lowlevel.checkpoint()  # let followers and the heartbeat run between stalls


async def test_a_producer_stalled_for_most_of_its_lease_between_tokens_is_not_declared_dead() -> None:
    store = MemoryStore(poll_interval=0.05)
    await store.create("s1", owner="me", max_active=None, lease=LEASE, watch=30, ttl=60)
    plan = plan_token_stream(
        stalling_tokens(4), "registry.html", "answer", templates=TEMPLATES, context_key="text",
        extra_context=None, sources_block=None, sources=None, error_block=None,
    )  # fmt: skip
    generation = Generation("s1", plan.feed, sources=None, on_complete=None, on_error=None)
    chunks: list[bytes] = []
    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(generation.run, store, Limits(60, LEASE, 60, 0, False))
            async for chunk in follow_frames(store, "s1", "me", HTMX2(), after=0, notices=DEFAULT_NOTICES, window=5):
                chunks.append(chunk)
    final = [event.data for event in parse_sse(b"".join(chunks)) if event.event == "fragment"][-1]
    assert "word3" in final and "interrupted" not in final
