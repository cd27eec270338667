"""LoopMonitor, one per event loop: its lag stretches the pace; it tells open streams of shutdown and each second."""

from __future__ import annotations

import anyio
import pytest

from fastapi_fragments._loop import TICK, LoopMonitor
from fastapi_fragments._pace import LAG_FACTOR, LAG_FLOOR, MAX_LAG_INTERVAL, Pace


class Stream:
    """What the monitor watches (``_loop.Watched``), recording what it was told."""

    def __init__(self) -> None:
        self.shut = False
        self.ticks: list[float] = []

    def shut_down(self) -> None:
        self.shut = True

    def tick(self, now: float) -> None:
        self.ticks.append(now)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_lagging_event_loop_stretches_the_interval() -> None:
    clock = Clock()
    monitor = LoopMonitor(clock=clock, shutting_down=lambda: False)
    pace = Pace(0.016, lag=monitor.lag_now)
    for _ in range(3):  # ticks on time: an idle loop
        expected = clock.now + TICK
        clock.now = expected
        monitor.check(expected)
    pace.sent(100)
    assert pace.interval == 0.016
    for _ in range(20):  # each tick fires 40 ms late: a saturated worker
        expected = clock.now + TICK
        clock.now = expected + 2 * TICK
        monitor.check(expected)
    assert monitor.lag == pytest.approx(2 * TICK, rel=0.01)  # smoothed towards the lag it keeps seeing
    pace.sent(100)
    assert pace.interval == pytest.approx(min(LAG_FACTOR * monitor.lag, MAX_LAG_INTERVAL), rel=0.01)
    assert monitor.lag > LAG_FLOOR


def test_the_monitor_ticks_each_open_stream_once_a_second_by_its_clock() -> None:
    clock = Clock()
    monitor = LoopMonitor(clock=clock, shutting_down=lambda: False)
    stream, gone = Stream(), Stream()
    monitor._streams.update({stream, gone})
    monitor._next_tick = clock.now + 1.0
    for step in range(1, 126):  # 2.5 s of 20 ms ticks
        if step == 10:
            monitor._streams.discard(gone)  # it left before the first second
        clock.now += TICK
        monitor.check(clock.now)
    assert len(stream.ticks) == 2 and stream.ticks[0] == pytest.approx(101.0, abs=0.03)  # within one 20 ms step
    assert stream.ticks[1] - stream.ticks[0] == pytest.approx(1.0, abs=0.03)
    assert gone.ticks == []
    assert not stream.shut


def test_a_shutdown_is_told_to_every_open_stream_at_the_next_tick() -> None:
    shutting_down = False
    monitor = LoopMonitor(clock=Clock(), shutting_down=lambda: shutting_down)
    stream = Stream()
    monitor._streams.add(stream)
    monitor.check(0.0)
    assert not stream.shut
    shutting_down = True
    monitor.check(0.0)
    assert stream.shut


@pytest.mark.anyio
async def test_the_monitor_task_runs_only_while_streams_are_open() -> None:
    monitor = LoopMonitor(shutting_down=lambda: False)
    stream = Stream()
    with monitor.watching(stream):
        await anyio.sleep(TICK * 3)
        assert monitor._task is not None and not monitor._task.done()
    await anyio.sleep(TICK * 3)
    assert monitor._task.done() and monitor.lag == 0.0
    assert LoopMonitor.current() is LoopMonitor.current()  # one per event loop
