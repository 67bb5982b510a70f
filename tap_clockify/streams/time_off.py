"""Time off (paid feature): holidays, policies, requests and balances."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from tap_clockify.pagination import Paging
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: The time-off search's date format, ``YYYY-MM-DDTHH:MM:SS.ssssssZ`` (reference §5).
BODY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: Days re-read before the bookmark when the lead's ``lookback_days`` is not set.
DEFAULT_LOOKBACK_DAYS = 30


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
    """Time-off requests of everyone in every status, searched by POST.

    The search filters on creation time, so ``createdAt`` is the bookmark; a request's
    status changes later without touching it, so each run starts ``lookback_days`` before
    the bookmark to pick up recent approvals and rejections.
    """

    name = "time_off_requests"
    path = "/workspaces/{workspaceId}/time-off/requests"
    http_method = "POST"
    records_jsonpath = "$.requests[*]"
    replication_key = "createdAt"
    is_sorted = False
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    paging: t.ClassVar[Paging] = Paging(size="pageSize", in_body=True)
    plan_gated = True

    def request_body(self, context: Context | None) -> dict[str, t.Any]:
        """Ask for every status and user, created since the lookback window opened."""
        body: dict[str, t.Any] = {"statuses": ["ALL"], "users": []}
        if since := self.created_since(context):
            body["start"] = since.astimezone(timezone.utc).strftime(BODY_TIME_FORMAT)
        return body

    def created_since(self, context: Context | None) -> datetime | None:
        """Return the bookmark less ``lookback_days`` (not before ``start_date``), or that."""
        since = self.get_starting_timestamp(context)
        if since is None or not self.get_context_state(context).get("replication_key_value"):
            return since
        since -= timedelta(days=self.config.get("lookback_days", DEFAULT_LOOKBACK_DAYS))
        return max(since, self.start_date) if self.start_date else since
