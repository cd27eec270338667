"""Pace and Coalescer: render inline when the pace allows, merge updates (latest wins) when it does not."""

from __future__ import annotations

import anyio
import pytest
from anyio.lowlevel import checkpoint

from fastapi_fragments._load import Load
from fastapi_fragments._pace import SLOW_SEND, TIMED_EVERY, Coalescer, Pace

pytestmark = pytest.mark.anyio


async def update(coalescer: Coalescer) -> None:
    """What a feed does after each change: render now if the coalescer says so."""
    if coalescer.changed():
        await coalescer.render()


class Recorder:
    """An ``emit`` that records the state it rendered, optionally slow like a client that lags."""

    def __init__(self, delay: float = 0.0) -> None:
        self.state = 0
        self.seen: list[int] = []
        self.delay = delay
        self._emitted = anyio.Event()

    async def emit(self) -> int:
        self.seen.append(self.state)
        self._emitted.set()
        self._emitted = anyio.Event()
        if self.delay:
            await anyio.sleep(self.delay)
        return 100

    async def push(self, coalescer: Coalescer, state: int) -> None:
        """The source's step: a new state, then what a feed does after each change."""
        self.state = state
        await update(coalescer)

    async def rendered(self, state: int) -> None:
        """Wait (at most 2 s) until ``state`` has been rendered."""
        with anyio.fail_after(2):
            while state not in self.seen:
                await self._emitted.wait()


async def test_unpaced_updates_render_inline_every_step() -> None:
    recorder = Recorder()
    coalescer = Coalescer(Pace(0), recorder.emit)
    for step in range(1, 6):
        await recorder.push(coalescer, step)
        assert recorder.seen[-1] == step  # rendered before the step returned: no other task involved
    await coalescer.finish()
    assert recorder.seen == [1, 2, 3, 4, 5]


async def test_updates_within_the_interval_merge_and_the_latest_is_rendered() -> None:
    recorder = Recorder()
    coalescer = Coalescer(Pace(0.05), recorder.emit)
    for step in range(1, 50):
        await recorder.push(coalescer, step)
        await checkpoint()
    assert recorder.seen == [1]  # the rest came within 50 ms of the first render
    await recorder.rendered(49)  # the source went quiet: the flusher renders the newest state
    await coalescer.finish()
    assert recorder.seen == [1, 49]


async def test_the_first_update_after_the_interval_renders_everything_inline() -> None:
    recorder = Recorder()
    coalescer = Coalescer(Pace(0.05), recorder.emit)
    await recorder.push(coalescer, 1)
    await recorder.push(coalescer, 2)  # within the interval: waits in the state
    await anyio.sleep(0.06)
    await recorder.push(coalescer, 3)
    assert recorder.seen == [1, 3]  # rendered by the step itself, with the update that waited
    await coalescer.finish()


async def test_a_failed_send_in_the_flusher_is_raised_by_the_next_update() -> None:
    async def broken() -> int:
        raise ConnectionResetError("the client is gone")

    with pytest.raises(ConnectionResetError):
        await update(Coalescer(Pace(0.01), broken))  # an inline render raises at once
    coalescer = Coalescer(Pace(0.01), Recorder().emit)
    await update(coalescer)
    coalescer._emit = broken  # the next render is the flusher's, once the source goes quiet
    await update(coalescer)
    with anyio.fail_after(2), pytest.raises(ConnectionResetError):
        while True:
            await anyio.sleep(0.01)
            await update(coalescer)
    coalescer.close()


async def test_updates_during_a_slow_send_merge_into_one_render() -> None:
    recorder = Recorder()
    coalescer = Coalescer(Pace(0.01), recorder.emit)
    await recorder.push(coalescer, 1)
    recorder.delay = 0.1  # the client lags: the flusher's send takes 100 ms
    await recorder.push(coalescer, 2)
    await recorder.rendered(2)
    assert coalescer.sending
    recorder.delay = 0
    for step in range(3, 31):
        await recorder.push(coalescer, step)  # returns at once: nothing queues behind the slow send
    await recorder.rendered(30)
    await coalescer.finish()
    assert recorder.seen == [1, 2, 30]


async def test_a_slow_send_stretches_the_interval_even_unpaced() -> None:
    pace = Pace(0)
    pace.sent(100, duration=SLOW_SEND * 10)
    assert pace.interval == pytest.approx(SLOW_SEND * 10)  # the client is lagging: merge meanwhile
    pace.sent(100, duration=SLOW_SEND / 10)
    assert pace.interval == 0  # it caught up: every step again


async def test_unpaced_one_render_in_timed_every_is_timed_and_stands_for_the_others() -> None:
    load = Load()
    recorder = Recorder()
    coalescer = Coalescer(Pace(0, load=load), recorder.emit)
    counted = []
    for step in range(1, 3 * TIMED_EVERY + 1):
        await recorder.push(coalescer, step)
        counted.append(load.frames)
    # The first render is timed, then every TIMED_EVERY-th, for itself and the untimed ones before it.
    assert counted == [1 + TIMED_EVERY * ((step - 1) // TIMED_EVERY) for step in range(1, 3 * TIMED_EVERY + 1)]
    assert recorder.seen == list(range(1, 3 * TIMED_EVERY + 1))  # every step rendered all the same
    assert load.cpu > 0


async def test_a_timed_render_before_the_countdown_ran_out_counts_the_renders_since_the_last_one() -> None:
    load = Load()
    recorder = Recorder()
    coalescer = Coalescer(Pace(0, load=load), recorder.emit)
    await recorder.push(coalescer, 1)  # timed: one frame
    await recorder.push(coalescer, 2)  # untimed
    await coalescer._timed()  # the flusher's render is a timed one, whatever the countdown says
    assert load.frames == 3  # not 1 + TIMED_EVERY


async def test_an_unpaced_slow_send_has_every_render_timed_until_the_client_caught_up() -> None:
    pace = Pace(0)
    recorder = Recorder(delay=SLOW_SEND * 10)
    coalescer = Coalescer(pace, recorder.emit)
    await coalescer.render()  # the first render is timed: the client lags
    assert pace.interval >= SLOW_SEND * 10
    recorder.delay = 0
    await coalescer.render()  # timed, the pace having an interval: it caught up
    assert pace.interval == 0


async def test_finish_waits_for_the_send_under_way_and_stops_rendering() -> None:
    recorder = Recorder()
    coalescer = Coalescer(Pace(0.05), recorder.emit)
    await recorder.push(coalescer, 1)
    await recorder.push(coalescer, 2)  # deferred to the flusher
    await coalescer.finish()
    await anyio.sleep(0.1)
    assert recorder.seen == [1]  # the final render is the caller's: the flusher gave up
    assert not coalescer.dirty


async def test_finish_waits_for_a_send_of_the_flusher() -> None:
    recorder = Recorder()
    coalescer = Coalescer(Pace(0.02), recorder.emit)
    await recorder.push(coalescer, 1)
    recorder.delay = 0.2  # the flusher's send will be slow
    await recorder.push(coalescer, 2)
    await recorder.rendered(2)
    assert coalescer.sending
    before = anyio.current_time()
    await coalescer.finish()
    assert anyio.current_time() - before > 0.1  # it waited for the flusher's send to end
    assert not coalescer.sending
    assert recorder.seen == [1, 2]


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
