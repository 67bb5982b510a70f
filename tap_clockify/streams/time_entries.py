"""Time entries, read per user from ``start_date`` or the last bookmark."""

from __future__ import annotations

import typing as t
from datetime import timezone

from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import UsersStream, WorkspaceStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

#: Clockify's query-parameter date format (reference §9).
QUERY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class TimeEntriesStream(WorkspaceStream):
    """Every user's time entries, running timers included (their end is null).

    The endpoint filters on the entry's start and cannot sort, so the bookmark is the
    newest start seen in a workspace (one state partition per workspace, not per user).
    """

    name = "time_entries"
    path = "/workspaces/{workspaceId}/user/{userId}/time-entries"
    parent_stream_type = UsersStream
    replication_key = "start"
    is_sorted = False
    schema = StreamSchema(SCHEMAS)

    def get_url_params(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """Ask only for entries that start at or after the bookmark or ``start_date``."""
        params = super().get_url_params(context, next_page_token)
        if since := self.get_starting_timestamp(context):
            params["start"] = since.astimezone(timezone.utc).strftime(QUERY_TIME_FORMAT)
        return params

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Lift ``timeInterval.start`` to the top level as the replication key."""
        row = super().post_process(row, context) or row
        row["start"] = (row.get("timeInterval") or {}).get("start")
        return row
