"""A client-side request throttle shared by every stream of a tap run.

Clockify allows 50 requests/second per workspace on paid plans and far less for some
keys (reference §3); pacing ourselves is cheaper than collecting 429s.
"""

from __future__ import annotations

import threading
import time


class Throttle:
    """Token bucket: at most ``rate`` requests per second, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0:
            msg = "requests_per_second must be greater than 0"
            raise ValueError(msg)
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until a request may be sent; return the seconds spent waiting."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            delay = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if delay > 0:
            time.sleep(delay)
        return delay
