"""Reports API: the detailed report (workspace-wide time entries), and shared reports."""

from __future__ import annotations

import functools
import typing as t
from datetime import datetime, timedelta, timezone

from tap_clockify.change_feed import FeedRead, FeedUnavailableError, shared_changes
from tap_clockify.pagination import Paging
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.time_entries import current_states
from tap_clockify.streams.workspaces import WorkspaceStream
from tap_clockify.timeutil import Width, month_start, parse_time

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context, Record

#: Where the report's history starts when no ``start_date`` is set: Clockify's launch.
EARLIEST_REPORT_DATE = datetime(2017, 1, 1, tzinfo=timezone.utc)


def report_time(moment: datetime) -> str:
    """Format a bound the way the reports API reads ``dateRangeStart``/``End``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


class DetailedReportStream(WorkspaceStream):
    """Every user's finished entries, with names and earned and cost amounts.

    Users of every status, in UTC; a year per request chain where the plan allows, else a
    calendar month. Incremental: after a complete read, only what the change feed says
    changed since is read again, each month holding a created or edited entry narrowed to
    the users whose entries changed in it, and entries it says were deleted are emitted
    with ``_sdc_deleted_at``. Without the feed (switched off or refused) everything from
    ``lookback_days`` before the newest entry start seen is read again instead.
    """

    name = "detailed_report"
    host = "reports"
    path = "/workspaces/{workspaceId}/reports/detailed"
    http_method = "POST"
    max_page_size = 1000
    paging = Paging(page="detailedFilter.page", size="detailedFilter.pageSize", in_body=True)
    feed_types = ("TIME_ENTRY",)
    feed_documents = True
    replication_key = "start"
    is_sorted = False
    schema = StreamSchema(SCHEMAS)
    #: A year per request where the plan allows it, else calendar months (reference §7).
    window_widths = (Width.YEAR, Width.MONTH)

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read deletions, then each range that may have changed (all of it at first)."""
        assert context is not None
        workspace_id = context["workspaceId"]
        read = self.begin_read(context)
        changes = self._changes(workspace_id, read)
        changed_users, deleted = changes or ({}, [])
        yield from deleted
        # After a complete read the feed names every change since; otherwise (first sync,
        # one killed midway, no feed) the range from ``since`` is read in full.
        complete_before = changes is not None and read.bookmark.last_read is not None
        since = None if complete_before else self._full_read_start(context)
        # Windows an earlier run of the cycle finished are not read again (quota.py), so
        # changed months among them are read like older ones.
        resume = self.cycle_progress(context).windows_from(since) if since else None
        if resume is not None and since is not None and resume > since:
            read.resume()
        ranges = [
            (month, min(month_start(month, 1), resume or month_start(month, 1)), users)
            for month, users in sorted(changed_users.items())
            if resume is None or month < resume
        ]
        if since is not None:
            ranges.append((since, datetime.now(timezone.utc), set()))
        for start, end, users in ranges:
            narrowed = {**context, "users": sorted(users)}
            yield from self.read_windows(
                workspace_id, start, end, functools.partial(self._window, narrowed)
            )
        read.complete()

    def _full_read_start(self, context: Context) -> datetime:
        """Return where a full read begins: ``lookback_days`` before the bookmark, or the start."""
        since = self.get_starting_timestamp(context)
        if since is not None and self.get_context_state(context).get("replication_key_value"):
            since -= timedelta(days=self.config.get("lookback_days", 0))
        return since or EARLIEST_REPORT_DATE

    def _window(self, context: Context, start: datetime, end: datetime) -> Iterator[Record]:
        """Yield the entries that start in ``[start, end)``, each once."""
        emitted: set[str] = set()
        for record in self.request_records({**context, "window": (start, end)}):
            entry_start = parse_time((record.get("timeInterval") or {})["start"])
            entry_id = self.entry_id(record)
            if start <= entry_start < end and entry_id not in emitted:
                emitted.add(entry_id)
                yield record

    def _changes(
        self, workspace_id: str, read: FeedRead
    ) -> tuple[dict[datetime, set[str]], list[Record]] | None:
        """Users with created or edited entries, by month, and deleted entries.

        None when there was no earlier read, or the feed is switched off or refused.
        """
        if read.since is None:
            return None
        try:
            changes = shared_changes(self, workspace_id, read)["TIME_ENTRY"]
        except FeedUnavailableError as why:
            self.logger.warning(
                "Only the last %s days of the detailed report are re-read because %s; "
                "edits and deletions of older entries are not captured.",
                self.config.get("lookback_days"),
                why,
            )
            return None
        users: dict[datetime, set[str]] = {}
        deleted: list[Record] = []
        for entry in current_states(self, workspace_id, changes.values()):
            start = (entry.get("timeInterval") or {}).get("start")
            if entry.get("_sdc_deleted_at"):
                # Only what both shapes share: the report's other fields differ in type.
                deleted.append(
                    {
                        "id": entry["id"],
                        "timeInterval": {"start": start},
                        "_sdc_deleted_at": entry["_sdc_deleted_at"],
                    }
                )
            elif start and entry.get("userId"):
                users.setdefault(month_start(parse_time(start)), set()).add(entry["userId"])
        return users, deleted

    def request_body(self, context: Context | None) -> dict[str, t.Any] | None:
        """Ask for one window, in UTC, users of every status (all, or those named), by id."""
        assert context is not None
        start, end = context["window"]
        return {
            "dateRangeStart": report_time(start),
            "dateRangeEnd": report_time(end - timedelta(milliseconds=1)),
            "timeZone": "UTC",
            "sortOrder": "ASCENDING",
            "exportType": "JSON",
            "amounts": ["EARNED", "COST"],
            "users": {"ids": context.get("users", []), "contains": "CONTAINS", "status": "ALL"},
            "detailedFilter": {"sortColumn": "ID", "options": {"totals": "EXCLUDE"}},
        }

    def extract_records(self, payload: t.Any) -> list[t.Any] | None:
        """Accept both spellings in use: ``timeentries`` (docs) and ``timeEntries`` (spec)."""
        if not isinstance(payload, dict):
            return None
        records = payload.get("timeentries", payload.get("timeEntries"))
        return records if isinstance(records, list) else None

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Give entries a plain ``id`` and lift ``timeInterval.start`` as replication key."""
        row = super().post_process(row, context) or row
        row["id"] = self.entry_id(row)
        row.pop("_id", None)
        row.pop("get_id", None)
        row["start"] = (row.get("timeInterval") or {}).get("start")
        return row

    @staticmethod
    def entry_id(record: Record) -> str:
        """Return the entry's id: ``_id`` in responses, ``get_id`` in the spec, or ``id``."""
        return str(record.get("_id") or record.get("id") or record.get("get_id"))


class SharedReportsStream(WorkspaceStream):
    """Shared reports the key's user created or can see (their definitions, not their data)."""

    name = "shared_reports"
    host = "reports"
    path = "/workspaces/{workspaceId}/shared-reports"
    records_jsonpath = "$.reports[*]"
    schema = StreamSchema(SCHEMAS)
    paging: t.ClassVar[Paging] = Paging(size="pageSize")
    query: t.ClassVar[dict[str, t.Any]] = {"sharedReportsFilter": "ALL"}
