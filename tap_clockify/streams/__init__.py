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

#: Sync order. The streams that follow the change feed come one after the other, so that
#: in each workspace their reads, and so the marks that cut later feed reads, fall within
#: seconds of the one shared feed read (see change_feed.py).
STREAM_TYPES = (
    WorkspacesStream,
    UsersStream,
    UserGroupsStream,
    CustomFieldsStream,
    ClientsStream,
    ProjectsStream,
    TasksStream,
    TagsStream,
    TimeEntriesStream,
    DetailedReportStream,
    SchedulingAssignmentsStream,
    InProgressTimeEntriesStream,
    ExpensesStream,
    ExpenseCategoriesStream,
    InvoicesStream,
    InvoicePaymentsStream,
    HolidaysStream,
    TimeOffPoliciesStream,
    TimeOffRequestsStream,
    TimeOffBalancesStream,
    ApprovalRequestsStream,
    WebhooksStream,
    SharedReportsStream,
    MemberProfilesStream,
)

__all__ = ["STREAM_TYPES"]
