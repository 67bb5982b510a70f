"""What a person watching a sync sees: how far each stream is, and what it cost.

Every stream logs a progress line at most every ``INTERVAL`` seconds while it runs
(records so far, the workspace it is in, requests, time spent waiting on the throttle and
on retries) and one summary line when it ends. The SDK's per-request METRIC lines and its
per-partition and per-page notes are kept off the console by default (see
:func:`_quieted` for how to bring them back).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import time
import typing as t
from pathlib import Path

from tap_clockify.quota import QuotaExhaustedError

if t.TYPE_CHECKING:
    from tap_clockify.run_state import RunState

#: Seconds between two progress lines of a stream.
INTERVAL = 30.0
#: What the SDK says for every partition or page: true, but nothing a person acts on. The
#: "not resumable" warning is false here: the tap's own state makes every stream resumable.
CHATTER = (
    "Added '%s' as child stream to '%s'",
    "Beginning sync of '%s'",
    "Starting incremental sync of '%s'",
    "Pagination stopped after %d pages",
    "Stream is assumed to be unsorted",
)


class _ChatterFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(CHATTER))


class _QuotaStopFilter(logging.Filter):
    """A run stopped by the quota is no error (see quota.py): the SDK's error lines go."""

    def filter(self, record: logging.LogRecord) -> bool:
        stopping = isinstance(sys.exc_info()[1], QuotaExhaustedError)
        return not (stopping and record.msg == "An unhandled error occurred while syncing '%s'")


def quiet_console(plugin_logger: logging.Logger) -> None:
    """Keep the SDK's chatter off the console, unless asked for (see ``_quieted``).

    ``plugin_logger`` is the tap's or a stream's: a filter acts only on records of its own
    logger.
    """
    filters = {type(f) for f in plugin_logger.filters}
    if _QuotaStopFilter not in filters:
        plugin_logger.addFilter(_QuotaStopFilter())
    if _quieted() and _ChatterFilter not in filters:
        plugin_logger.addFilter(_ChatterFilter())


def quiet_metrics() -> None:
    """Keep METRIC lines off the console, unless asked for.

    Call it after the SDK's plugin set-up, which sets the metrics logger's level itself.
    """
    config = os.environ.get("SINGER_SDK_LOG_CONFIG")
    if _quieted() and not (config and "singer_sdk.metrics" in _read(config)):
        logging.getLogger("singer_sdk.metrics").setLevel(logging.WARNING)


@functools.cache
def _quieted() -> bool:
    """Whether to quiet the console (not at DEBUG); filters the SDK's own logger once.

    Everything shows at DEBUG (``meltano --log-level=debug run …``,
    ``TAP_CLOCKIFY_LOGLEVEL=DEBUG``), and METRIC lines whenever a logging config
    (``SINGER_SDK_LOG_CONFIG``) names the ``singer_sdk.metrics`` logger.
    """
    if logging.getLogger().getEffectiveLevel() <= logging.DEBUG:
        return False
    logging.getLogger("singer_sdk").addFilter(_ChatterFilter())
    return True


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


class Progress:
    """Counts what one stream did, from any thread, and says so now and then."""

    def __init__(self, name: str, logger: logging.Logger, run: RunState) -> None:
        self.name = name
        self.logger = logger
        self.run = run
        self.records = 0
        self.requests = 0
        self.throttled = 0.0
        self.retrying = 0.0
        self.workspaces: set[str] = set()
        self._started: float | None = None
        self._next_line = 0.0
        self._finished = False
        self._lock = threading.Lock()

    def record(self, workspace_id: str | None) -> None:
        """Count one record emitted (from the workspace given); look at the clock now and then."""
        self.records += 1
        if workspace_id and workspace_id not in self.workspaces:
            self.workspaces.add(workspace_id)
        if not self.records % 256:
            self._maybe_report()
            self._tell()

    def request(self, throttled: float) -> None:
        """Count one HTTP attempt and the seconds the throttle held it back."""
        with self._lock:
            self.requests += 1
            self.throttled += throttled
        self._maybe_report()
        self._tell()

    def retry(self, wait: float) -> None:
        """Count the seconds a retry will wait."""
        with self._lock:
            self.retrying += wait

    def finish(self) -> None:
        """Log the summary line, once, if the stream did anything.

        No duration: streams read per workspace take turns, so a stream's span of time
        is mostly other streams' work.
        """
        self._tell()
        if self._finished or self._started is None:
            return
        self._finished = True
        self.logger.info(
            "%s: done, %s records%s in %d requests%s",
            self.name,
            f"{self.records:,}",
            self._workspaces_part(final=True),
            self.requests,
            self._waits(),
        )

    def _tell(self) -> None:
        if self.run.watch is not None:
            self.run.watch(self)

    def _maybe_report(self) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
            self._next_line = now + INTERVAL
            return
        if now < self._next_line:
            return
        with self._lock:
            if now < self._next_line:
                return
            self._next_line = now + INTERVAL
        self.logger.info(
            "%s: %s records so far%s, %d requests%s, %.0f s",
            self.name,
            f"{self.records:,}",
            self._workspaces_part(final=False),
            self.requests,
            self._waits(),
            now - self._started,
        )

    def _workspaces_part(self, *, final: bool) -> str:
        seen, total = len(self.workspaces), len(self.run.workspace_ids)
        if not seen:
            return ""
        if final:
            return f" from {seen} workspace{'s' if seen != 1 else ''}"
        return f", workspace {seen} of {total}" if total else ""

    def _waits(self) -> str:
        """Say the waits worth a mention, e.g. " (12.0 s throttled)"."""
        waits = {"throttled": self.throttled, "waiting to retry": self.retrying}
        said = [f"{seconds:.1f} s {what}" for what, seconds in waits.items() if seconds >= 0.1]
        return f" ({', '.join(said)})" if said else ""
