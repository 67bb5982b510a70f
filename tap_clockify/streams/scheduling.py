"""Scheduled assignments (paid feature): who is planned on which project, and when."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from tap_clockify.change_feed import query_time
from tap_clockify.client import PASS_QUERY
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream
from tap_clockify.timeutil import Width, month_start

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context, Record

#: Months read before now without ``start_date``, and after now always (plans look ahead).
MONTHS_BACK_BY_DEFAULT = 12
MONTHS_AHEAD = 12


class SchedulingAssignmentsStream(WorkspaceStream):
    """Assignments from ``start_date`` (or a year back) to a year ahead.

    The list needs ``start`` and ``end`` and documents no limit on the range between
    them: the whole range is asked at once, then years, then months if Clockify refuses
    (reference §5). An assignment in several windows is emitted once.
    """

    name = "scheduling_assignments"
    path = "/workspaces/{workspaceId}/scheduling/assignments/all"
    schema = StreamSchema(SCHEMAS)
    plan_gated = True
    may_repeat_records = True
    window_widths = (Width.ALL, Width.YEAR, Width.MONTH)
    query: t.ClassVar[dict[str, t.Any]] = {"sort-column": "ID", "sort-order": "ASCENDING"}

    def read_passes(self, context: Context | None) -> Iterator[Record]:
        """Read the range in the widest windows Clockify accepts."""
        assert context is not None
        now = datetime.now(timezone.utc)
        first = month_start(self.start_date or month_start(now, -MONTHS_BACK_BY_DEFAULT))
        return self.read_windows(
            context["workspaceId"],
            first,
            month_start(now, MONTHS_AHEAD + 1),
            lambda start, end: self.request_records(
                {**context, PASS_QUERY: {"start": query_time(start), "end": query_time(end)}}
            ),
        )
