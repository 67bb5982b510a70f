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
)

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
_FEATURES = ("TIME_TRACKING", "APPROVAL", "CUSTOM_FIELDS", "TIME_OFF", "KIOSK", "INVOICING")
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
    anchor: datetime | None = None  # None: now (UTC) truncated to the hour

    def __post_init__(self) -> None:
        if self.workspaces < 1 or self.shared_users < 1:
            raise ValueError("need at least one workspace and one shared user (the key owner)")
        if self.users_per_workspace < self.shared_users:
            raise ValueError("users_per_workspace includes shared_users, so must be >= it")
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        counts = (self.user_groups, self.clients, self.projects, self.tasks_per_project)
        if min(*counts, self.tags, self.custom_fields, self.entries_per_user) < 0:
            raise ValueError("counts must not be negative")


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
        """Remove a stored record and log "deleted" with its last state."""
        with self.lock:
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
            "featureSubscriptionType": "PRO_YEAR" if w % 2 == 0 else "STANDARD_2021",
            "features": list(_FEATURES[: 3 + w % 4]),
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
                "start": iso(start),
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
