"""Load: every stream's renders spaced as far as the worker's CPU requires, and no further."""

from __future__ import annotations

import pytest

from fastapi_fragments._load import LOW, MAX_LOAD_INTERVAL, MIN_SHARE, TARGET, Load


def frames(load: Load, count: int, seconds: float) -> Load:
    for _ in range(count):
        load.frame(seconds)
    return load


def test_a_worker_with_cpu_to_spare_spaces_nothing() -> None:
    load = frames(Load(), 100, 0.00005)  # 5% of 100 ms in frames, 100 streams
    assert load.update(busy=LOW - 0.01, wall=0.1, streams=100) == 0


def test_an_overloaded_worker_settles_where_its_frames_fit_the_target() -> None:
    # 1000 streams, 1500 frames of 50 µs in 100 ms (75% of the CPU), 20% other work: 95% busy.
    load = frames(Load(), 1500, 0.00005)
    interval = load.update(busy=0.95, wall=0.1, streams=1000)
    assert interval == pytest.approx(1000 * 0.00005 / (TARGET - 0.2))  # frames then take what is left of TARGET
    assert interval < 0.1  # far below the half-second a fixed multiple of the loop's lag gave


def test_other_work_filling_the_cpu_leaves_frames_their_minimum_share() -> None:
    load = frames(Load(), 200, 0.00005)  # frames 10%, other work (accepting connections) 90%
    interval = load.update(busy=1.0, wall=0.1, streams=100)
    assert interval == pytest.approx(100 * 0.00005 / MIN_SHARE)


def test_it_follows_the_load_both_ways_and_lets_go_once_there_is_cpu_to_spare() -> None:
    load = frames(Load(), 1500, 0.00005)
    high = load.update(busy=0.95, wall=0.1, streams=1000)
    lower = frames(load, 1000, 0.00005).update(busy=0.7, wall=0.1, streams=500)  # half the streams ended
    assert 0 < lower < high
    idle = [load.update(busy=LOW - 0.2, wall=0.1, streams=500) for _ in range(4)]  # no frames: the last cost
    assert idle[0] <= lower / 2 and idle[-1] == 0


def test_it_never_stretches_past_the_cap() -> None:
    load = frames(Load(), 10, 0.01)
    assert load.update(busy=1.0, wall=0.1, streams=10_000) == MAX_LOAD_INTERVAL


def test_a_frame_standing_for_several_counts_as_that_many() -> None:
    # Unpaced streams time one frame in several (Coalescer.render): the same load as timing each.
    sampled, each = Load(), frames(Load(), 1600, 0.00005)
    for _ in range(200):
        sampled.frame(0.00005, 8)
    assert sampled.frames == each.frames and sampled.cpu == pytest.approx(each.cpu)
    assert sampled.update(busy=0.95, wall=0.1, streams=1000) == pytest.approx(
        each.update(busy=0.95, wall=0.1, streams=1000)
    )
