"""Generation: a live producer keeps its lease on a blocked loop, and rides out a store outage."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import anyio.lowlevel
import pytest

from fastapi_fragments import HTMX2
from fastapi_fragments._hooks import Hooks
from fastapi_fragments._plan import TokenStream
from fastapi_fragments.registry._following import DEFAULT_NOTICES, Follower, follow_updates
from fastapi_fragments.registry._generation import Generation, Limits
from fastapi_fragments.stores import Frame, Liveness, MemoryStore
from fastapi_fragments.testing import FakeLLM, parse_sse
from tests.helpers import sink_bytes
from tests.registry.registry_app import TEMPLATES

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
    plan = TokenStream(
        stalling_tokens(4), "registry.html", "answer", context_key="text",
        extra_context=None, sources_block=None, sources=None, error_block=None, mode="replace", keep_ended=True,
    ).plan_now(TEMPLATES, Hooks())  # fmt: skip
    generation = Generation("s1", plan.producer)
    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(generation.run, store, Limits(60, LEASE, 60, 0, False))
            updates = follow_updates(store, "s1", "me", after=0, notices=DEFAULT_NOTICES, window=5)
            body = await sink_bytes(Follower(updates), HTMX2())
    final = [event.data for event in parse_sse(body) if event.event == "fragment"][-1]
    assert "word3" in final and "interrupted" not in final


class FlakyStore(MemoryStore):
    """A memory store that refuses the producer's calls while ``down`` (Redis away)."""

    down = False

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("Connection refused")

    async def publish(self, stream_id: str, frame: Frame, *, ttl: float) -> bool:
        self._check()
        return await super().publish(stream_id, frame, ttl=ttl)

    async def heartbeat(self, stream_id: str, *, lease: float) -> Liveness:
        self._check()
        return await super().heartbeat(stream_id, lease=lease)


@pytest.mark.parametrize(("outage", "completes"), [(0.5, True), (3.0, False)], ids=["short", "longer-than-window"])
async def test_the_producer_keeps_generating_through_an_outage_shorter_than_the_window(
    outage: float, completes: bool
) -> None:
    store, llm = FlakyStore(poll_interval=0.05), FakeLLM([f"w{i} " for i in range(60)], delay=0.05)
    completed: list[str] = []
    await store.create("s1", owner="me", max_active=None, lease=10, watch=30, ttl=60)
    plan = TokenStream(
        llm.stream("q"), "registry.html", "answer", context_key="text",
        extra_context=None, sources_block=None, sources=None, error_block=None, mode="replace", keep_ended=True,
    ).plan_now(TEMPLATES, Hooks(on_complete=completed.append))  # fmt: skip
    generation = Generation("s1", plan.producer)
    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(generation.run, store, Limits(60, 10, 60, 0, False, 1.5))
            await anyio.sleep(0.3)
            store.down = True
            await anyio.sleep(outage)
            store.down = False
    record = await store.get("s1")
    assert record is not None and record.frame is not None
    if completes:  # every token pulled, the last snapshot published once the store came back
        assert llm.calls[0].finished and completed and record.frame.status == "done"
        assert "w59" in record.frame.data
    else:  # given up: the model's stream closed early; the final frame could not be published
        assert llm.calls[0].closed and not llm.calls[0].finished and not completed
        assert record.frame.status == "running"
