"""Every stream the tap offers, grouped by Clockify area."""

from tap_clockify.streams.approvals import ApprovalRequestsStream
from tap_clockify.streams.finance import (
    ExpenseCategoriesStream,
    ExpensesStream,
    InvoicePaymentsStream,
    InvoicesStream,
)
from tap_clockify.streams.projects import ClientsStream, ProjectsStream, TagsStream, TasksStream
from tap_clockify.streams.reports import DetailedReportStream, SharedReportsStream
from tap_clockify.streams.scheduling import SchedulingAssignmentsStream
from tap_clockify.streams.time_entries import InProgressTimeEntriesStream, TimeEntriesStream
from tap_clockify.streams.time_off import (
    HolidaysStream,
    TimeOffBalancesStream,
    TimeOffPoliciesStream,
    TimeOffRequestsStream,
)
from tap_clockify.streams.workspaces import (
    CustomFieldsStream,
    MemberProfilesStream,
    UserGroupsStream,
    UsersStream,
    WebhooksStream,
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
    ExpensesStream,
    ExpenseCategoriesStream,
    InvoicesStream,
    InvoicePaymentsStream,
    HolidaysStream,
    TimeOffPoliciesStream,
    TimeOffRequestsStream,
    TimeOffBalancesStream,
    ApprovalRequestsStream,
    SchedulingAssignmentsStream,
    WebhooksStream,
    SharedReportsStream,
    MemberProfilesStream,
)

__all__ = ["STREAM_TYPES"]
