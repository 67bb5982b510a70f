"""Settings that shape requests: region hosts and the throttle."""

from __future__ import annotations

import pytest

from tap_clockify import throttle as throttle_module
from tap_clockify.hosts import base_urls
from tap_clockify.throttle import Throttle


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, ("https://api.clockify.me/api/v1", "https://reports.api.clockify.me/v1")),
        (
            {"region": "euc1"},
            ("https://euc1.clockify.me/api/v1", "https://euc1.clockify.me/report/v1"),
        ),
        (
            {"region": "apse2", "api_url": "https://acme.clockify.me/api/v1/"},
            ("https://acme.clockify.me/api/v1", "https://apse2.clockify.me/report/v1"),
        ),
        (
            {"reports_url": "https://developer.clockify.me/report/v1"},
            ("https://api.clockify.me/api/v1", "https://developer.clockify.me/report/v1"),
        ),
    ],
)
def test_region_picks_both_hosts_and_overrides_win(config, expected):
    assert base_urls(config) == expected


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(throttle_module.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(throttle_module.time, "sleep", clock.sleep)
    return clock


def test_throttle_spaces_requests_at_the_configured_rate(clock):
    throttle = Throttle(rate=4)
    for _ in range(9):
        throttle.wait()
    # The first request goes at once; the next eight are 0.25 s apart.
    assert clock.now == pytest.approx(100.0 + 8 * 0.25)


def test_throttle_does_not_wait_when_requests_are_rare(clock):
    throttle = Throttle(rate=2)
    for _ in range(3):
        throttle.wait()
        clock.now += 1.0
    assert clock.slept == []


def test_throttle_rejects_a_non_positive_rate():
    with pytest.raises(ValueError, match="greater than 0"):
        Throttle(rate=0)
