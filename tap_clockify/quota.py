"""Syncs that outlast an hourly request quota: each run continues where the last one stopped.

New Free workspaces may make 30 requests an hour (reference §3); a first sync needs many
more. When Clockify keeps answering 429 for longer than a burst lasts
(:class:`QuotaExhaustedError`), the run stops reading that workspace, as a killed run
would, and goes on with the others (each has its own quota). At the end it writes the
state, says in one line what is left and when to run again, and exits 0: nothing is
wrong that a later run will not mend, and a scheduler should not page anyone.

Every run belongs to a *cycle*: one pass over every selected stream and workspace. A run
marks in each partition's state the parts it finished in its cycle: the whole partition,
each object a per-object stream read (an invoice's payments, a member's profile), each
user of a first time-entry sync, the windows of a date-windowed list read so far. A run
stopped by the quota records its cycle as one to resume; the next run skips what that
cycle finished and re-reads at most the part it was cut short in. A cycle only ends with
a run that finishes: a run killed or failed for any other reason starts a new cycle, so
every run that finishes still leaves every table equal to Clockify.
"""

from __future__ import annotations

import secrets
import typing as t
from datetime import datetime, timedelta, timezone

from tap_clockify.errors import ClockifyError
from tap_clockify.timeutil import parse_time

if t.TYPE_CHECKING:
    from tap_clockify.run_state import RunState

#: Key of the root stream's state naming the cycle a quota cut short.
RESUME_KEY = "resume_cycle"
#: Keys of a partition's state: the cycle it was finished in; the parts of it finished.
DONE_KEY = "cycle_done"
PARTS_KEY = "cycle_parts"
#: 429s in a row, without ``Retry-After``, after which a quota is taken to have run out:
#: waits of 1, 2, 4, 8 and 16 s outlast any burst limit (50 a second).
QUOTA_AFTER_429S = 6


class QuotaExhaustedError(ClockifyError):
    """Clockify keeps answering 429: an hourly quota ran out (see the module docstring)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message, 429)
        #: Seconds Clockify asked to wait, if it said.
        self.retry_after = retry_after


def begin_cycle(root_state: dict[str, t.Any], run: RunState) -> None:
    """Continue the cycle a quota cut short, or begin a new one.

    A new cycle's name must never repeat: a run starting in the same second as the one
    before would otherwise take that run's finished partitions as its own and skip them.
    """
    resumed = root_state.pop(RESUME_KEY, None)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    run.cycle = resumed or f"{started}-{secrets.token_hex(4)}"


def stop_summary(stops: dict[str, QuotaExhaustedError], done: int, total: int) -> str:
    """Return the one line a run cut short by the quota ends with."""
    waits = [stop.retry_after for stop in stops.values() if stop.retry_after is not None]
    after = (
        f"after {(datetime.now(timezone.utc) + timedelta(seconds=max(waits))):%H:%M} UTC"
        if waits
        else "in an hour"
    )
    first = next(iter(stops.values()))
    return (
        f"Clockify's request quota ran out for workspace(s) {', '.join(sorted(stops))} "
        f"({first}); stopped with {done} of {total} stream partitions finished and the "
        f"state saved. Run again {after} to continue from there (nothing finished is read "
        "again)."
    )


class CycleProgress:
    """What the current cycle finished of one partition (kept in its state)."""

    def __init__(self, state: dict[str, t.Any], run: RunState) -> None:
        self.state = state
        self.run = run

    @property
    def finished(self) -> bool:
        """Whether a run of this cycle finished the partition."""
        return self.state.get(DONE_KEY) == self.run.cycle

    def finish(self) -> None:
        """Record that the partition is finished in this cycle."""
        self.state[DONE_KEY] = self.run.cycle
        self.state.pop(PARTS_KEY, None)

    def _parts(self) -> dict[str, t.Any]:
        parts = self.state.get(PARTS_KEY)
        if not isinstance(parts, dict) or parts.get("cycle") != self.run.cycle:
            parts = {"cycle": self.run.cycle, "done": [], "windows": {}}
            self.state[PARTS_KEY] = parts
        return parts

    def part_finished(self, part: str) -> bool:
        """Whether this cycle finished one part (an object, a user) of the partition."""
        return part in self._parts()["done"]

    def finish_part(self, part: str) -> None:
        """Record that one part of the partition is finished in this cycle."""
        self._parts()["done"].append(part)

    def windows_from(self, since: datetime) -> datetime:
        """Where to go on reading windows that began at ``since`` (their end so far)."""
        done = self._parts()["windows"].get(since.isoformat())
        return parse_time(done) if done else since

    def window_finished(self, since: datetime, end: datetime) -> None:
        """Record that the windows begun at ``since`` are read up to ``end``."""
        self._parts()["windows"][since.isoformat()] = end.isoformat()
