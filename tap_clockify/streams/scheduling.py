"""Scheduled assignments (paid feature): who is planned on which project, and when."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from tap_clockify.change_feed import FeedUnavailableError, query_time, shared_changes
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream
from tap_clockify.timeutil import Width, month_start, parse_time
from tap_clockify.transport import PASS_QUERY

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

    After a complete read the change feed says what changed: created and edited
    assignments come from its documents, deleted ones are flagged, and only the months
    that came into range since (a year ahead moves on) are listed. Where the feed names an
    assignment without its fields, or is unavailable, the whole range is listed again.
    """

    name = "scheduling_assignments"
    path = "/workspaces/{workspaceId}/scheduling/assignments/all"
    schema = StreamSchema(SCHEMAS)
    plan_gated = True
    #: Reference §4 caps scheduling at 200 a page (documented for its totals list).
    max_page_size = 200
    may_repeat_records = True
    window_widths = (Width.ALL, Width.YEAR, Width.MONTH)
    query: t.ClassVar[dict[str, t.Any]] = {"sort-column": "ID", "sort-order": "ASCENDING"}

    feed_types = ("SCHEDULED_ASSIGNMENT",)
    feed_documents = True

    def read_passes(self, context: Context | None) -> Iterator[Record]:
        """Read what changed, or the whole range, in the widest windows Clockify accepts."""
        assert context is not None
        workspace_id = context["workspaceId"]
        now = datetime.now(timezone.utc)
        first = month_start(self.start_date or month_start(now, -MONTHS_BACK_BY_DEFAULT))
        end = month_start(now, MONTHS_AHEAD + 1)
        state = self.get_context_state(context)
        changed = self._changed(workspace_id)
        if changed is not None and state.get("range_end"):
            yield from changed
            first = max(first, parse_time(state["range_end"]))
        yield from self.read_windows(
            workspace_id,
            first,
            end,
            lambda start, end: self.request_records(
                {**context, PASS_QUERY: {"start": query_time(start), "end": query_time(end)}}
            ),
        )
        state["range_end"] = query_time(end)

    def _changed(self, workspace_id: str) -> list[Record] | None:
        """Return what was created or edited since the last complete read; None: read all.

        Deleted ones are reported by ``deletions``, after the list.
        """
        read = self.feed_read
        if read is None or read.bookmark.last_read is None:
            return None
        try:
            changes = shared_changes(self, workspace_id, read)["SCHEDULED_ASSIGNMENT"]
        except FeedUnavailableError as why:
            self.logger.warning("Reading every scheduled assignment again because %s", why)
            return None
        live = [change.document for change in changes.values() if not change.deleted_at]
        if any(document is None for document in live):
            return None
        return [dict(document) for document in live if document is not None]
