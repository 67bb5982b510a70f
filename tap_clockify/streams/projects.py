"""What time is tracked against: clients, projects, tasks and tags (archived ones too)."""

from __future__ import annotations

import typing as t

from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: A stable order so pages cannot shift while we read them (reference §4).
BY_ID = {"sort-column": "ID", "sort-order": "ASCENDING"}


class ClientsStream(WorkspaceStream):
    """Clients; ``archived`` is omitted so active and archived both come back."""

    name = "clients"
    path = "/workspaces/{workspaceId}/clients"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID


class ProjectsStream(WorkspaceStream):
    """Projects, active and archived; parent of tasks."""

    name = "projects"
    path = "/workspaces/{workspaceId}/projects"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        """Tasks are read per project."""
        return {"workspaceId": record["workspaceId"], "projectId": record["id"]}


class TasksStream(WorkspaceStream):
    """Tasks of every project; ``is-active`` is omitted so ACTIVE and DONE both come back."""

    name = "tasks"
    path = "/workspaces/{workspaceId}/projects/{projectId}/tasks"
    parent_stream_type = ProjectsStream
    primary_keys = ("workspaceId", "projectId", "id")
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID


class TagsStream(WorkspaceStream):
    """Tags, active and archived."""

    name = "tags"
    path = "/workspaces/{workspaceId}/tags"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID
