"""What time is tracked against: clients, projects, tasks and tags (archived ones too)."""

from __future__ import annotations

import typing as t

from tap_clockify.change_feed import FeedRead, FeedUnavailableError, shared_changes
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
    feed_types = ("CLIENTS",)
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID


class ProjectsStream(WorkspaceStream):
    """Projects, active and archived; parent of tasks."""

    name = "projects"
    path = "/workspaces/{workspaceId}/projects"
    feed_types = ("PROJECTS",)
    shares_ids = True
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID


class TasksStream(WorkspaceStream):
    """Tasks of every project, archived ones included, ACTIVE and DONE (no ``is-active``).

    The first sync reads every project's tasks; later ones only those of projects the
    change feed names: for a task created, edited or deleted, or for a time entry tracked
    on one of its tasks (a task's ``duration`` is the time tracked on it). Where the feed
    names a task without its project, or is unavailable, every project is read again.
    Projects are read concurrently (see prefetch.py).
    """

    name = "tasks"
    path = "/workspaces/{workspaceId}/projects/{projectId}/tasks"
    feed_types = ("TASKS", "TIME_ENTRY")
    feed_documents = True
    primary_keys = ("workspaceId", "projectId", "id")
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Read the tasks of every project that may have changed, then deleted tasks."""
        assert context is not None
        read = self.begin_read(context)
        workspace_id = context["workspaceId"]
        project_ids = self._changed_projects(workspace_id, read)
        if project_ids is None:
            projects = t.cast("ProjectsStream", self.sibling("projects"))
            project_ids = projects.ids_in(workspace_id)
        yield from prefetched(project_ids, lambda project_id: self._tasks(workspace_id, project_id))
        yield from self.deletions(context, read)

    def _changed_projects(self, workspace_id: str, read: FeedRead) -> list[str] | None:
        """Projects whose tasks changed since the last sync; None: every project."""
        if read.bookmark.last_read is None:
            return None
        try:
            changes = shared_changes(self, workspace_id, read)
        except FeedUnavailableError as why:
            self.logger.warning("Reading every project's tasks because %s", why)
            return None
        named: set[str] = set()
        for change in changes["TASKS"].values():
            if change.deleted_at:
                continue  # reported by ``deletions``
            if change.document is None:
                return None  # a task named without its project
            named.add(change.document["projectId"])
        for change in changes["TIME_ENTRY"].values():
            document = change.document or {}
            if document.get("taskId") and document.get("projectId"):
                named.add(document["projectId"])
        return sorted(named)

    def _tasks(self, workspace_id: str, project_id: str) -> list[Record]:
        """One project's tasks; a project deleted since it was listed or named has none."""
        try:
            return list(
                self.request_records({"workspaceId": workspace_id, "projectId": project_id})
            )
        except ClockifyError as error:
            if not error.gone:
                raise
            self.logger.warning("Project %s no longer exists; its tasks are skipped", project_id)
            return []


class TagsStream(WorkspaceStream):
    """Tags, active and archived."""

    name = "tags"
    path = "/workspaces/{workspaceId}/tags"
    feed_types = ("TAGS",)
    schema = StreamSchema(SCHEMAS)
    query: t.ClassVar[dict[str, t.Any]] = BY_ID
