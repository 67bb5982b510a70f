"""Scheduled assignments (paid feature): who is planned on which project, and when."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from singer_sdk.helpers.types import Context

#: Clockify's query-parameter date format (reference §9).
QUERY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
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
        last = month_start(now, MONTHS_AHEAD + 1)
        windows = []
        while first < last:
            following = month_start(first, 1)
            windows.append(
                {
                    "start": first.strftime(QUERY_TIME_FORMAT),
                    "end": following.strftime(QUERY_TIME_FORMAT),
                }
            )
            first = following
        return windows


def month_start(moment: datetime, months_later: int = 0) -> datetime:
    """Midnight UTC on the first day of the month ``months_later`` months after ``moment``."""
    month_index = moment.astimezone(timezone.utc).month - 1 + months_later
    year = moment.astimezone(timezone.utc).year + month_index // 12
    return datetime(year, month_index % 12 + 1, 1, tzinfo=timezone.utc)
