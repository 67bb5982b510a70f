"""Deterministic, mutable Clockify dataset served by the fake server.

Records are shaped exactly like Clockify's component schemas (``WorkspaceDtoV1``,
``UserDtoV1``, ...), with every property present, so the tap's schemas can be
checked both ways: no unknown fields, and every declared field exercised.

Enum components that the OpenAPI file wraps in odd ``oneOf`` objects
(``AccountStatus``, ``TaskStatus``, ``CustomFieldType``, ``EntityCreationPermission``,
``FeaturePlan``) are emitted as plain strings, and ``Feature`` as a list of strings,
because that is what the real API sends.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

Record = dict[str, Any]
ChangeKind = Literal["created", "updated", "deleted"]

STREAMS = (
    "workspaces",
    "users",
    "user_groups",
    "clients",
    "projects",
    "tasks",
    "tags",
    "custom_fields",
    "time_entries",
    "expense_categories",
    "expenses",
    "invoices",
    "invoice_payments",
    "holidays",
    "time_off_policies",
    "time_off_requests",
    "time_off_balances",
    "approval_requests",
    "scheduling_assignments",
    "webhooks",
    "shared_reports",
)

#: The workspace feature (``features``) each paid stream needs; a FREE workspace has none.
PAID_FEATURES = {
    "custom_fields": "CUSTOM_FIELDS",
    "expense_categories": "EXPENSES",
    "expenses": "EXPENSES",
    "invoices": "INVOICING",
    "invoice_payments": "INVOICING",
    "holidays": "TIME_OFF",
    "time_off_policies": "TIME_OFF",
    "time_off_requests": "TIME_OFF",
    "time_off_balances": "TIME_OFF",
    "approval_requests": "APPROVAL",
    "scheduling_assignments": "SCHEDULING",
}
INVOICE_STATUSES = ("UNSENT", "SENT", "PAID", "PARTIALLY_PAID", "VOID", "OVERDUE")
TIME_OFF_STATUSES = ("PENDING", "APPROVED", "REJECTED")
#: The approval states the list can be filtered on (its ``status`` parameter).
APPROVAL_STATES = ("PENDING", "APPROVED", "WITHDRAWN_APPROVAL")
#: The other states of a request (the spec's ``ApprovalRequestStatusDtoV1.state``): no
#: value of ``status`` lists them, so the dataset holds no request in them.
UNLISTED_APPROVAL_STATES = ("WITHDRAWN_SUBMISSION", "REJECTED")

MEMBERSHIP_STATUSES = ("PENDING", "ACTIVE", "DECLINED", "INACTIVE")
ACCOUNT_STATUSES = (
    "ACTIVE",
    "PENDING_EMAIL_VERIFICATION",
    "DELETED",
    "NOT_REGISTERED",
    "LIMITED",
    "LIMITED_DELETED",
)

# Workspace membership status by member position; shifted per workspace so that the
# same shared user has different statuses in different workspaces.
_MEMBERSHIP_CYCLE = ("ACTIVE", "ACTIVE", "INACTIVE", "ACTIVE", "PENDING", "DECLINED", "ACTIVE")
# Account status of workspace-specific (non-shared) users, by their index.
_ACCOUNT_CYCLE = ("ACTIVE", "LIMITED", "NOT_REGISTERED", "PENDING_EMAIL_VERIFICATION", "ACTIVE")

_FIRST = ("Ava", "Ben", "Chloe", "Dan", "Eva", "Finn", "Grace", "Hugo", "Iris", "Jonas", "Kira")
_LAST = ("Chen", "Novak", "Silva", "Brown", "Kowalski", "Meyer", "Okafor", "Rossi", "Tanaka")
_CLIENTS = ("Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises")
_PROJECTS = ("Website Redesign", "Mobile App", "Data Platform", "Internal Tools", "Onboarding")
_TASKS = ("Design", "Implementation", "Code review", "Testing", "Deployment", "Documentation")
_TAGS = ("meeting", "urgent", "remote", "overtime", "research", "support", "travel")
_GROUPS = ("Engineering", "Design", "Sales", "Support", "Management")
_CITIES = ("London", "Belgrade", "Manila", "New York", "Sydney")
_TIMEZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo", "Europe/Belgrade")
_CURRENCIES = ("USD", "EUR", "GBP")
_DESCRIPTIONS = (
    "Sprint planning",
    "Fix login bug",
    "Client call",
    "Write specs",
    "Refactor billing module",
    "",
)
_FEATURES = (
    "TIME_TRACKING",
    "APPROVAL",
    "CUSTOM_FIELDS",
    "TIME_OFF",
    "KIOSK",
    "INVOICING",
    "EXPENSES",
    "SCHEDULING",
)
_FREE_FEATURES = ("TIME_TRACKING", "KIOSK")
_EXPENSE_CATEGORIES = ("Travel", "Meals", "Mileage", "Software", "Hardware", "Training")
_HOLIDAYS = ("New Year's Day", "Labour Day", "Company retreat", "Christmas Day", "Boxing Day")
_POLICIES = ("Vacation", "Sick leave", "Parental leave", "Remote day", "Training days")
_WEBHOOK_EVENTS = ("NEW_TIME_ENTRY", "NEW_INVOICE", "TIME_ENTRY_DELETED", "NEW_PROJECT")
_REPORT_TYPES = ("DETAILED", "SUMMARY", "WEEKLY", "EXPENSE_DETAILED")
_CUSTOM_FIELD_TYPES = ("DROPDOWN_SINGLE", "TXT", "NUMBER", "DROPDOWN_MULTIPLE", "CHECKBOX", "LINK")
_CUSTOM_FIELD_STATUSES = ("VISIBLE", "INVISIBLE", "VISIBLE", "INACTIVE")


@dataclass(frozen=True)
class DatasetSpec:
    """Knobs of the generated dataset; the same spec always yields the same data."""

    seed: int = 7
    workspaces: int = 2
    users_per_workspace: int = 8  # members per workspace, shared users included
    shared_users: int = 3  # members of every workspace; the first one owns the API key
    user_groups: int = 2
    clients: int = 4
    projects: int = 6
    tasks_per_project: int = 3
    tags: int = 5
    custom_fields: int = 3
    entries_per_user: int = 40
    history_days: int = 400
    expense_categories: int = 4  # the last one archived
    expenses_per_user: int = 3
    invoices: int = 6  # statuses cycle UNSENT, SENT, PAID, PARTIALLY_PAID, VOID, OVERDUE
    holidays: int = 3
    time_off_policies: int = 3  # the last one archived
    time_off_requests_per_user: int = 3
    approvals_per_user: int = 3  # one per week with entries, newest weeks first
    assignments_per_user: int = 2
    webhooks: int = 2
    shared_reports: int = 3
    free_plan_workspaces: int = 0  # the last ones are on the FREE plan: paid features are 403
    anchor: datetime | None = None  # None: now (UTC) truncated to the hour

    def __post_init__(self) -> None:
        if self.workspaces < 1 or self.shared_users < 1:
            raise ValueError("need at least one workspace and one shared user (the key owner)")
        if self.users_per_workspace < self.shared_users:
            raise ValueError("users_per_workspace includes shared_users, so must be >= it")
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        counts = (self.user_groups, self.clients, self.projects, self.tasks_per_project)
        paid = (
            self.expense_categories,
            self.expenses_per_user,
            self.invoices,
            self.holidays,
            self.time_off_policies,
            self.time_off_requests_per_user,
            self.approvals_per_user,
            self.assignments_per_user,
            self.webhooks,
            self.shared_reports,
            self.free_plan_workspaces,
        )
        if min(*counts, self.tags, self.custom_fields, self.entries_per_user, *paid) < 0:
            raise ValueError("counts must not be negative")
        if self.free_plan_workspaces > self.workspaces:
            raise ValueError("free_plan_workspaces cannot exceed workspaces")


@dataclass(frozen=True)
class Change:
    """One entry of the change log that feeds ``/entities/created|updated|deleted``."""

    kind: ChangeKind
    stream: str
    workspace_id: str
    record_id: str
    at: datetime
    snapshot: Record


# --------------------------------------------------------------------------- formats


def make_id(seed: int, kind: str, *parts: object) -> str:
    """Return a Mongo-style 24-hex id, stable for the same seed, kind and parts."""
    key = ":".join([str(seed), kind, *map(str, parts)])
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """Format like Clockify's main API: ``2026-01-02T08:00:00Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """Format with milliseconds, as some Clockify timestamps (e.g. ``deletedAt``) are."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse a UTC timestamp as produced by :func:`iso` or :func:`iso_millis`."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def iso_duration(seconds: int) -> str:
    """Format seconds as an ISO-8601 duration such as ``PT1H30M`` (``PT0S`` for zero)."""
    if seconds <= 0:
        return "PT0S"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = (
        f"{hours}H" if hours else "",
        f"{minutes}M" if minutes else "",
        f"{secs}S" if secs else "",
    )
    return "PT" + "".join(parts)


_DURATION_RE = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def duration_seconds(text: str | None) -> int:
    """Parse what :func:`iso_duration` writes; anything else counts as zero."""
    match = _DURATION_RE.match(text or "")
    if not match:
        return 0
    hours, minutes, secs = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + secs


def rate(amount: int, currency: str) -> Record:
    """Money as Clockify sends it: integer minor units plus currency code."""
    return {"amount": amount, "currency": currency}


def deep_merge(target: Record, changes: Record) -> None:
    """Merge ``changes`` into ``target`` in place; nested dicts merge, other values replace."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------- store


class Dataset:
    """Mutable record store, keyed stream -> workspace id -> record id -> record.

    Every mutation appends to :attr:`changes`, which the server turns into Clockify's
    change feed. All access from server threads goes through :attr:`lock`.
    """

    def __init__(self, spec: DatasetSpec, anchor: datetime, owner_id: str) -> None:
        self.spec = spec
        self.anchor = anchor
        self.owner_id = owner_id  # the user the API key belongs to
        self.lock = threading.RLock()
        self.changes: list[Change] = []
        self._store: dict[str, dict[str, dict[str, Record]]] = {name: {} for name in STREAMS}
        self._new_ids = 0

    @property
    def workspace_ids(self) -> list[str]:
        """Workspace ids in creation order."""
        with self.lock:
            return list(self._store["workspaces"])

    def records(self, stream: str, workspace_id: str) -> list[Record]:
        """Live records of one stream in one workspace, in insertion order (not copies)."""
        with self.lock:
            return list(self._bucket(stream, workspace_id).values())

    def get(self, stream: str, workspace_id: str, record_id: str) -> Record | None:
        """Return the live record or ``None``."""
        with self.lock:
            return self._bucket(stream, workspace_id).get(record_id)

    def add(self, stream: str, workspace_id: str, record: Record) -> Record:
        """Store a copy of ``record`` (an id is generated when missing) and log "created"."""
        return self._insert(stream, workspace_id, record, utc_now())

    def update(self, stream: str, workspace_id: str, record_id: str, **changes: Any) -> Record:
        """Deep-merge ``changes`` into a stored record and log "updated"."""
        with self.lock:
            record = self._bucket(stream, workspace_id)[record_id]
            deep_merge(record, changes)
            self._log("updated", stream, workspace_id, record, utc_now())
            return copy.deepcopy(record)

    def delete(self, stream: str, workspace_id: str, record_id: str) -> Record:
        """Remove a stored record and log "deleted" with its last state.

        A project takes its tasks with it, each logged deleted as well.
        """
        with self.lock:
            if stream == "projects":
                for task in self.records("tasks", workspace_id):
                    if task["projectId"] == record_id:
                        self.delete("tasks", workspace_id, task["id"])
            record = self._bucket(stream, workspace_id).pop(record_id)
            if stream == "workspaces":
                del self._store["workspaces"][workspace_id]
            self._log("deleted", stream, workspace_id, record, utc_now())
            return copy.deepcopy(record)

    def _insert(self, stream: str, workspace_id: str, record: Record, at: datetime) -> Record:
        with self.lock:
            record = copy.deepcopy(record)
            if "id" not in record:
                self._new_ids += 1
                record["id"] = make_id(self.spec.seed, "added", stream, self._new_ids)
            if stream == "workspaces":
                self._store["workspaces"].setdefault(workspace_id, {})
                for name in STREAMS:
                    self._store[name].setdefault(workspace_id, {})
            self._bucket(stream, workspace_id)[record["id"]] = record
            self._log("created", stream, workspace_id, record, at)
            return copy.deepcopy(record)

    def _bucket(self, stream: str, workspace_id: str) -> dict[str, Record]:
        if stream not in self._store:
            raise KeyError(f"unknown stream {stream!r}")
        if workspace_id not in self._store["workspaces"]:
            raise KeyError(f"unknown workspace {workspace_id!r}")
        return self._store[stream][workspace_id]

    def _log(
        self, kind: ChangeKind, stream: str, workspace_id: str, record: Record, at: datetime
    ) -> None:
        snapshot = copy.deepcopy(record)
        self.changes.append(Change(kind, stream, workspace_id, record["id"], at, snapshot))


# --------------------------------------------------------------------------- generator


@dataclass
class _Member:
    """A user's place in one workspace while the dataset is being built."""

    user_id: str
    name: str
    email: str
    account_status: str
    position: int  # 0 is the key owner
    shared: bool
    status: str = "ACTIVE"  # workspace membership status
    memberships: list[Record] = field(default_factory=list)


def build_dataset(spec: DatasetSpec | None = None) -> Dataset:
    """Generate the dataset described by ``spec`` (defaults when omitted)."""
    return _Builder(spec or DatasetSpec()).build()


class _Builder:
    """Builds one workspace after another; each step reads like the Clockify UI flow."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        if spec.anchor is None:
            self.anchor = utc_now().replace(minute=0, second=0, microsecond=0)
        else:  # an explicit anchor is kept to the second; naive means UTC
            anchor = spec.anchor if spec.anchor.tzinfo else spec.anchor.replace(tzinfo=timezone.utc)
            self.anchor = anchor.astimezone(timezone.utc).replace(microsecond=0)
        self.ws_ids = [self.id("workspace", w) for w in range(spec.workspaces)]
        self.shared = [self.person(("shared", i), i, shared=True) for i in range(spec.shared_users)]
        self.dataset = Dataset(spec, self.anchor, self.shared[0].user_id)
        # Set-up objects are "created" well before the first time entry.
        self.setup_at = self.anchor - timedelta(days=spec.history_days + 30)

    def id(self, kind: str, *parts: object) -> str:
        return make_id(self.spec.seed, kind, *parts)

    def person(self, key: tuple[object, ...], number: int, *, shared: bool) -> _Member:
        first = _FIRST[number % len(_FIRST)]
        last = _LAST[(number * 5 + len(key)) % len(_LAST)]
        user_id = self.id("user", *key)
        email = f"{first}.{last}.{user_id[:4]}@example.com".lower()
        return _Member(user_id, f"{first} {last}", email, "ACTIVE", number, shared)

    def seed(self, stream: str, ws_id: str, record: Record, at: datetime) -> None:
        self.dataset._insert(stream, ws_id, record, at)

    def build(self) -> Dataset:
        for w, ws_id in enumerate(self.ws_ids):
            self.build_workspace(w, ws_id)
        return self.dataset

    # ----------------------------------------------------------------- workspace

    def build_workspace(self, w: int, ws_id: str) -> None:
        rng = random.Random(f"{self.spec.seed}:workspace:{w}")
        currency = _CURRENCIES[w % len(_CURRENCIES)]
        members = self.members(w, ws_id)
        self.seed("workspaces", ws_id, self.workspace(w, ws_id, currency, members), self.setup_at)
        groups = self.user_groups(ws_id, members)
        clients = self.clients(w, ws_id, currency)
        projects = self.projects(rng, ws_id, currency, clients, members)
        tasks = self.tasks(rng, ws_id, currency, projects, members, groups)
        tags = self.tags(ws_id)
        fields = self.custom_fields(ws_id, projects)
        for member in members:
            user = self.user(ws_id, member, fields)
            self.seed("users", ws_id, user, self.setup_at + timedelta(minutes=member.position))
        for group in groups:
            self.seed("user_groups", ws_id, group, self.setup_at)
        entries = self.time_entries(rng, w, ws_id, currency, members, projects, tasks, tags, fields)
        self.add_durations(projects, tasks, entries)
        for stream, records in (
            ("clients", clients),
            ("projects", projects),
            ("tasks", tasks),
            ("tags", tags),
            ("custom_fields", fields),
        ):
            for index, record in enumerate(records):
                self.seed(stream, ws_id, record, self.setup_at + timedelta(minutes=index))
        for entry in entries:
            interval = entry["timeInterval"]
            self.seed("time_entries", ws_id, entry, parse_iso(interval["end"] or interval["start"]))
        self.build_paid_features(
            w, ws_id, currency, members, groups, clients, projects, tasks, tags, entries
        )

    def free_plan(self, w: int) -> bool:
        """Whether workspace number ``w`` is on the FREE plan (the last ones are)."""
        return w >= self.spec.workspaces - self.spec.free_plan_workspaces

    def members(self, w: int, ws_id: str) -> list[_Member]:
        own_count = self.spec.users_per_workspace - self.spec.shared_users
        own = []
        for k in range(own_count):
            number = self.spec.shared_users + w * own_count + k
            member = self.person((w, k), number, shared=False)
            member.account_status = _ACCOUNT_CYCLE[k % len(_ACCOUNT_CYCLE)]
            own.append(member)
        members = [copy.copy(m) for m in self.shared] + own
        for j, member in enumerate(members):
            member.position = j
            member.memberships = []
            member.status = "ACTIVE" if j == 0 else _MEMBERSHIP_CYCLE[(j - 1 + w) % 7]
            member.memberships.append(
                {
                    "costRate": rate(1500 + 100 * j, _CURRENCIES[w % 3]) if j % 2 == 0 else None,
                    "hourlyRate": rate(4000 + 250 * j, _CURRENCIES[w % 3]) if j % 3 else None,
                    "membershipStatus": member.status,
                    "membershipType": "WORKSPACE",
                    "targetId": ws_id,
                    "userId": member.user_id,
                }
            )
        return members

    def workspace(self, w: int, ws_id: str, currency: str, members: list[_Member]) -> Record:
        second = _CURRENCIES[(w + 1) % len(_CURRENCIES)]
        lock_day = self.anchor - timedelta(days=60)
        return {
            "cakeOrganizationId": self.id("cake-org", w),
            "costRate": rate(2500, currency),
            "currencies": [
                {"code": currency, "id": self.id("currency", w, currency), "isDefault": True},
                {"code": second, "id": self.id("currency", w, second), "isDefault": False},
            ],
            "featureSubscriptionType": (
                "FREE" if self.free_plan(w) else "PRO_YEAR" if w % 2 == 0 else "STANDARD_2021"
            ),
            "features": list(_FREE_FEATURES if self.free_plan(w) else _FEATURES),
            "hourlyRate": rate(5000, currency),
            "id": ws_id,
            "imageUrl": f"https://img.clockify.me/workspaces/{ws_id}.png",
            "memberships": [m.memberships[0] for m in members],
            "name": f"Workspace {w + 1} - {_CLIENTS[w % len(_CLIENTS)]}",
            "subdomain": {"enabled": w == 0, "name": "acme" if w == 0 else None},
            "workspaceSettings": {
                "activeBillableHours": True,
                "adminOnlyPages": ["REPORTS"] if w == 0 else [],
                "automaticLock": (
                    {
                        "changeDay": "FRIDAY",
                        "dayOfMonth": 1,
                        "firstDay": "MONDAY",
                        "olderThanPeriod": "DAYS",
                        "olderThanValue": 60,
                        "type": "OLDER_THAN",
                    }
                    if w % 2 == 0
                    else None
                ),
                "canSeeTimeSheet": True,
                "canSeeTracker": True,
                "currencyFormat": "CURRENCY_SPACE_VALUE",
                "defaultBillableProjects": True,
                "durationFormat": "FULL",
                "entityCreationPermissions": {
                    "whoCanCreateProjectsAndClients": "ADMINS",
                    "whoCanCreateTags": "EVERYONE",
                    "whoCanCreateTasks": "ADMINS_AND_PROJECT_MANAGERS",
                },
                "forceDescription": False,
                "forceProjects": w % 2 == 1,
                "forceTags": False,
                "forceTasks": False,
                "isProjectPublicByDefault": True,
                "lockTimeEntries": iso(lock_day.replace(hour=0)),
                "lockTimeZone": "Europe/Belgrade",
                "multiFactorEnabled": False,
                "numberFormat": "COMMA_PERIOD",
                "onlyAdminsCanChangeBillableStatus": False,
                "onlyAdminsCreateProject": True,
                "onlyAdminsCreateTag": False,
                "onlyAdminsCreateTask": True,
                "onlyAdminsSeeAllTimeEntries": False,
                "onlyAdminsSeeBillableRates": True,
                "onlyAdminsSeeDashboard": False,
                "onlyAdminsSeePublicProjectsEntries": False,
                "projectFavorites": True,
                "projectGroupingLabel": "client",
                "projectLabel": "Project",
                "projectPickerSpecialFilter": False,
                "round": {"minutes": "15", "round": "Round to nearest"},
                "taskLabel": "Task",
                "timeRoundingInReports": False,
                "timeTrackingMode": "DEFAULT",
                "trackTimeDownToSecond": True,
                "workingDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
            },
        }

    def user(self, ws_id: str, member: _Member, fields: list[Record]) -> Record:
        user_fields = [f for f in fields if f["entityType"] == "USER"]
        number = member.position
        home = self.ws_ids[0] if member.shared else ws_id
        return {
            "activeWorkspace": home,
            "customFields": [
                {
                    "customFieldId": f["id"],
                    "customFieldName": f["name"],
                    "customFieldType": f["type"],
                    "userId": member.user_id,
                    "value": _field_value(f["type"], number),
                }
                for f in user_fields
            ],
            "defaultWorkspace": home,
            "email": member.email,
            "id": member.user_id,
            "memberships": member.memberships,
            "name": member.name,
            "profilePicture": (
                f"https://img.clockify.me/users/{member.user_id}.png"
                if number % 2 == 0
                else "https://img.clockify.me/no-user-image.png"
            ),
            "settings": {
                "alerts": True,
                "approval": number % 2 == 0,
                "collapseAllProjectLists": False,
                "dashboardPinToTop": False,
                "dashboardSelection": "ME" if number % 2 else "TEAM",
                "dashboardViewType": "PROJECT" if number % 2 else "BILLABILITY",
                "dateFormat": "MM/DD/YYYY" if number % 2 else "DD/MM/YYYY",
                "groupSimilarEntriesDisabled": False,
                "invoiceReminders": False,
                "isCompactViewOn": number % 3 == 0,
                "lang": "en",
                "longRunning": True,
                "multiFactorEnabled": False,
                "myStartOfDay": "09:00",
                "onboarding": False,
                "projectListCollapse": 50,
                "projectPickerTaskFilter": False,
                "pto": True,
                "reminders": False,
                "scheduledReports": True,
                "scheduling": False,
                "sendNewsletter": False,
                "showOnlyWorkingDays": False,
                "summaryReportSettings": {"group": "PROJECT", "subgroup": "CLIENT"},
                "theme": "DARK" if number % 2 else "DEFAULT",
                "timeFormat": "HOUR24" if number % 2 else "HOUR12",
                "timeTrackingManual": True,
                "timeZone": _TIMEZONES[number % len(_TIMEZONES)],
                "weekStart": "MONDAY" if number % 3 else "SUNDAY",
                "weeklyUpdates": False,
            },
            "status": member.account_status,
        }

    def user_groups(self, ws_id: str, members: list[_Member]) -> list[Record]:
        groups = []
        count = self.spec.user_groups
        for g in range(count):
            group_id = self.id("user-group", ws_id, g)
            in_group = [m for m in members if m.position % count == g]
            manager = next((m for m in in_group if m.status == "ACTIVE"), members[0])
            for member in in_group:
                member.memberships.append(_membership(member.user_id, group_id, "USERGROUP"))
            groups.append(
                {
                    "id": group_id,
                    "name": _GROUPS[g % len(_GROUPS)]
                    + (f" {g // len(_GROUPS) + 1}" if g >= len(_GROUPS) else ""),
                    "teamManagers": [{"id": manager.user_id, "name": manager.name}],
                    "userIds": [m.user_id for m in in_group],
                    "workspaceId": ws_id,
                }
            )
        return groups

    def clients(self, w: int, ws_id: str, currency: str) -> list[Record]:
        clients = []
        count = self.spec.clients
        for c in range(count):
            name = _CLIENTS[(c + w) % len(_CLIENTS)] + (f" {c + 1}" if c >= len(_CLIENTS) else "")
            slug = name.split()[0].lower()
            code = currency if c % 2 == 0 else _CURRENCIES[(w + 1) % len(_CURRENCIES)]
            clients.append(
                {
                    "address": f"{10 + c} Main Street, {_CITIES[c % len(_CITIES)]}",
                    "archived": count >= 2 and c == count - 1,
                    "ccEmails": [f"accounts@{slug}.example.com"] if c % 2 == 0 else [],
                    "currencyCode": code,
                    "currencyId": self.id("currency", w, code),
                    "email": f"billing@{slug}.example.com",
                    "id": self.id("client", ws_id, c),
                    "name": name,
                    "note": f"Key account since {2018 + c}" if c % 2 == 0 else "",
                    "workspaceId": ws_id,
                }
            )
        return clients

    def projects(
        self,
        rng: random.Random,
        ws_id: str,
        currency: str,
        clients: list[Record],
        members: list[_Member],
    ) -> list[Record]:
        projects = []
        count = self.spec.projects
        for p in range(count):
            project_id = self.id("project", ws_id, p)
            client = clients[p % len(clients)] if clients and p % 3 != 1 else None
            assigned = [m for m in members if m.position == 0 or (m.position + p) % 2 == 0]
            assigned = [m for m in assigned if m.status in ("ACTIVE", "INACTIVE")]
            memberships = []
            for m in assigned:
                membership = _membership(m.user_id, project_id, "PROJECT", m.status)
                if (m.position + p) % 3 == 0:
                    membership["hourlyRate"] = rate(6000 + 500 * p, currency)
                    membership["costRate"] = rate(3000 + 100 * p, currency)
                m.memberships.append(membership)
                memberships.append(membership)
            projects.append(
                {
                    "archived": count >= 2 and p == count - 1,
                    "billable": p % 4 != 3,
                    "budgetEstimate": {
                        "active": p % 2 == 0,
                        "estimate": 500000 + 100000 * p,
                        "includeExpenses": p % 4 == 0,
                        "resetOption": "MONTHLY" if p % 2 else None,
                        "type": "MANUAL" if p % 2 == 0 else "AUTO",
                    },
                    "clientId": client["id"] if client else "",
                    "clientName": client["name"] if client else "",
                    "color": f"#{rng.randrange(0x1000000):06x}",
                    "costRate": rate(2000 + 100 * p, currency) if p % 2 == 0 else None,
                    "duration": "PT0S",  # filled in from the time entries
                    "estimate": {
                        "estimate": f"PT{40 + 10 * p}H",
                        "type": "MANUAL" if p % 2 else "AUTO",
                    },
                    # In ProjectDtoImplV1 only; real lists carry it, mostly null (§6).
                    "estimateReset": None
                    if p % 3
                    else {"interval": "MONTHLY", "dayOfMonth": 1, "hour": 0, "month": None},
                    "hourlyRate": rate(7500 + 500 * p, currency) if p % 3 != 2 else None,
                    "id": project_id,
                    "memberships": memberships,
                    "name": _PROJECTS[p % len(_PROJECTS)]
                    + (f" {p // len(_PROJECTS) + 1}" if p >= len(_PROJECTS) else ""),
                    "note": f"Phase {p + 1} of the roadmap" if p % 2 == 0 else "",
                    "public": p % 2 == 0,
                    "template": count >= 3 and p == count - 2,
                    "timeEstimate": {
                        "active": p % 2 == 1,
                        "estimate": f"PT{100 + 20 * p}H",
                        "includeNonBillable": p % 3 == 0,
                        "resetOption": "WEEKLY" if p % 3 == 1 else None,
                        "type": "MANUAL",
                    },
                    "workspaceId": ws_id,
                }
            )
        return projects

    def tasks(
        self,
        rng: random.Random,
        ws_id: str,
        currency: str,
        projects: list[Record],
        members: list[_Member],
        groups: list[Record],
    ) -> list[Record]:
        tasks = []
        active = [m.user_id for m in members if m.status == "ACTIVE"]
        for p, project in enumerate(projects):
            if project["template"] or (len(projects) == 2 and p == 1):
                continue  # leave at least one project without tasks
            for t in range(self.spec.tasks_per_project):
                assignees = sorted(rng.sample(active, min(len(active), t % 3)))
                tasks.append(
                    {
                        "assigneeId": assignees[0] if assignees else None,
                        "assigneeIds": assignees,
                        "billable": project["billable"],
                        "budgetEstimate": 20000 * (t + 1) if t % 2 == 0 else 0,
                        "costRate": rate(2500 + 100 * t, currency) if t == 0 else None,
                        "duration": "PT0S",  # filled in from the time entries
                        "estimate": f"PT{4 * (t + 1)}H" if t % 2 == 0 else "PT0S",
                        "hourlyRate": rate(8000 + 200 * t, currency) if t == 0 else None,
                        "id": self.id("task", project["id"], t),
                        "name": _TASKS[t % len(_TASKS)]
                        + (f" {t // len(_TASKS) + 1}" if t >= len(_TASKS) else ""),
                        "projectId": project["id"],
                        "status": "DONE" if t % 3 == 2 else "ACTIVE",
                        "userGroupIds": [groups[t % len(groups)]["id"]]
                        if groups and t % 2 == 1
                        else [],
                    }
                )
        return tasks

    def tags(self, ws_id: str) -> list[Record]:
        count = self.spec.tags
        return [
            {
                "archived": count >= 2 and t == count - 1,
                "id": self.id("tag", ws_id, t),
                "name": _TAGS[t % len(_TAGS)]
                + (f"-{t // len(_TAGS) + 1}" if t >= len(_TAGS) else ""),
                "workspaceId": ws_id,
            }
            for t in range(count)
        ]

    def custom_fields(self, ws_id: str, projects: list[Record]) -> list[Record]:
        fields = []
        for k in range(self.spec.custom_fields):
            kind = _CUSTOM_FIELD_TYPES[k % len(_CUSTOM_FIELD_TYPES)]
            entity = "USER" if k % 3 == 2 else "TIMEENTRY"
            dropdown = kind.startswith("DROPDOWN")
            defaults = []
            if entity == "TIMEENTRY" and projects:
                project = projects[k % len(projects)]
                defaults.append(
                    {
                        "projectId": project["id"],
                        "status": "VISIBLE",
                        "value": _field_value(kind, k + 1),
                    }
                )
            fields.append(
                {
                    "allowedValues": list(_CITIES) if dropdown else [],
                    "description": f"{kind.replace('_', ' ').title()} field #{k + 1}",
                    "entityType": entity,
                    "id": self.id("custom-field", ws_id, k),
                    "name": ("Location", "Ticket", "Employee number", "Regions", "Remote", "Link")[
                        k % 6
                    ],
                    "onlyAdminCanEdit": k % 2 == 1,
                    "placeholder": f"Enter {kind.lower()}",
                    "projectDefaultValues": defaults,
                    "required": k == 0,
                    "status": _CUSTOM_FIELD_STATUSES[k % len(_CUSTOM_FIELD_STATUSES)],
                    "type": kind,
                    "workspaceDefaultValue": _field_value(kind, 0),
                    "workspaceId": ws_id,
                }
            )
        return fields

    # ----------------------------------------------------------------- time entries

    def time_entries(
        self,
        rng: random.Random,
        w: int,
        ws_id: str,
        currency: str,
        members: list[_Member],
        projects: list[Record],
        tasks: list[Record],
        tags: list[Record],
        fields: list[Record],
    ) -> list[Record]:
        entries: list[Record] = []
        usable = [p for p in projects if not p["template"]]
        entry_fields = [
            f for f in fields if f["entityType"] == "TIMEENTRY" and f["status"] != "INACTIVE"
        ]
        lock = parse_iso("1970-01-01T00:00:00Z")
        ws_record = self.dataset.get("workspaces", ws_id, ws_id) or {}
        lock_text = ws_record.get("workspaceSettings", {}).get("lockTimeEntries")
        if lock_text:
            lock = parse_iso(lock_text)
        tracking = [
            m for m in members if m.status in ("ACTIVE", "INACTIVE")
        ]  # invitees never tracked
        for member in tracking:
            kiosk = self.id("kiosk", ws_id) if member.account_status == "LIMITED" else None
            for e in range(self.spec.entries_per_user):
                day = self.anchor - timedelta(days=rng.randint(1, self.spec.history_days))
                start = day.replace(
                    hour=rng.randint(6, 17), minute=rng.randrange(0, 60, 5), second=0
                )
                end = start + timedelta(
                    minutes=rng.randrange(15, 241, 5), seconds=rng.choice((0, 0, 17))
                )
                entry_id = self.id("time-entry", ws_id, member.user_id, e)
                entry = self.entry(entry_id, ws_id, member, start, end)
                entry["isLocked"] = start < lock
                entry["kioskId"] = kiosk or (self.id("kiosk", ws_id) if e % 25 == 24 else None)
                if e % 10 == 0:
                    entry.update(type="BREAK", billable=False, description="Lunch break")
                elif e % 10 != 1 and usable:  # e % 10 == 1: no project
                    project = rng.choice(usable)
                    own_tasks = [t for t in tasks if t["projectId"] == project["id"]]
                    task = rng.choice(own_tasks) if own_tasks and e % 2 == 0 else None
                    entry.update(projectId=project["id"], taskId=task["id"] if task else None)
                    entry["billable"] = project["billable"]
                    entry["hourlyRate"] = _pick_rate(
                        member, project, task, "hourlyRate", currency, 5000
                    )
                    entry["costRate"] = _pick_rate(
                        member, project, task, "costRate", currency, 2500
                    )
                if entry["type"] == "REGULAR" and tags:
                    entry["tagIds"] = sorted(
                        t["id"] for t in rng.sample(tags, min(len(tags), e % 3))
                    )
                if entry["type"] == "REGULAR" and e % 2 == 0:
                    entry["customFieldValues"] = [
                        {
                            "customFieldId": f["id"],
                            "name": f["name"],
                            "timeEntryId": entry_id,
                            "type": f["type"],
                            "value": _field_value(f["type"], e),
                        }
                        for f in entry_fields
                    ]
                entries.append(entry)
            own = [e for e in entries if e["userId"] == member.user_id]
            for approval_id, week in self.approval_weeks(ws_id, member, own):
                for entry in own:
                    if _week_start(parse_iso(entry["timeInterval"]["start"])) == week:
                        entry["approvalRequestId"] = approval_id
        runner = next(
            (
                m
                for m in tracking
                if not m.shared and m.status == "ACTIVE" and m.account_status == "ACTIVE"
            ),
            members[0],
        )
        start = self.anchor - timedelta(hours=1 + w % 3, minutes=17)
        running = self.entry(
            self.id("time-entry", ws_id, runner.user_id, "running"), ws_id, runner, start, None
        )
        running["description"] = "Working on the current sprint"
        if usable:
            running.update(projectId=usable[0]["id"], billable=usable[0]["billable"])
        entries.append(running)
        return entries

    def entry(
        self, entry_id: str, ws_id: str, member: _Member, start: datetime, end: datetime | None
    ) -> Record:
        currency = _CURRENCIES[self.ws_ids.index(ws_id) % len(_CURRENCIES)]
        return {
            "approvalRequestId": None,  # set for entries in a timesheet approval request
            "billable": False,
            "costRate": rate(0, currency),
            "customFieldValues": [],
            "description": _DESCRIPTIONS[int(entry_id, 16) % len(_DESCRIPTIONS)],
            "hourlyRate": rate(0, currency),
            "id": entry_id,
            "isLocked": False,
            "kioskId": None,
            "projectId": None,
            "tagIds": [],
            "taskId": None,
            "timeInterval": {
                "duration": iso_duration(int((end - start).total_seconds())) if end else None,
                "end": iso(end) if end else None,
                # The entry's own zone and offsets (reference §10), kept in UTC here.
                "offsetEnd": 0 if end else None,
                "offsetStart": 0,
                "start": iso(start),
                "timeZone": "UTC",
                "zonedEnd": iso(end) if end else None,
                "zonedStart": iso(start),
            },
            "type": "REGULAR",
            "userId": member.user_id,
            "workspaceId": ws_id,
        }

    @staticmethod
    def add_durations(projects: list[Record], tasks: list[Record], entries: list[Record]) -> None:
        """Set project and task ``duration`` to the time tracked on them, as Clockify does."""
        totals: dict[str, int] = {}
        for entry in entries:
            seconds = duration_seconds(entry["timeInterval"]["duration"])
            for key in (entry["projectId"], entry["taskId"]):
                if key:
                    totals[key] = totals.get(key, 0) + seconds
        for record in (*projects, *tasks):
            record["duration"] = iso_duration(totals.get(record["id"], 0))

    # ----------------------------------------------------------------- paid features

    def build_paid_features(
        self,
        w: int,
        ws_id: str,
        currency: str,
        members: list[_Member],
        groups: list[Record],
        clients: list[Record],
        projects: list[Record],
        tasks: list[Record],
        tags: list[Record],
        entries: list[Record],
    ) -> None:
        """Expenses, invoices, time off, approvals, scheduling, webhooks and shared reports."""
        tracking = [m for m in members if m.status in ("ACTIVE", "INACTIVE")]
        usable = [p for p in projects if not p["template"]]
        own_entries = {
            m.user_id: sorted(
                (e for e in entries if e["userId"] == m.user_id and e["timeInterval"]["end"]),
                key=lambda e: (e["timeInterval"]["start"], e["id"]),
                reverse=True,
            )
            for m in tracking
        }
        categories = self.expense_categories(ws_id)
        expenses = self.expenses(ws_id, currency, tracking, own_entries, categories, usable, tasks)
        invoices, payments = self.invoices(ws_id, currency, clients, members[0])
        holidays = self.holidays(ws_id, tracking, groups, usable, tasks)
        policies = self.time_off_policies(ws_id, tracking, groups, usable, tasks)
        requests = self.time_off_requests(ws_id, tracking, policies, members[0])
        balances = self.time_off_balances(ws_id, tracking, policies, requests)
        context = (currency, usable, tasks, tags)
        approvals = self.approvals(ws_id, tracking, own_entries, expenses, context, members[0])
        assignments = self.assignments(ws_id, tracking, usable, tasks, clients)
        webhooks = self.webhooks(ws_id, usable, members[0])
        reports = self.shared_reports(ws_id, members, groups)
        for stream, records in (
            ("expense_categories", categories),
            ("expenses", expenses),
            ("invoices", invoices),
            ("invoice_payments", payments),
            ("holidays", holidays),
            ("time_off_policies", policies),
            ("time_off_requests", requests),
            ("time_off_balances", balances),
            ("approval_requests", approvals),
            ("scheduling_assignments", assignments),
            ("webhooks", webhooks),
            ("shared_reports", reports),
        ):
            for index, record in enumerate(records):
                self.seed(stream, ws_id, record, self.setup_at + timedelta(minutes=index))

    def expense_categories(self, ws_id: str) -> list[Record]:
        count = self.spec.expense_categories
        categories = []
        for c in range(count):
            unit_price = c % 3 == 2  # e.g. mileage, paid per kilometre
            categories.append(
                {
                    "archived": count >= 2 and c == count - 1,
                    "hasUnitPrice": unit_price,
                    "id": self.id("expense-category", ws_id, c),
                    "name": _EXPENSE_CATEGORIES[c % len(_EXPENSE_CATEGORIES)]
                    + (
                        f" {c // len(_EXPENSE_CATEGORIES) + 1}"
                        if c >= len(_EXPENSE_CATEGORIES)
                        else ""
                    ),
                    "priceInCents": 50 if unit_price else None,
                    "unit": "km" if unit_price else None,
                    "workspaceId": ws_id,
                }
            )
        return categories

    def expenses(
        self,
        ws_id: str,
        currency: str,
        tracking: list[_Member],
        own_entries: dict[str, list[Record]],
        categories: list[Record],
        projects: list[Record],
        tasks: list[Record],
    ) -> list[Record]:
        """Each member's expenses fall on days they tracked time (newest first)."""
        expenses: list[Record] = []
        if not categories or not projects:
            return expenses
        for member in tracking:
            days = own_entries[member.user_id]
            for k in range(self.spec.expenses_per_user):
                day = (
                    parse_iso(days[k % len(days)]["timeInterval"]["start"])
                    if days
                    else self.anchor - timedelta(days=7 * (k + 1))
                )
                category = categories[(member.position + k) % len(categories)]
                project = projects[(member.position + k) % len(projects)]
                own_tasks = [t for t in tasks if t["projectId"] == project["id"]]
                task = own_tasks[k % len(own_tasks)] if own_tasks and k % 2 == 0 else None
                quantity = float(12 + 3 * k) if category["hasUnitPrice"] else 1.0
                total = (
                    quantity * category["priceInCents"]
                    if category["hasUnitPrice"]
                    else 1500.0 + 725.5 * ((member.position + k) % 4)
                )
                expense_id = self.id("expense", ws_id, member.user_id, k)
                receipt = k % 2 == 0
                expenses.append(
                    {
                        "billable": project["billable"] and k % 3 != 1,
                        "category": copy.deepcopy(category),
                        "date": day.strftime("%Y-%m-%d"),
                        "fileId": self.id("file", expense_id) if receipt else None,
                        "fileName": f"receipt-{expense_id[:6]}.pdf" if receipt else None,
                        "id": expense_id,
                        "locked": day < self.anchor - timedelta(days=60),
                        "notes": f"{category['name']} for {project['name']}" if k % 3 else "",
                        "project": _project_info(project),
                        "quantity": quantity,
                        "task": {"id": task["id"], "name": task["name"]} if task else None,
                        "total": total,
                        "userId": member.user_id,
                        "workspaceId": ws_id,
                    }
                )
        return expenses

    def invoices(
        self, ws_id: str, currency: str, clients: list[Record], owner: _Member
    ) -> tuple[list[Record], list[Record]]:
        """Invoices of every status; PAID ones paid in two parts, PARTIALLY_PAID in one."""
        invoices, payments = [], []
        count = self.spec.invoices
        for i in range(count):
            client = clients[i % len(clients)] if clients else None
            status = INVOICE_STATUSES[i % len(INVOICE_STATUSES)]
            issued = (self.anchor - timedelta(days=30 * (count - i))).replace(hour=8, minute=0)
            amount = 120000 + 35000 * i
            parts = {"PAID": [0.6, 0.4], "PARTIALLY_PAID": [0.5]}.get(status, [])
            paid = sum(int(amount * part) for part in parts)
            invoice_id = self.id("invoice", ws_id, i)
            invoices.append(
                {
                    "amount": amount,
                    "balance": amount - paid,
                    "clientId": client["id"] if client else None,
                    "clientName": client["name"] if client else None,
                    "currency": client["currencyCode"] if client else currency,
                    "dueDate": iso(issued + timedelta(days=30)),
                    "id": invoice_id,
                    "issuedDate": iso(issued),
                    "number": f"{issued.year}-{i + 1:03d}",
                    "paid": paid,
                    "status": status,
                }
            )
            for n, part in enumerate(parts):
                payments.append(
                    {
                        "amount": int(amount * part),
                        "author": owner.name,
                        "date": iso(issued + timedelta(days=10 + 15 * n)),
                        "id": self.id("invoice-payment", invoice_id, n),
                        "invoiceId": invoice_id,  # kept by the fake; Clockify does not send it
                        "note": "Bank transfer" if n == 0 else "",
                    }
                )
        return invoices, payments

    def holidays(
        self,
        ws_id: str,
        tracking: list[_Member],
        groups: list[Record],
        projects: list[Record],
        tasks: list[Record],
    ) -> list[Record]:
        holidays = []
        for h in range(self.spec.holidays):
            start = (self.anchor + timedelta(days=45 * h - 60)).date()
            automatic = h % 2 == 1 and bool(projects)
            project = projects[h % len(projects)] if automatic else None
            own_tasks = [t for t in tasks if project and t["projectId"] == project["id"]]
            holidays.append(
                {
                    "automaticTimeEntryCreation": automatic,
                    "datePeriod": {
                        "endDate": (start + timedelta(days=h % 3)).isoformat(),
                        "startDate": start.isoformat(),
                    },
                    "everyoneIncludingNew": h == 0,
                    "id": self.id("holiday", ws_id, h),
                    "name": _HOLIDAYS[h % len(_HOLIDAYS)],
                    "occursAnnually": h % 2 == 0,
                    "projectId": project["id"] if project else None,
                    "taskId": own_tasks[0]["id"] if own_tasks else None,
                    "userGroupIds": [g["id"] for g in groups[: h % 2]],
                    "userIds": [] if h == 0 else [m.user_id for m in tracking[h % 2 :: 2]],
                    # HolidayDto's fields beside HolidayDtoV1's (names of the above, a color).
                    "color": f"#{(0x3366CC + 0x1111 * h) % 0x1000000:06x}",
                    "userGroups": [{"id": g["id"], "name": g["name"]} for g in groups[: h % 2]],
                    "users": []
                    if h == 0
                    else [{"id": m.user_id, "name": m.name} for m in tracking[h % 2 :: 2]],
                    "workspaceId": ws_id,
                }
            )
        return holidays

    def time_off_policies(
        self,
        ws_id: str,
        tracking: list[_Member],
        groups: list[Record],
        projects: list[Record],
        tasks: list[Record],
    ) -> list[Record]:
        policies = []
        count = self.spec.time_off_policies
        for p in range(count):
            unit = "HOURS" if p % 2 else "DAYS"
            everyone = p % 2 == 0
            negative = p % 3 == 1
            project = projects[p % len(projects)] if projects and p == 0 else None
            own_tasks = [t for t in tasks if project and t["projectId"] == project["id"]]
            policies.append(
                {
                    "allowHalfDay": p == 0,
                    "allowNegativeBalance": negative,
                    "approve": {
                        "requiresApproval": p != 1,
                        "specificMembers": p == 2,
                        "teamManagers": p == 0,
                        "userIds": [tracking[0].user_id] if p == 2 and tracking else [],
                    },
                    "archived": count >= 2 and p == count - 1,
                    "automaticAccrual": (
                        {"amount": 20.0, "period": "YEAR", "timeUnit": unit} if p == 0 else None
                    ),
                    "automaticTimeEntryCreation": {
                        "defaultEntities": {
                            "projectId": project["id"] if project else None,
                            "taskId": own_tasks[0]["id"] if own_tasks else None,
                        },
                        "enabled": project is not None,
                    },
                    "everyoneIncludingNew": everyone,
                    "id": self.id("policy", ws_id, p),
                    "name": _POLICIES[p % len(_POLICIES)],
                    "negativeBalance": (
                        {"amount": 2.0, "period": "YEAR", "shouldReset": True, "timeUnit": unit}
                        if negative
                        else None
                    ),
                    "projectId": project["id"] if project else None,
                    "timeUnit": unit,
                    "userGroupIds": [] if everyone else [g["id"] for g in groups[:1]],
                    "userIds": [] if everyone else [m.user_id for m in tracking[::2]],
                    "workspaceId": ws_id,
                }
            )
        return policies

    def time_off_requests(
        self, ws_id: str, tracking: list[_Member], policies: list[Record], owner: _Member
    ) -> list[Record]:
        """Requests created over the last months, some within days of the anchor."""
        requests: list[Record] = []
        active = [p for p in policies if not p["archived"]]
        if not active:
            return requests
        ages = (3, 20, 45, 120, 200)  # days before the anchor each request was created
        for member in tracking:
            for k in range(self.spec.time_off_requests_per_user):
                policy = active[(member.position + k) % len(active)]
                status = TIME_OFF_STATUSES[(member.position + k) % len(TIME_OFF_STATUSES)]
                created = self.anchor - timedelta(
                    days=ages[(2 * k + member.position) % len(ages)],
                    hours=member.position,
                    microseconds=-(1000 * member.position + 37 * k + 1),
                )
                start = (created + timedelta(days=14)).replace(hour=0, minute=0, second=0)
                start = start.replace(microsecond=0)
                days = 1 + (k + member.position) % 3
                half_day = policy["allowHalfDay"] and k == 1
                amount = (
                    0.5 if half_day else float(days if policy["timeUnit"] == "DAYS" else 8 * days)
                )
                decided = status != "PENDING"
                requests.append(
                    {
                        "balance": 20.0 - amount,
                        "balanceDiff": amount,
                        "createdAt": iso_micros(created),
                        "id": self.id("time-off-request", ws_id, member.user_id, k),
                        "note": f"{policy['name']} #{k + 1}",
                        "policyId": policy["id"],
                        "policyName": policy["name"],
                        "requesterUserId": member.user_id if k % 2 == 0 else owner.user_id,
                        "requesterUserName": member.name if k % 2 == 0 else owner.name,
                        "status": {
                            "changedAt": iso_micros(created + timedelta(days=1))
                            if decided
                            else None,
                            "changedByUserId": owner.user_id if decided else None,
                            "changedByUserName": owner.name if decided else None,
                            "changedForUserName": member.name if decided else None,
                            "note": "Enjoy!" if status == "APPROVED" else "",
                            "statusType": status,
                        },
                        "timeOffPeriod": {
                            "halfDay": half_day,
                            "halfDayHours": (
                                {
                                    "end": iso(start + timedelta(hours=13)),
                                    "start": iso(start + timedelta(hours=9)),
                                }
                                if half_day
                                else None
                            ),
                            "halfDayPeriod": "FIRST_HALF" if half_day else "NOT_DEFINED",
                            "period": {
                                "end": iso(start + timedelta(days=days, seconds=-1)),
                                "start": iso(start),
                            },
                        },
                        "timeUnit": policy["timeUnit"],
                        "userEmail": member.email,
                        "userId": member.user_id,
                        "userName": member.name,
                        "userTimeZone": _TIMEZONES[member.position % len(_TIMEZONES)],
                        "workspaceId": ws_id,
                    }
                )
        return requests

    def time_off_balances(
        self,
        ws_id: str,
        tracking: list[_Member],
        policies: list[Record],
        requests: list[Record],
    ) -> list[Record]:
        """One balance per policy member: the allowance less approved requests."""
        balances = []
        for policy in policies:
            members = [
                m
                for m in tracking
                if policy["everyoneIncludingNew"] or m.user_id in policy["userIds"]
            ]
            total = 20.0 if policy["timeUnit"] == "DAYS" else 160.0
            negative = policy["negativeBalance"]
            for member in members:
                used = sum(
                    r["balanceDiff"]
                    for r in requests
                    if r["userId"] == member.user_id
                    and r["policyId"] == policy["id"]
                    and r["status"]["statusType"] == "APPROVED"
                )
                balances.append(
                    {
                        "balance": total - used,
                        "id": self.id("balance", policy["id"], member.user_id),
                        "negativeBalanceAmount": negative["amount"] if negative else 0.0,
                        "negativeBalanceLimit": policy["allowNegativeBalance"],
                        "policyArchived": policy["archived"],
                        "policyId": policy["id"],
                        "policyName": policy["name"],
                        "policyTimeUnit": policy["timeUnit"],
                        "total": total,
                        "used": used,
                        "userId": member.user_id,
                        "userName": member.name,
                        "workspaceId": ws_id,
                    }
                )
        return balances

    def approval_weeks(
        self, ws_id: str, member: _Member, finished: list[Record]
    ) -> list[tuple[str, datetime]]:
        """The member's timesheet requests, (id, week): the newest weeks with finished entries.

        Shared by the entries (their ``approvalRequestId``) and the requests themselves.
        """
        weeks = sorted(
            {_week_start(parse_iso(e["timeInterval"]["start"])) for e in finished},
            reverse=True,
        )[: self.spec.approvals_per_user]
        return [
            (self.id("approval", ws_id, member.user_id, k), week) for k, week in enumerate(weeks)
        ]

    def approvals(
        self,
        ws_id: str,
        tracking: list[_Member],
        own_entries: dict[str, list[Record]],
        expenses: list[Record],
        context: tuple[str, list[Record], list[Record], list[Record]],
        owner: _Member,
    ) -> list[Record]:
        """Each member's requests of every type, in the states the list can be filtered on.

        A request per week with entries (the newest weeks), of type TIMESHEET_AND_EXPENSE
        when it also holds the week's expenses (every other week) and TIMESHEET when not;
        expenses left out of those are submitted on their own, an EXPENSE request per week.
        States cycle through ``APPROVAL_STATES``. Requests in ``UNLISTED_APPROVAL_STATES``
        are not generated: no documented request lists them, and the fake's ground truth
        is what a complete extraction can hold.
        """
        approvals = []
        for member in tracking:
            own_expenses = [x for x in expenses if x["userId"] == member.user_id]
            covered: set[str] = set()  # expenses in a timesheet request
            weeks = self.approval_weeks(ws_id, member, own_entries[member.user_id])
            for k, (approval_id, week) in enumerate(weeks):
                in_week = [
                    e
                    for e in own_entries[member.user_id]
                    if _week_start(parse_iso(e["timeInterval"]["start"])) == week
                ]
                with_expenses = (member.position + k) % 2 == 0
                spent = [x for x in own_expenses if with_expenses and _expense_week(x) == week]
                covered.update(x["id"] for x in spent)
                state = APPROVAL_STATES[(member.position + k) % len(APPROVAL_STATES)]
                approvals.append(
                    self.approval(
                        ws_id, approval_id, week, state, member, owner, in_week, spent, context
                    )
                )
            if not weeks:
                continue
            alone = [x for x in own_expenses if x["id"] not in covered]
            for j, week in enumerate(sorted({_expense_week(x) for x in alone}, reverse=True)):
                approval_id = self.id("approval", ws_id, member.user_id, "expenses", j)
                state = APPROVAL_STATES[(member.position + j + 1) % len(APPROVAL_STATES)]
                spent = [x for x in alone if _expense_week(x) == week]
                approvals.append(
                    self.approval(
                        ws_id, approval_id, week, state, member, owner, [], spent, context
                    )
                )
        return approvals

    def approval(
        self,
        ws_id: str,
        approval_id: str,
        week: datetime,
        state: str,
        member: _Member,
        owner: _Member,
        entries: list[Record],
        spent: list[Record],
        context: tuple[str, list[Record], list[Record], list[Record]],
    ) -> Record:
        """One approval request (``ApprovalDetailsDtoV1``) for a member's week."""
        currency, projects, tasks, tags = context
        timed = [(duration_seconds(e["timeInterval"]["duration"]), e) for e in entries]
        billable = sum(secs for secs, e in timed if e["billable"])
        breaks = sum(secs for secs, e in timed if e["type"] == "BREAK")
        earned = sum(secs / 3600 * e["hourlyRate"]["amount"] for secs, e in timed if e["billable"])
        cost = sum(secs / 3600 * e["costRate"]["amount"] for secs, e in timed)
        tracked = iso_duration(sum(secs for secs, _ in timed))
        return {
            "id": approval_id,  # kept by the fake; Clockify nests it only
            "approvalRequest": {
                "creator": {
                    "userEmail": member.email,
                    "userId": member.user_id,
                    "userName": member.name,
                },
                "dateRange": {
                    "end": iso(week + timedelta(days=7, seconds=-1)),
                    "start": iso(week),
                },
                "id": approval_id,
                "owner": {
                    "startOfWeek": "MONDAY",
                    "timeZone": _TIMEZONES[member.position % len(_TIMEZONES)],
                    "userId": member.user_id,
                    "userName": member.name,
                },
                "status": {
                    "note": "Looks good" if state == "APPROVED" else "",
                    "state": state,
                    "updatedAt": iso(week + timedelta(days=8)),
                    "updatedBy": member.user_id if state == "PENDING" else owner.user_id,
                    "updatedByUserName": member.name if state == "PENDING" else owner.name,
                },
                "workspaceId": ws_id,
            },
            "approvedTime": tracked if state == "APPROVED" else "PT0S",
            "billableAmount": round(earned, 2),
            "billableTime": iso_duration(billable),
            "breakTime": iso_duration(breaks),
            "costAmount": round(cost, 2),
            "entries": [self.entry_info(e, approval_id, projects, tasks, tags) for e in entries],
            "expenseTotal": sum(x["total"] for x in spent),
            "expenses": [_expense_in_approval(x, approval_id, state, currency) for x in spent],
            "pendingTime": tracked if state == "PENDING" else "PT0S",
            "trackedTime": tracked,
        }

    @staticmethod
    def entry_info(
        entry: Record,
        approval_id: str,
        projects: list[Record],
        tasks: list[Record],
        tags: list[Record],
    ) -> Record:
        """A time entry as an approval request lists it (``TimeEntryInfoDto``)."""
        project = next((p for p in projects if p["id"] == entry["projectId"]), None)
        task = next((t for t in tasks if t["id"] == entry["taskId"]), None)
        return {
            "approvalRequestId": approval_id,
            "billable": entry["billable"],
            "costRate": copy.deepcopy(entry["costRate"]),
            "customFieldValues": [
                {
                    "customFieldId": value["customFieldId"],
                    "sourceType": "TIMEENTRY",
                    "timeEntryId": entry["id"],
                    "value": copy.deepcopy(value["value"]),
                }
                for value in entry["customFieldValues"]
            ],
            "description": entry["description"],
            "hourlyRate": copy.deepcopy(entry["hourlyRate"]),
            "id": entry["id"],
            "isLocked": entry["isLocked"],
            "project": _project_info(project) if project else None,
            "tags": [
                {k: tag[k] for k in ("archived", "id", "name", "workspaceId")}
                for tag in tags
                if tag["id"] in entry["tagIds"]
            ],
            "task": {"id": task["id"], "name": task["name"]} if task else None,
            "timeInterval": copy.deepcopy(entry["timeInterval"]),
            "type": entry["type"],
        }

    def assignments(
        self,
        ws_id: str,
        tracking: list[_Member],
        projects: list[Record],
        tasks: list[Record],
        clients: list[Record],
    ) -> list[Record]:
        """Planned work from two months back to half a year ahead; some span months."""
        assignments: list[Record] = []
        if not projects:
            return assignments
        today = self.anchor.replace(hour=0, minute=0, second=0)
        for member in [m for m in tracking if m.status == "ACTIVE"]:
            for k in range(self.spec.assignments_per_user):
                project = projects[(member.position + k) % len(projects)]
                own_tasks = [t for t in tasks if t["projectId"] == project["id"]]
                task = own_tasks[0] if own_tasks and k % 2 else None
                client = next((c for c in clients if c["id"] == project["clientId"]), None)
                start = today + timedelta(days=50 * k - 60 + 3 * member.position)
                assignments.append(
                    {
                        "billable": project["billable"],
                        "clientId": client["id"] if client else None,
                        "clientName": client["name"] if client else None,
                        "hoursPerDay": (8.0, 4.0, 2.5)[(member.position + k) % 3],
                        "id": self.id("assignment", ws_id, member.user_id, k),
                        "note": f"Planned work on {project['name']}" if k % 2 == 0 else "",
                        "period": {
                            "end": iso(start + timedelta(days=10 + 20 * k, seconds=-1)),
                            "start": iso(start),
                        },
                        "projectArchived": project["archived"],
                        "projectBillable": project["billable"],
                        "projectColor": project["color"],
                        "projectId": project["id"],
                        "projectName": project["name"],
                        "startTime": "09:00:00",
                        "taskId": task["id"] if task else None,
                        "taskName": task["name"] if task else None,
                        "userId": member.user_id,
                        "userName": member.name,
                        "workspaceId": ws_id,
                        # AssignmentDtoV1's fields, which the hydrated list carries too.
                        "excludeDays": [],
                        "includeNonWorkingDays": k % 2 == 1,
                        "published": True,
                        "recurring": {"repeat": False, "seriesId": None, "weeks": None},
                    }
                )
        return assignments

    def webhooks(self, ws_id: str, projects: list[Record], owner: _Member) -> list[Record]:
        webhooks = []
        for k in range(self.spec.webhooks):
            webhook_id = self.id("webhook", ws_id, k)
            on_project = k % 2 == 1 and bool(projects)
            webhooks.append(
                {
                    "authToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9."
                    + self.id("token", webhook_id),
                    "deliveryEnabled": True,
                    "enabled": k % 3 != 2,
                    "id": webhook_id,
                    "name": f"Webhook {k + 1}",
                    "planEnabled": True,
                    "triggerSource": [projects[0]["id"] if on_project else ws_id],
                    "triggerSourceType": "PROJECT_ID" if on_project else "WORKSPACE_ID",
                    "url": f"https://hooks.example.com/clockify/{webhook_id}",
                    "userId": owner.user_id,
                    "webhookEvent": _WEBHOOK_EVENTS[k % len(_WEBHOOK_EVENTS)],
                    "workspaceId": ws_id,
                }
            )
        return webhooks

    def shared_reports(
        self, ws_id: str, members: list[_Member], groups: list[Record]
    ) -> list[Record]:
        """Reports the key's owner shared, and some shared with the owner."""
        reports = []
        for k in range(self.spec.shared_reports):
            report_id = self.id("shared-report", ws_id, k)
            author = members[0] if k % 3 != 2 or len(members) < 2 else members[1]
            kind = _REPORT_TYPES[k % len(_REPORT_TYPES)]
            reports.append(
                {
                    "fixedDate": k % 2 == 0,
                    "id": report_id,
                    "isPublic": k == 0,
                    "link": f"https://app.clockify.me/shared/{report_id}",
                    "name": f"{kind.replace('_', ' ').title()} report {k + 1}",
                    "reportAuthor": author.user_id,
                    "type": kind,
                    "visibleToUserGroups": [
                        {"id": g["id"], "name": g["name"]} for g in groups[: k % 2]
                    ],
                    "visibleToUsers": [
                        {"id": m.user_id, "name": m.name} for m in members[: 1 + k % 2]
                    ],
                }
            )
        return reports


def _membership(user_id: str, target_id: str, kind: str, status: str = "ACTIVE") -> Record:
    return {
        "costRate": None,
        "hourlyRate": None,
        "membershipStatus": status,
        "membershipType": kind,
        "targetId": target_id,
        "userId": user_id,
    }


def _pick_rate(
    member: _Member,
    project: Record,
    task: Record | None,
    key: str,
    currency: str,
    fallback: int,
) -> Record:
    """Resolve a rate like Clockify: task, project membership, project, workspace member."""
    candidates = [task.get(key) if task else None]
    candidates += [m[key] for m in member.memberships if m["targetId"] == project["id"]]
    candidates += [project.get(key), member.memberships[0][key]]
    found = next((c for c in candidates if c), None)
    return copy.deepcopy(found) if found else rate(fallback, currency)


def _field_value(kind: str, number: int) -> Any:
    """Return a realistic custom field value for the field type."""
    city = _CITIES[number % len(_CITIES)]
    values: dict[str, Any] = {
        "DROPDOWN_SINGLE": city,
        "TXT": f"REF-{1000 + number}",
        "NUMBER": 10 + number,
        "DROPDOWN_MULTIPLE": [city, _CITIES[(number + 1) % len(_CITIES)]],
        "CHECKBOX": number % 2 == 0,
        "LINK": f"https://tickets.example.com/{1000 + number}",
    }
    return values[kind]


def _project_info(project: Record) -> Record:
    """A project as expenses and approvals embed it (``ProjectInfoDto``)."""
    return {
        "clientId": project["clientId"] or None,
        "clientName": project["clientName"] or None,
        "color": project["color"],
        "id": project["id"],
        "name": project["name"],
    }


def _expense_in_approval(expense: Record, approval_id: str, state: str, currency: str) -> Record:
    """An expense as an approval request lists it (``ExpenseHydratedDto``)."""
    return {
        **{key: copy.deepcopy(value) for key, value in expense.items()},
        "approvalRequestId": approval_id,
        "approvalStatus": state,
        "currency": currency,
        "detailedApprovalStatus": state,
        "fileUrl": (
            f"https://files.clockify.me/receipts/{expense['fileId']}" if expense["fileId"] else None
        ),
    }


def _expense_week(expense: Record) -> datetime:
    return _week_start(datetime.fromisoformat(expense["date"] + "T00:00:00+00:00"))


def _week_start(moment: datetime) -> datetime:
    """Midnight UTC on the Monday of ``moment``'s week."""
    day = moment.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def iso_micros(moment: datetime) -> str:
    """Format with microseconds, as time-off timestamps are (``2022-08-26T08:32:01.640708Z``)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
