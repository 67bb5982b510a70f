"""Scheduled assignments (paid feature): who is planned on which project, and when."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from tap_clockify.change_feed import query_time
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream
from tap_clockify.timeutil import month_start, month_windows

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from singer_sdk.helpers.types import Context

#: Months read before now without ``start_date``, and after now always (plans look ahead).
MONTHS_BACK_BY_DEFAULT = 12
MONTHS_AHEAD = 12


class SchedulingAssignmentsStream(WorkspaceStream):
    """Assignments from ``start_date`` (or a year back) to a year ahead, a month at a time.

    The list needs ``start`` and ``end``; an assignment spanning months is in several
    windows and emitted once.
    """

    name = "scheduling_assignments"
    path = "/workspaces/{workspaceId}/scheduling/assignments/all"
    schema = StreamSchema(SCHEMAS)
    plan_gated = True
    query: t.ClassVar[dict[str, t.Any]] = {"sort-column": "ID", "sort-order": "ASCENDING"}

    def query_passes(self, context: Context | None) -> Sequence[dict[str, t.Any]]:
        """One ``start``/``end`` window per calendar month."""
        now = datetime.now(timezone.utc)
        first = month_start(self.start_date or month_start(now, -MONTHS_BACK_BY_DEFAULT))
        windows = month_windows(first, month_start(now, MONTHS_AHEAD + 1))
        return [{"start": query_time(start), "end": query_time(end)} for start, end in windows]
