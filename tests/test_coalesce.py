"""Handoff: latest wins when the sender is busy; the producer waits for an idle sender."""

from __future__ import annotations

import anyio
import pytest
from anyio.lowlevel import checkpoint

from fastapi_fragments._coalesce import Handoff, Pace

pytestmark = pytest.mark.anyio


async def test_idle_sender_sees_every_step() -> None:
    handoff, state, seen = Handoff(), [0], []

    async def sender() -> None:
        while True:
            await handoff.wait()
            if handoff.closed and not handoff.dirty:
                return
            handoff.take()
            seen.append(state[0])

    async with anyio.create_task_group() as group:
        group.start_soon(sender)
        await checkpoint()
        for step in range(1, 6):
            state[0] = step
            await handoff.publish()
        handoff.close()
    assert seen == [1, 2, 3, 4, 5]


async def test_busy_sender_gets_only_the_latest_state() -> None:
    handoff, state, seen = Handoff(), [0], []
    sending = anyio.Event()

    async def sender() -> None:
        await handoff.wait()
        handoff.take()
        seen.append(state[0])
        sending.set()
        await anyio.sleep(0.1)  # a slow client: the producer must not block on it
        await handoff.wait()
        handoff.take()
        seen.append(state[0])

    async with anyio.create_task_group() as group:
        group.start_soon(sender)
        await checkpoint()
        state[0] = 1
        await handoff.publish()
        await sending.wait()
        for step in range(2, 50):
            state[0] = step
            await handoff.publish()  # returns at once: nothing queues up
        handoff.close()
    assert seen == [1, 49]


async def test_flush_waits_until_the_state_was_taken() -> None:
    handoff, taken = Handoff(), []

    async def sender() -> None:
        await anyio.sleep(0.05)
        await handoff.wait()
        handoff.take()
        taken.append(True)

    async with anyio.create_task_group() as group:
        group.start_soon(sender)
        handoff.dirty = True
        await handoff.flush()
        assert taken == [True]


def test_pace_stretches_the_interval_to_the_byte_budget() -> None:
    pace = Pace(0.016, 32_000)
    pace.sent(100)
    assert pace.interval == 0.016  # small renders: one display frame apart
    pace.sent(6_400)
    assert pace.interval == pytest.approx(0.2)  # a big render waits until the budget allows it
    assert Pace(0.016, None).interval == 0.016
    unpaced = Pace(0, 32_000)
    unpaced.sent(1_000_000)
    assert unpaced.interval == 0  # min_interval=0 renders every step, whatever the size
