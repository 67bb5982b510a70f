"""Workspaces, and the people in them: users, user groups, custom fields."""

from __future__ import annotations

import typing as t

from tap_clockify.client import ClockifyStream
from tap_clockify.errors import ClockifyError
from tap_clockify.schemas import SCHEMAS, StreamSchema

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context, Record

#: Every account status, so LIMITED and deleted accounts are not dropped (reference §5).
ACCOUNT_STATUSES = (
    "ACTIVE,PENDING_EMAIL_VERIFICATION,DELETED,NOT_REGISTERED,LIMITED,LIMITED_DELETED"
)


class WorkspacesStream(ClockifyStream):
    """The workspaces the key can see (or the configured ones); parent of everything else."""

    name = "workspaces"
    path = "/workspaces"
    primary_keys = ("id",)
    max_page_size = None
    schema = StreamSchema(SCHEMAS)

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Keep the configured workspaces, failing loudly on any the key cannot see."""
        wanted = self.config.get("workspace_ids") or []
        records = list(super().get_records(context))
        if wanted:
            missing = sorted(set(wanted) - {record["id"] for record in records})
            if missing:
                msg = (
                    f"Workspace(s) {', '.join(missing)} not found among the workspaces this "
                    "API key can access; check workspace_ids and the region or api_url."
                )
                raise ClockifyError(msg)
            records = [record for record in records if record["id"] in wanted]
        yield from records

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        """Children are read per workspace."""
        return {"workspaceId": record["id"]}


class WorkspaceStream(ClockifyStream):
    """A stream read once per workspace; its records carry ``workspaceId``."""

    parent_stream_type: type[ClockifyStream] | None = WorkspacesStream
    state_partitioning_keys = ("workspaceId",)
    primary_keys: t.Sequence[str] = ("workspaceId", "id")


class UsersStream(WorkspaceStream):
    """Members of every membership and account status, with their workspace membership.

    A person in three workspaces is three records, hence the workspace in the key.
    """

    name = "users"
    path = "/workspaces/{workspaceId}/users"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = {
        "status": "ALL",
        "account-statuses": ACCOUNT_STATUSES,
        "memberships": "WORKSPACE",
        "include-roles": "false",
        "sort-column": "ID",
        "sort-order": "ASCENDING",
    }

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        """Time entries are read per user."""
        return {"workspaceId": record["workspaceId"], "userId": record["id"]}


class UserGroupsStream(WorkspaceStream):
    """User groups with their member and team-manager ids."""

    name = "user_groups"
    path = "/workspaces/{workspaceId}/user-groups"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = {
        "includeTeamManagers": "true",
        "sort-column": "ID",
        "sort-order": "ASCENDING",
    }


class CustomFieldsStream(WorkspaceStream):
    """Custom field definitions of every status (paged at most 200, reference §4)."""

    name = "custom_fields"
    path = "/workspaces/{workspaceId}/custom-fields"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
