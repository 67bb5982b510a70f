"""Every stream the tap offers, grouped by Clockify area."""

from tap_clockify.streams.projects import ClientsStream, ProjectsStream, TagsStream, TasksStream
from tap_clockify.streams.reports import DetailedReportStream
from tap_clockify.streams.time_entries import InProgressTimeEntriesStream, TimeEntriesStream
from tap_clockify.streams.workspaces import (
    CustomFieldsStream,
    UserGroupsStream,
    UsersStream,
    WorkspacesStream,
)

STREAM_TYPES = (
    WorkspacesStream,
    UsersStream,
    UserGroupsStream,
    ClientsStream,
    ProjectsStream,
    TasksStream,
    TagsStream,
    CustomFieldsStream,
    TimeEntriesStream,
    InProgressTimeEntriesStream,
    DetailedReportStream,
)

__all__ = ["STREAM_TYPES"]
