"""Approval requests (paid feature): timesheets, expenses, or both, for a period."""

from __future__ import annotations

import typing as t

from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import requests
    from singer_sdk.helpers.types import Context

#: Every value the list's ``status`` filter takes, in the spec: it has no "all", and what
#: the list returns without it is not documented (reference §5), so each is asked for.
APPROVAL_STATUSES = ("PENDING", "APPROVED", "WITHDRAWN_APPROVAL")
#: States a request can also be in (the spec's ``ApprovalRequestStatusDtoV1.state``) that
#: no value of ``status`` selects; other clients report that they cannot be listed
#: (reference §10). No documented request returns them, so they are not extracted.
UNLISTABLE_STATES = ("WITHDRAWN_SUBMISSION", "REJECTED")


class ApprovalRequestsStream(WorkspaceStream):
    """Approval requests of every listable status, with their entries, expenses and totals.

    One pass per value of ``status`` (``APPROVAL_STATUSES``), the fewest requests that
    reach every state the list can return. The spec's list has no ``types`` parameter,
    so each pass returns requests of every type (TIMESHEET, EXPENSE and
    TIMESHEET_AND_EXPENSE, reference §10) and none is asked for. tests/test_stream_specifics.py
    checks these lists against the spec.
    """

    name = "approval_requests"
    path = "/workspaces/{workspaceId}/approval-requests"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True
    may_repeat_records = True
    query: t.ClassVar[dict[str, t.Any]] = {"sort-column": "ID", "sort-order": "ASCENDING"}

    def query_passes(self, context: Context | None) -> Sequence[dict[str, t.Any]]:
        """One pass per status."""
        return [{"status": status} for status in APPROVAL_STATUSES]

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """Lift ``approvalRequest.id``, the record's own id, to the top level."""
        for record in super().parse_response(response):
            yield {"id": (record.get("approvalRequest") or {}).get("id"), **record}
