"""What the streams of one run share: the tap creates one ``RunState``, every stream gets it.

Streams learn things that others need within the same run: how fast Clockify may be
asked, the page sizes an endpoint refused, the ids a list returned (users for their time
entries, projects for their tasks), the change feed (read once per workspace), whether
Clockify has answered at all (after that a refused connection is network trouble, not a
wrong URL), the cycle of runs it belongs to, and the workspaces being read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_clockify.change_feed import FeedUnavailableError, SharedRead
    from tap_clockify.progress import Progress
    from tap_clockify.quota import QuotaExhaustedError
    from tap_clockify.throttle import Throttle


@dataclass
class RunState:
    """Shared, mutable facts of one tap run (see the module docstring)."""

    throttle: Throttle
    #: Page sizes learned from Clockify's 400s, by endpoint path.
    page_size_caps: dict[str, int] = field(default_factory=dict)
    #: Ids by (stream, workspace), read once a run for streams read per object.
    ids_read: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: Set once any request of the run has succeeded.
    reached_clockify: bool = False
    #: How many steps a date-windowed list has narrowed, by (stream, workspace).
    window_steps: dict[tuple[str, str], int] = field(default_factory=dict)
    #: The one change-feed read of each workspace, shared by the streams that follow it.
    feed_reads: dict[str, SharedRead | FeedUnavailableError] = field(default_factory=dict)
    #: The cycle this run belongs to (see quota.py).
    cycle: str = ""
    #: Workspaces whose hourly quota ran out in this run, and the answer that said so.
    quota_stops: dict[str, QuotaExhaustedError] = field(default_factory=dict)
    #: 429s answered in a row, without ``Retry-After``; any success resets it.
    consecutive_429s: int = 0
    #: The workspaces this run reads, once the workspaces stream has listed them.
    workspace_ids: list[str] = field(default_factory=list)
    #: Told of every stream's progress now and then (a notebook's live table), if set.
    watch: Callable[[Progress], None] | None = None
