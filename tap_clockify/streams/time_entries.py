"""Time entries: full history once, then only what changed, deletions included.

Clockify has no "modified since" filter on time entries (reference §8). The first sync
of a workspace reads every user's entries from ``start_date``. Later syncs read the
change feed from the previous sync (minus ``lookback_days``) and emit the current
version of every entry created or updated there, wherever it lies in time, plus every
deleted entry with ``_sdc_deleted_at`` set (see change_feed.py for the windows). Users
whose timer was running at the last sync are re-read until it stops. Without the feed
(switched off, or refused for the workspace) each user's last ``lookback_days`` are
re-read instead.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from tap_clockify.change_feed import (
    Change,
    FeedRead,
    FeedUnavailableError,
    query_time,
    shared_changes,
)
from tap_clockify.client import ClockifyStream
from tap_clockify.errors import ClockifyError
from tap_clockify.prefetch import prefetched
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import UsersStream, WorkspaceStream
from tap_clockify.timeutil import parse_time

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context, Record

#: The per-user ``start`` filter is reportedly read in the key owner's time zone even
#: when sent in UTC (reference §8): ask this much earlier and filter here.
TIME_ZONE_PADDING = timedelta(days=1)


class TimeEntryRequests(ClockifyStream):
    """Reads one time entry by id; an internal helper, never a tap stream."""

    name = "time_entry"
    path = "/workspaces/{workspaceId}/time-entries/{entryId}"
    records_jsonpath = "$"
    max_page_size = None
    primary_keys = ("id",)
    schema: t.ClassVar[dict[str, t.Any]] = {"type": "object", "properties": {}}


def current_states(
    stream: ClockifyStream, workspace_id: str, changes: Iterable[Change]
) -> Iterator[Record]:
    """Each changed entry as a record: deleted ones flagged, vague ones read by id.

    An entry the feed named without its fields is read with ``GET …/time-entries/{id}``;
    if that answers that it is gone (404, or 400 with code 501), it is flagged deleted.
    """
    reader: TimeEntryRequests | None = None
    for change in changes:
        if change.deleted_at:
            yield {**(change.document or {}), "_sdc_deleted_at": change.deleted_at}
            continue
        if change.document is not None:
            yield dict(change.document)
            continue
        reader = reader or stream.helper(TimeEntryRequests)
        context = {"workspaceId": workspace_id, "entryId": change.entity_id}
        try:
            yield from reader.request_records(context)
        except ClockifyError as error:
            if not error.gone:
                raise
            now = query_time(datetime.now(timezone.utc))
            yield {"id": change.entity_id, "_sdc_deleted_at": now}


class TimeEntriesStream(WorkspaceStream):
    """Every user's time entries, running timers (null end) and deletions included."""

    name = "time_entries"
    path = "/workspaces/{workspaceId}/user/{userId}/time-entries"
    feed_types = ("TIME_ENTRY",)
    feed_documents = True
    replication_key = "start"
    is_sorted = False
    schema = StreamSchema(SCHEMAS)

    def get_url_params(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """Ask for one user's entries starting from the (padded) bound in the context."""
        params = super().get_url_params(context, next_page_token)
        if context and context.get("since"):
            params["start"] = query_time(context["since"] - TIME_ZONE_PADDING)
        return params

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read the workspace's history, or its changes since the last sync."""
        assert context is not None
        workspace_id = context["workspaceId"]
        state = self.get_context_state(context)
        read = self.begin_read(context)

        if read.bookmark.last_read is None:
            records = self._history(workspace_id, read)
        else:
            records = self._changes(workspace_id, read, state.get("running_timers") or {})

        # History comes one user at a time, so ids cannot repeat and are not kept (memory
        # stays flat however large the workspace); the change feed and the re-read of
        # users with running timers can overlap, so there they are.
        emitted: set[str] | None = None if read.bookmark.last_read is None else set()
        running: dict[str, str] = {}
        for record in records:
            if emitted is not None:
                if record["id"] in emitted:
                    continue
                emitted.add(record["id"])
            interval = record.get("timeInterval") or {}
            if interval.get("end") is None and not record.get("_sdc_deleted_at"):
                running.setdefault(record["userId"], interval["start"])
            yield record
        # Reached only once every record of the workspace has been emitted.
        read.complete()
        state["running_timers"] = running

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Lift ``timeInterval.start`` to the top level as the replication key."""
        row = super().post_process(row, context) or row
        row["start"] = (row.get("timeInterval") or {}).get("start")
        return row

    def _history(self, workspace_id: str, read: FeedRead) -> Iterator[Record]:
        """Every user's entries since ``start_date`` (the whole history without it).

        An interrupted earlier read may have emitted entries deleted since: those come
        first (a deleted entry cannot be listed again afterwards).
        """
        if read.since is not None:
            changes = self._feed(workspace_id, read, deletions_only=True)
            deleted = [change for change in (changes or {}).values() if change.deleted_at]
            yield from current_states(self, workspace_id, deleted)
        start_date = self.config.get("start_date")
        since = parse_time(start_date) if start_date else None
        # Users an earlier run of the cycle finished are not read again (see quota.py).
        progress = self.cycle_progress({"workspaceId": workspace_id})
        users = [u for u in self._user_ids(workspace_id) if not progress.part_finished(u)]
        if len(users) < len(self._user_ids(workspace_id)):
            read.resume()
        for user_id, records in prefetched(
            users,
            lambda user_id: [(user_id, list(self._user_entries(workspace_id, user_id, since)))],
        ):
            yield from records
            progress.finish_part(user_id)

    def _changes(
        self, workspace_id: str, read: FeedRead, running_timers: dict[str, str]
    ) -> Iterator[Record]:
        """Entries changed since the last sync, then users whose timer was running."""
        changes = self._feed(workspace_id, read)
        if changes is None:
            lookback = timedelta(days=self.config.get("lookback_days", 0))
            window_start = datetime.now(timezone.utc) - lookback
            yield from prefetched(
                self._user_ids(workspace_id),
                lambda user_id: list(self._user_entries(workspace_id, user_id, window_start)),
            )
        else:
            yield from current_states(self, workspace_id, changes.values())
        for user_id, timer_start in running_timers.items():
            yield from self._user_entries(workspace_id, user_id, parse_time(timer_start))

    def _feed(
        self, workspace_id: str, read: FeedRead, *, deletions_only: bool = False
    ) -> dict[str, Change] | None:
        """TIME_ENTRY changes; None if the feed is switched off or refused."""
        try:
            return shared_changes(self, workspace_id, read)["TIME_ENTRY"]
        except FeedUnavailableError as why:
            if not deletions_only:
                self.logger.warning(
                    "Re-reading each user's last %s days because %s. Edits and deletions of "
                    "older entries are not captured.",
                    self.config.get("lookback_days"),
                    why,
                )
            return None

    def _user_entries(
        self, workspace_id: str, user_id: str, since: datetime | None
    ) -> Iterator[Record]:
        """One user's entries starting at or after ``since`` (exactly: the query is padded)."""
        context = {"workspaceId": workspace_id, "userId": user_id, "since": since}
        for record in self.request_records(context):
            start = (record.get("timeInterval") or {}).get("start")
            if since is None or (start and parse_time(start) >= since):
                yield record

    def _user_ids(self, workspace_id: str) -> list[str]:
        """Ids of the workspace's members of every status."""
        return t.cast("UsersStream", self.sibling("users")).ids_in(workspace_id)


class InProgressTimeEntriesStream(WorkspaceStream):
    """Timers running right now, workspace-wide (paged at most 1000, reference §4)."""

    name = "in_progress_time_entries"
    path = "/workspaces/{workspaceId}/time-entries/status/in-progress"
    max_page_size = 1000
    schema = StreamSchema(SCHEMAS)
