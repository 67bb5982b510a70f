"""What time is tracked against: clients, projects, tasks and tags (archived ones too)."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from tap_clockify.errors import ClockifyError
from tap_clockify.prefetch import prefetched
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
    shares_ids = True
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID


class TasksStream(WorkspaceStream):
    """Tasks of every project, archived ones included, ACTIVE and DONE (no ``is-active``).

    Projects are read concurrently (see prefetch.py).
    """

    name = "tasks"
    path = "/workspaces/{workspaceId}/projects/{projectId}/tasks"
    deletions_feed_type = "TASKS"
    primary_keys = ("workspaceId", "projectId", "id")
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read every project's tasks, then the workspace's deleted tasks."""
        assert context is not None
        read = self.begin_read(context)
        workspace_id = context["workspaceId"]
        projects = t.cast("ProjectsStream", self.sibling("projects"))
        yield from prefetched(
            projects.ids_in(workspace_id), lambda project_id: self._tasks(workspace_id, project_id)
        )
        yield from self.deletions(context, read)

    def _tasks(self, workspace_id: str, project_id: str) -> list[Record]:
        """One project's tasks; a project deleted since it was listed has none left."""
        try:
            return list(
                self.request_records({"workspaceId": workspace_id, "projectId": project_id})
            )
        except ClockifyError as error:
            if error.status != HTTPStatus.NOT_FOUND:
                raise
            self.logger.warning(
                "Project %s was deleted during the sync; its tasks are skipped", project_id
            )
            return []


class TagsStream(WorkspaceStream):
    """Tags, active and archived."""

    name = "tags"
    path = "/workspaces/{workspaceId}/tags"
    deletions_feed_type = "TAGS"
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID
