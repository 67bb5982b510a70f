"""Workspaces and their set-up: users, member profiles, user groups, custom fields, webhooks."""

from __future__ import annotations

import typing as t
from datetime import timedelta

from tap_clockify.change_feed import (
    FeedBookmark,
    FeedConsumer,
    FeedRead,
    FeedUnavailableError,
    shared_changes,
)
from tap_clockify.client import ClockifyStream
from tap_clockify.errors import ClockifyError
from tap_clockify.schemas import SCHEMAS, StreamSchema

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

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
        self.run.workspace_ids = [record["id"] for record in records]
        yield from records

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        """Children are read per workspace."""
        return {"workspaceId": record["id"]}


class WorkspaceStream(FeedConsumer):
    """A stream read once per workspace; its records carry ``workspaceId``.

    Streams naming ``feed_types`` (and no ``feed_documents``) are still read in full each
    run, and then also report, from the change feed, what was deleted since the previous
    run: deleted objects vanish from Clockify's lists, so only the feed can tell
    (reference §8).
    """

    parent_stream_type: type[ClockifyStream] | None = WorkspacesStream
    state_partitioning_keys = ("workspaceId",)
    primary_keys: t.Sequence[str] = ("workspaceId", "id")
    #: The read of the partition being synced, for streams that follow the feed.
    feed_read: FeedRead | None = None
    #: Whether streams read per object of this one (entries per user, tasks per
    #: project) reuse the ids this stream read in the same run.
    shares_ids: t.ClassVar[bool] = False

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read the records (remembering their ids if shared), then the deletions."""
        read = self.begin_read(context) if self.feed_types else None
        self.feed_read = read
        ids = []
        for record in super().get_records(context):
            if self.shares_ids:
                ids.append(record["id"])
            yield record
        if context and self.shares_ids:
            self.run.ids_read[self.name, context["workspaceId"]] = ids
        if read is not None and context and context["workspaceId"] not in self._unavailable_in:
            yield from self.deletions(context, read)

    def ids_in(self, workspace_id: str) -> list[str]:
        """Ids of the stream's objects in a workspace: as synced in this run, or read now."""
        key = (self.name, workspace_id)
        if key not in self.run.ids_read:
            records = self.request_records({"workspaceId": workspace_id})
            self.run.ids_read[key] = [record["id"] for record in records]
        return self.run.ids_read[key]

    def begin_read(self, context: Context | None) -> FeedRead:
        """Mark in the state, written out at once, that a read of the partition begins."""
        lookback = timedelta(days=self.config.get("lookback_days", 0))
        read = FeedBookmark(self.get_context_state(context)).begin(lookback)
        self.write_state_now()
        return read

    def deletions(self, context: Context, read: FeedRead) -> Iterator[Record]:
        """Yield objects deleted since an earlier read, with ``_sdc_deleted_at`` set."""
        workspace_id = context["workspaceId"]
        if read.since is not None and self.config.get("use_change_feed"):
            try:
                changes = shared_changes(self, workspace_id, read)[self.feed_types[0]]
            except FeedUnavailableError as why:
                self.logger.warning("Deleted %s are not reported: %s", self.name, why)
                changes = {}
            for change in changes.values():
                if not change.deleted_at:
                    continue
                record = {**(change.document or {}), "_sdc_deleted_at": change.deleted_at}
                if all(record.get(key) for key in self.primary_keys if key != "workspaceId"):
                    yield record
                else:
                    self.logger.warning(
                        "Cannot flag deleted %s %s in workspace %s: the change feed did not "
                        "say which %s it belonged to",
                        self.name,
                        change.entity_id,
                        workspace_id,
                        ", ".join(self.primary_keys[1:-1]),
                    )
        read.complete()


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
    shares_ids = True

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        """Member profiles are read per user."""
        return {"workspaceId": record["workspaceId"], "userId": record["id"]}


class MemberProfilesStream(WorkspaceStream):
    """Each member's workspace profile: working days, capacity, user custom field values."""

    name = "member_profiles"
    path = "/workspaces/{workspaceId}/member-profile/{userId}"
    parent_stream_type = UsersStream
    primary_keys = ("workspaceId", "userId")
    records_jsonpath = "$"  # one profile object, not a list
    max_page_size = None
    schema = StreamSchema(SCHEMAS)

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Add the member's user id, which a profile does not carry."""
        row = super().post_process(row, context) or row
        row["userId"] = (context or {}).get("userId")
        return row


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
    """Custom field definitions of every status (paged at most 200, reference §4).

    Their per-project defaults are in ``projectDefaultValues``, so the per-project list
    would add nothing.
    """

    name = "custom_fields"
    path = "/workspaces/{workspaceId}/custom-fields"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True


class WebhooksStream(WorkspaceStream):
    """Webhooks, without ``authToken``: the secret that signs deliveries is never emitted."""

    name = "webhooks"
    path = "/workspaces/{workspaceId}/webhooks"
    records_jsonpath = "$.webhooks[*]"
    max_page_size = None
    schema = StreamSchema(SCHEMAS)

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Drop the secret (the schema has no such field either)."""
        row.pop("authToken", None)
        return super().post_process(row, context)
