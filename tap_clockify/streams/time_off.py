"""Time off (paid feature): holidays, policies, requests and balances."""

from __future__ import annotations

import typing as t
from datetime import timezone

from tap_clockify.pagination import Paging
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: The time-off search's date format, ``YYYY-MM-DDTHH:MM:SS.ssssssZ`` (reference §5).
BODY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class HolidaysStream(WorkspaceStream):
    """Holidays; the spec shows no paging, but the list pages at most 200 (reference §4)."""

    name = "holidays"
    path = "/workspaces/{workspaceId}/holidays"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True


class TimeOffPoliciesStream(WorkspaceStream):
    """Time-off policies, active and archived; parent of balances."""

    name = "time_off_policies"
    path = "/workspaces/{workspaceId}/time-off/policies"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True
    query: t.ClassVar[dict[str, t.Any]] = {"status": "ALL"}

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        """Balances are read per policy."""
        return {"workspaceId": record["workspaceId"], "policyId": record["id"]}


class TimeOffBalancesStream(WorkspaceStream):
    """Every member's balance in every policy; records sit at ``balances[]``."""

    name = "time_off_balances"
    path = "/workspaces/{workspaceId}/time-off/balance/policy/{policyId}"
    parent_stream_type = TimeOffPoliciesStream
    primary_keys = ("workspaceId", "policyId", "id")
    records_jsonpath = "$.balances[*]"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True
    query: t.ClassVar[dict[str, t.Any]] = {"sort": "USER", "sort-order": "ASCENDING"}


class TimeOffRequestsStream(WorkspaceStream):
    """Time-off requests of everyone in every status, searched by POST, all of them each run.

    The search filters on creation time only, and approvals, rejections and withdrawals
    come days or months after creation without touching it (reference §8): no bookmark
    would catch them. The list is small, so it is read whole, from ``start_date``.
    """

    name = "time_off_requests"
    path = "/workspaces/{workspaceId}/time-off/requests"
    http_method = "POST"
    records_jsonpath = "$.requests[*]"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    paging: t.ClassVar[Paging] = Paging(size="pageSize", in_body=True)
    plan_gated = True

    def request_body(self, context: Context | None) -> dict[str, t.Any]:
        """Ask for every status and user, created since ``start_date`` if set."""
        body: dict[str, t.Any] = {"statuses": ["ALL"], "users": []}
        if self.start_date:
            body["start"] = self.start_date.astimezone(timezone.utc).strftime(BODY_TIME_FORMAT)
        return body
