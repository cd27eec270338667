"""LoopMonitor, one per event loop: its load stretches the pace; it tells open streams of shutdown and each second."""

from __future__ import annotations

import anyio
import pytest

from fastapi_fragments._load import MAX_LOAD_INTERVAL
from fastapi_fragments._loop import TICK, LoopMonitor
from fastapi_fragments._pace import Pace


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


def test_a_busy_thread_stretches_the_interval_and_an_idle_one_lets_it_go() -> None:
    clock, cpu = Clock(), Clock()
    monitor = LoopMonitor(clock=clock, cpu_clock=cpu, shutting_down=lambda: False)
    monitor._streams.update({Stream() for _ in range(100)})
    pace = Pace(0.016, load=monitor.load)
    for _ in range(10):  # 95% busy, five 0.3 ms frames per 20 ms tick: 100 streams cannot all keep up
        for _ in range(5):
            pace.sent(100, 0.0003)
        clock.now += TICK
        cpu.now += TICK * 0.95
        monitor.check()
    assert 0.016 < monitor.load.interval <= MAX_LOAD_INTERVAL  # 100 streams x 0.3 ms / what is left of 80%
    pace.sent(100, 0.0003)
    assert pace.interval == monitor.load.interval  # every stream's pace reads the shared load
    for _ in range(40):  # then the load is gone: 10% busy
        clock.now += TICK
        cpu.now += TICK * 0.1
        monitor.check()
    assert monitor.load.interval == 0
    pace.sent(100, 0.0003)
    assert pace.interval == 0.016


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
        monitor.check()
    assert len(stream.ticks) == 2 and stream.ticks[0] == pytest.approx(101.0, abs=0.03)  # within one 20 ms step
    assert stream.ticks[1] - stream.ticks[0] == pytest.approx(1.0, abs=0.03)
    assert gone.ticks == []
    assert not stream.shut


def test_a_shutdown_is_told_to_every_open_stream_at_the_next_tick() -> None:
    shutting_down = False
    monitor = LoopMonitor(clock=Clock(), shutting_down=lambda: shutting_down)
    stream = Stream()
    monitor._streams.add(stream)
    monitor.check()
    assert not stream.shut
    shutting_down = True
    monitor.check()
    assert stream.shut


@pytest.mark.anyio
async def test_the_monitor_task_runs_only_while_streams_are_open() -> None:
    monitor = LoopMonitor(shutting_down=lambda: False)
    stream = Stream()
    monitor.watch(stream)
    await anyio.sleep(TICK * 3)
    assert monitor._task is not None and not monitor._task.done()
    monitor.unwatch(stream)
    await anyio.sleep(TICK * 3)
    assert monitor._task.done() and monitor.load.interval == 0.0
    assert LoopMonitor.current() is LoopMonitor.current()  # one per event loop
