"""Reports API: the detailed report (workspace-wide time entries), and shared reports."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from tap_clockify.change_feed import FeedRead, FeedUnavailableError, changes_since
from tap_clockify.pagination import Paging
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.time_entries import ENTRY_FIELDS, current_states
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
    calendar month. Incremental: each run re-reads from ``lookback_days`` before the
    newest entry start seen, plus every older month holding an entry that the change feed
    says was created or edited since the last run; entries it says were deleted are
    emitted with ``_sdc_deleted_at``.
    """

    name = "detailed_report"
    host = "reports"
    path = "/workspaces/{workspaceId}/reports/detailed"
    http_method = "POST"
    max_page_size = 1000
    paging = Paging(page="detailedFilter.page", size="detailedFilter.pageSize", in_body=True)
    replication_key = "start"
    is_sorted = False
    schema = StreamSchema(SCHEMAS)
    #: A year per request where the plan allows it, else calendar months (reference §7).
    window_widths = (Width.YEAR, Width.MONTH)

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read deletions, then each range that may have changed (all of it at first)."""
        assert context is not None
        incremental = bool(self.get_context_state(context).get("replication_key_value"))
        read = self.begin_read(context)
        since = self.get_starting_timestamp(context)
        if since is not None and incremental:
            since -= timedelta(days=self.config.get("lookback_days", 0))
        since = since or EARLIEST_REPORT_DATE
        # After an earlier read (even one killed before it finished): deletions since, and
        # the older months holding edits; the range from ``since`` is read in full anyway.
        changed_months, deleted = self._changes(context["workspaceId"], read)
        yield from deleted
        ranges = [
            (month, min(month_start(month, 1), since))
            for month in sorted(changed_months)
            if month < since
        ]
        ranges.append((since, datetime.now(timezone.utc)))
        for since_, until in ranges:
            yield from self.read_windows(
                context["workspaceId"],
                since_,
                until,
                lambda start, end: self._window(context, start, end),
            )
        read.complete()

    def _window(self, context: Context, start: datetime, end: datetime) -> Iterator[Record]:
        """Yield the entries that start in ``[start, end)``, each once."""
        emitted: set[str] = set()
        for record in self.request_records({**context, "window": (start, end)}):
            entry_start = parse_time((record.get("timeInterval") or {})["start"])
            entry_id = self.entry_id(record)
            if start <= entry_start < end and entry_id not in emitted:
                emitted.add(entry_id)
                yield record

    def _changes(self, workspace_id: str, read: FeedRead) -> tuple[set[datetime], list[Record]]:
        """Months holding entries changed since the last run, and deleted entries."""
        if read.since is None:
            return set(), []
        try:
            types = ["TIME_ENTRY"]
            changes = changes_since(self, workspace_id, types, read, required=ENTRY_FIELDS)
        except FeedUnavailableError as why:
            self.logger.warning(
                "Only the last %s days of the detailed report are re-read because %s; "
                "edits and deletions of older entries are not captured.",
                self.config.get("lookback_days"),
                why,
            )
            return set(), []
        months: set[datetime] = set()
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
            elif start:
                months.add(month_start(parse_time(start)))
        return months, deleted

    def request_body(self, context: Context | None) -> dict[str, t.Any] | None:
        """Ask for one window, in UTC, every user of every status, stable order."""
        assert context is not None
        start, end = context["window"]
        return {
            "dateRangeStart": report_time(start),
            "dateRangeEnd": report_time(end - timedelta(milliseconds=1)),
            "timeZone": "UTC",
            "sortOrder": "ASCENDING",
            "exportType": "JSON",
            "amounts": ["EARNED", "COST"],
            "users": {"ids": [], "contains": "CONTAINS", "status": "ALL"},
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
