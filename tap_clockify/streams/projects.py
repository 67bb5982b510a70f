"""What time is tracked against: clients, projects, tasks and tags (archived ones too)."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from tap_clockify.errors import ClockifyError
from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context, Record

#: A stable order so pages cannot shift while we read them (reference §4).
BY_ID = {"sort-column": "ID", "sort-order": "ASCENDING"}


class ClientsStream(WorkspaceStream):
    """Clients; ``archived`` is omitted so active and archived both come back."""

    name = "clients"
    path = "/workspaces/{workspaceId}/clients"
    deletions_feed_type = "CLIENTS"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID


class ProjectsStream(WorkspaceStream):
    """Projects, active and archived; parent of tasks."""

    name = "projects"
    path = "/workspaces/{workspaceId}/projects"
    deletions_feed_type = "PROJECTS"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID

    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        """Tasks are read per project, except for projects reported deleted."""
        if record.get("_sdc_deleted_at"):
            return None
        return {"workspaceId": record["workspaceId"], "projectId": record["id"]}


class TasksStream(WorkspaceStream):
    """Tasks of every project; ``is-active`` is omitted so ACTIVE and DONE both come back."""

    name = "tasks"
    path = "/workspaces/{workspaceId}/projects/{projectId}/tasks"
    deletions_feed_type = "TASKS"
    parent_stream_type = ProjectsStream
    primary_keys = ("workspaceId", "projectId", "id")
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read a project's tasks; a project deleted since it was listed has none left."""
        try:
            yield from super().get_records(context)
        except ClockifyError as error:
            if error.status != HTTPStatus.NOT_FOUND or context is None:
                raise
            self.logger.warning(
                "Project %s was deleted during the sync; its tasks are skipped",
                context["projectId"],
            )


class TagsStream(WorkspaceStream):
    """Tags, active and archived."""

    name = "tags"
    path = "/workspaces/{workspaceId}/tags"
    deletions_feed_type = "TAGS"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID
