"""prefetched(): every partition once, in order, a bounded number in flight."""

from __future__ import annotations

import threading
import time

import pytest

from tap_clockify.prefetch import prefetched


def test_yields_every_partition_in_order():
    fetched = list(prefetched(range(20), lambda n: [n, n], workers=3))
    assert fetched == [n for n in range(20) for _ in (0, 1)]


def test_empty_input_fetches_nothing():
    assert list(prefetched([], lambda n: [n])) == []


def test_first_partition_is_fetched_alone_then_the_rest_overlap():
    lock = threading.Lock()
    running, peak, order = 0, [], []

    def fetch(n: int) -> list[int]:
        nonlocal running
        with lock:
            running += 1
            peak.append((n, running))
        time.sleep(0.01)
        with lock:
            running -= 1
            order.append(n)
        return [n]

    assert list(prefetched(range(12), fetch, workers=4)) == list(range(12))
    assert peak[0] == (0, 1), "the first partition must run alone"
    assert max(level for _, level in peak) <= 4
    assert max(level for _, level in peak) > 1, "later partitions should overlap"


def test_an_error_surfaces_in_order():
    def fetch(n: int) -> list[int]:
        if n == 3:
            raise ValueError("partition 3 failed")
        return [n]

    seen = []
    with pytest.raises(ValueError, match="partition 3"):
        seen.extend(prefetched(range(10), fetch, workers=2))
    assert seen == [0, 1, 2]
