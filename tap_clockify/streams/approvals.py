"""Timesheet approval requests (paid feature)."""

from __future__ import annotations

import typing as t

from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import requests
    from singer_sdk.helpers.types import Context

#: Every state the list can be filtered on; it has no "all" (reference §5).
APPROVAL_STATUSES = ("PENDING", "APPROVED", "WITHDRAWN_APPROVAL")


class ApprovalRequestsStream(WorkspaceStream):
    """Approval requests of every status, with their entries, expenses and totals."""

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
