"""The reports API's detailed report (reference §7), computed from the dataset.

``POST /reports/v1/workspaces/{ws}/reports/detailed`` with ``dateRangeStart``/``End``
and ``detailedFilter{page, pageSize}`` in the body answers
``{"totals": [...], "timeentries": [...]}``. Entries are the finished time entries whose
start lies in the range, with names resolved and ``duration`` in whole seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .data import Dataset, Record, duration_seconds, parse_iso

#: Largest ``detailedFilter.pageSize`` (Clockify support statement, reference §7).
MAX_PAGE_SIZE = 1000
#: Paid plans are limited to about a year per request (reference §7).
MAX_RANGE = timedelta(days=366)  # paid plans (observed)
FREE_PLAN_MAX_RANGE = timedelta(days=31)  # the spec's description of every report
#: Member statuses a ``users.status`` filter keeps; Clockify's default leaves out inactive.
USER_STATUS_FILTERS = {
    "ALL": {"ACTIVE", "PENDING", "INACTIVE", "DECLINED"},
    "ACTIVE_WITH_PENDING": {"ACTIVE", "PENDING"},
    "ACTIVE": {"ACTIVE"},
    "PENDING": {"PENDING"},
    "INACTIVE": {"INACTIVE"},
}


class ReportError(Exception):
    """A 400 the reports API would answer, with Clockify's message."""


def report_entry(dataset: Dataset, ws_id: str, entry: Record) -> Record:
    """One time entry as the detailed report shows it: names, seconds and amounts."""
    user = dataset.get("users", ws_id, entry["userId"]) or {}
    project = dataset.get("projects", ws_id, entry["projectId"] or "") or {}
    task = dataset.get("tasks", ws_id, entry["taskId"] or "") or {}
    tags = [dataset.get("tags", ws_id, tag_id) or {"id": tag_id} for tag_id in entry["tagIds"]]
    duration = duration_seconds(entry["timeInterval"]["duration"])
    rate = (entry["hourlyRate"] or {}).get("amount", 0) if entry["billable"] else 0
    cost_rate = (entry["costRate"] or {}).get("amount", 0)
    amount, cost = round(rate * duration / 3600), round(cost_rate * duration / 3600)
    return {
        "_id": entry["id"],
        "description": entry["description"],
        "userId": entry["userId"],
        "userName": user.get("name"),
        "userEmail": user.get("email"),
        "billable": entry["billable"],
        "projectId": entry["projectId"],
        "projectName": project.get("name"),
        "projectColor": project.get("color"),
        "clientId": project.get("clientId") or None,
        "clientName": project.get("clientName") or None,
        "taskId": entry["taskId"],
        "taskName": task.get("name"),
        "tags": [{"id": tag["id"], "name": tag.get("name")} for tag in tags],
        "timeInterval": {
            "start": entry["timeInterval"]["start"],
            "end": entry["timeInterval"]["end"],
            "duration": duration,
        },
        "approvalRequestId": None,
        "type": entry["type"],
        "isLocked": entry["isLocked"],
        "locked": entry["isLocked"],
        "kioskId": entry["kioskId"],
        "customFields": [dict(value) for value in entry["customFieldValues"]],
        "currency": (entry["hourlyRate"] or entry["costRate"] or {}).get("currency"),
        "rate": rate,
        "earnedRate": rate,
        "costRate": cost_rate,
        "amount": amount,
        "costAmount": cost,
        "amounts": [{"type": "EARNED", "value": amount}, {"type": "COST", "value": cost}],
    }


def detailed_report(
    dataset: Dataset,
    ws_id: str,
    body: Record,
    owner_zone: timezone,
    max_page_size: int,
    max_range: timedelta = MAX_RANGE,
) -> Record:
    """Answer one detailed-report request, or raise ReportError for a 400."""
    zone = timezone.utc if body.get("timeZone") == "UTC" else owner_zone
    start = _bound(body, "dateRangeStart", zone)
    end = _bound(body, "dateRangeEnd", zone)
    if end < start or end - start > max_range:
        raise ReportError(f"Date range must be positive and at most {max_range.days} days")
    detailed = body.get("detailedFilter")
    if not isinstance(detailed, dict):
        raise ReportError("detailedFilter is required")
    page, size = int(detailed.get("page", 1)), int(detailed.get("pageSize", 50))
    if page < 1 or not 1 <= size <= max_page_size:
        raise ReportError(f"pageSize must be between 1 and {max_page_size}")
    users = body.get("users") or {}
    status = users.get("status", "ACTIVE_WITH_PENDING")
    statuses = USER_STATUS_FILTERS.get(status)
    if statuses is None:
        raise ReportError(f"Unknown users status {status}")
    # Named users with CONTAINS: only theirs (no names: everyone's).
    only = set(users.get("ids") or ()) if users.get("contains") == "CONTAINS" else set()
    entries = [
        entry
        for entry in dataset.records("time_entries", ws_id)
        if entry["timeInterval"]["end"] is not None
        and (not only or entry["userId"] in only)
        and start <= parse_iso(entry["timeInterval"]["start"]) <= end
        and _member_status(dataset, ws_id, entry["userId"]) in statuses
    ]
    column = detailed.get("sortColumn", "DATE")
    entries.sort(
        key=lambda e: e["id"] if column == "ID" else (e["timeInterval"]["start"], e["id"]),
        reverse=body.get("sortOrder") == "DESCENDING",
    )
    rows = [report_entry(dataset, ws_id, entry) for entry in entries]
    totals = []
    if (detailed.get("options") or {}).get("totals") != "EXCLUDE":
        totals = [
            {
                "_id": "",
                "totalTime": sum(row["timeInterval"]["duration"] for row in rows),
                "entriesCount": len(rows),
            }
        ]
    return {"totals": totals, "timeentries": rows[(page - 1) * size : page * size]}


def _bound(body: Record, name: str, zone: timezone) -> datetime:
    """Read a local date-time bound; without an offset it is wall-clock time in ``zone``."""
    value = body.get(name)
    if not isinstance(value, str):
        raise ReportError(f"{name} is required")
    try:
        moment = datetime.fromisoformat(value.replace("Z", ""))
    except ValueError:
        raise ReportError(f"{name} is not a date-time: {value}") from None
    return moment.replace(tzinfo=zone).astimezone(timezone.utc)


def _member_status(dataset: Dataset, ws_id: str, user_id: str) -> str:
    user = dataset.get("users", ws_id, user_id) or {}
    for membership in user.get("memberships", []):
        if membership["membershipType"] == "WORKSPACE" and membership["targetId"] == ws_id:
            return str(membership["membershipStatus"])
    return "ACTIVE"
