"""LeaseTimer on a fake clock: a lagging loop keeps its leases, a dead one is still found."""

from __future__ import annotations

import logging

import pytest

from fastapi_fragments.registry._lease import LeaseTimer
from tests.registry.registry_helpers import FakeClock


def test_the_first_renewal_is_due_at_once_then_every_quarter_lease() -> None:
    clock = FakeClock()
    timer = LeaseTimer(2.0, clock)
    assert timer.delay() == 0
    assert timer.renew() == 2.0
    assert timer.delay() == 0.5


@pytest.mark.parametrize("lag", [0.0, 0.3, 0.9, 1.4, 2.0, 2.6])
def test_a_loop_that_wakes_late_by_up_to_one_and_three_quarter_leases_never_lets_the_lease_lapse(lag: float) -> None:
    clock = FakeClock()
    timer = LeaseTimer(1.5, clock)
    clock.now += lag  # even the generation's start is late
    expires = clock.now + 0.01  # the lease the POST took has nearly run out
    for _ in range(200):
        asked = timer.renew()
        assert clock.now < expires, f"the lease lapsed {clock.now - expires:.2f} s before this renewal"
        expires = clock.now + asked
        clock.now += timer.delay() + lag


def test_one_stall_lengthens_the_next_leases_only_for_a_while() -> None:
    clock = FakeClock()
    timer = LeaseTimer(1.0, clock)
    timer.renew()
    clock.now += timer.delay() + 5.0  # one long stall
    assert timer.renew() == 2.0  # capped at twice the lease: a dead worker is still found
    for _ in range(12):
        clock.now += timer.delay()
        asked = timer.renew()
    assert asked < 1.001


def test_a_late_wake_near_the_lease_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    timer = LeaseTimer(1.0, clock)
    with caplog.at_level(logging.WARNING, "fastapi_fragments"):
        for _ in range(3):
            clock.now += timer.delay() + 0.8
            timer.renew()
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("the event loop woke a heartbeat 0.80 s late")
