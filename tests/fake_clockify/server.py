"""A fake Clockify API server (main API GET endpoints plus the change feed).

It follows Clockify's documentation, not the tap's convenience: paging caps answer 400,
``Last-Page`` headers can be switched off, default filters hide archived / inactive /
limited records the way the real API does, and faults (429, 5xx, dropped connections,
latency) can be injected per test.

Routing is a table of path templates (``FakeClockify._route_table``); each handler gets
the template, the matched path parameters and a :class:`Query`, and returns a
:class:`Reply` or raises :class:`ApiError`. Handlers run under ``Dataset.lock``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import parse_qs, urlsplit

from .data import (
    ACCOUNT_STATUSES,
    APPROVAL_STATES,
    INVOICE_STATUSES,
    MEMBERSHIP_STATUSES,
    PAID_FEATURES,
    TIME_OFF_STATUSES,
    Change,
    Dataset,
    Record,
    duration_seconds,
    iso_millis,
    make_id,
    utc_now,
)
from .data import STREAMS as STORED_STREAMS
from .reports import FREE_PLAN_MAX_RANGE, ReportError, detailed_report, report_entry
from .reports import MAX_PAGE_SIZE as REPORT_PAGE_SIZE_CAP
from .reports import MAX_RANGE as MAX_REPORT_RANGE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

API_PREFIX = "/api/v1"
REPORTS_PREFIX = "/reports/v1"
#: Not Clockify's: request counts for benchmarks that run the server in another process.
STATS_PATH = "/_fake/stats"
#: Internal marker from `handle` to the HTTP handler: send half the body, then hang up.
TRUNCATE_HEADER = "X-Fake-Truncate"
DEFAULT_PAGE_SIZE_CAP = 5000
DEFAULT_PAGE_SIZE = 50
# Documented exceptions to the 5000 cap (templates are relative to their host's prefix).
DEFAULT_PAGE_SIZE_CAPS: dict[str, int] = {
    "/workspaces/{workspaceId}/time-entries/status/in-progress": 1000,
    "/workspaces/{workspaceId}/custom-fields": 200,
    "/workspaces/{workspaceId}/expenses": 200,
    "/workspaces/{workspaceId}/expenses/categories": 200,
    "/workspaces/{workspaceId}/holidays": 200,
    "/workspaces/{workspaceId}/time-off/policies": 200,
    "/workspaces/{workspaceId}/time-off/requests": 200,
    "/workspaces/{workspaceId}/time-off/balance/policy/{policyId}": 200,
    "/workspaces/{workspaceId}/approval-requests": 200,
    "/workspaces/{workspaceId}/scheduling/assignments/all": 200,
}
#: Largest ``page`` the time-off lists accept (reference §4).
TIME_OFF_MAX_PAGE = 1000
#: Paged lists that send no ``Last-Page`` header by default: the shared-reports list, as
#: one client records (reference §10).
DEFAULT_NO_LAST_PAGE = frozenset({"/workspaces/{workspaceId}/shared-reports"})
#: Fields the fake keeps beside a record that Clockify does not send (the tap adds them).
NOT_SENT: dict[str, tuple[str, ...]] = {
    "invoice_payments": ("invoiceId",),
    "approval_requests": ("id",),
}
#: Fields Clockify sends that a complete extraction must never hold (secrets).
NEVER_EMITTED: dict[str, tuple[str, ...]] = {"webhooks": ("authToken",)}
# Change-feed `type` values and the streams they cover (None: valid, but never populated).
FEED_TYPES: dict[str, str | None] = {
    "CLIENTS": "clients",
    "PROJECTS": "projects",
    "TAGS": "tags",
    "TASKS": "tasks",
    "TIME_ENTRY": "time_entries",
    "SCHEDULED_ASSIGNMENT": "scheduling_assignments",
    "TIME_ENTRY_RATE": None,
    "TIME_ENTRY_CUSTOM_FIELD_VALUE": None,
}
FEED_WINDOW = timedelta(days=30)
#: The rolling window of ``hourly_quota``, in seconds.
QUOTA_WINDOW = 3600.0
_WORKSPACE_IN_PATH = re.compile(r"/workspaces/([0-9a-f]{24})")
#: Message and code of each way a feature missing from the plan is refused.
PLAN_REFUSALS: dict[int, tuple[str, int]] = {
    403: ("Feature {feature} is not available on the FREE plan", 4031),
    402: ("Payment required: upgrade the workspace's plan", 402),
    400: ("Sin suscripción activa", 501),
}
Answer = tuple[int, bytes, dict[str, str]]  # status, body, headers
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# The time-off search's YYYY-MM-DDTHH:MM:SS.ssssssZ (the fraction is optional here).
_BODY_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
_HTML_ERRORS = {
    502: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    503: "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
    504: "<html><body><h1>504 Gateway Time-out</h1></body></html>",
}


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it, with the status it answered (0: connection dropped)."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: bytes = b""


class ApiError(Exception):
    """Raised by handlers; becomes Clockify's ``{"message", "code"}`` error body."""

    def __init__(self, status: int, message: str, code: int) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class Reply:
    """What a handler answers: a JSON-able body plus extra headers."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    """A pending injected fault; ``status`` 0: drop the connection; -1: cut the body short."""

    status: int
    remaining: int
    path_contains: str | None
    retry_after: str | None = None
    body: str | bytes | None = None


class Query:
    """Typed access to query parameters; every malformed value is a 400, as in Clockify."""

    def __init__(self, raw: dict[str, list[str]], body: bytes = b"") -> None:
        self.raw = raw
        self.body = body

    def json_body(self) -> dict[str, Any]:
        """The request's JSON object body (POST endpoints); 400 if it is not one."""
        try:
            parsed = json.loads(self.body or b"{}")
        except ValueError:
            raise ApiError(400, "Malformed JSON request", 501) from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "Malformed JSON request", 501)
        return parsed

    def one(self, name: str) -> str | None:
        values = self.raw.get(name)
        return values[0] if values else None

    def many(self, name: str) -> list[str]:
        """Values of a list parameter, whether repeated or comma-separated."""
        return [part for value in self.raw.get(name, []) for part in value.split(",") if part]

    def boolean(self, name: str) -> bool | None:
        value = self.one(name)
        if value is None or value == "":
            return None
        if value.lower() not in ("true", "false"):
            raise ApiError(400, f"Invalid value '{value}' for parameter '{name}'", 501)
        return value.lower() == "true"

    def integer(self, name: str, default: int, minimum: int) -> int:
        value = self.one(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ApiError(400, f"Invalid value '{value}' for parameter '{name}'", 501) from None
        if number < minimum:
            raise ApiError(400, f"{name} must be greater than or equal to {minimum}", 501)
        return number

    def choice(self, name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
        value = self.one(name)
        if value is None or value == "":
            return default
        if value.upper() not in allowed:
            raise ApiError(400, f"Invalid value '{value}' for parameter '{name}'", 501)
        return value.upper()

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        values = [v.upper() for v in self.many(name)]
        allowed = set(allowed)
        for value in values:
            if value not in allowed:
                raise ApiError(400, f"Invalid value '{value}' for parameter '{name}'", 501)
        return values

    def timestamp(self, name: str) -> datetime | None:
        """Parse ``yyyy-MM-ddTHH:mm:ssZ``, the only format the docs allow."""
        value = self.one(name)
        if value is None or value == "":
            return None
        if not _TIMESTAMP_RE.match(value):
            raise ApiError(
                400, f"Invalid date format for '{name}', expected yyyy-MM-ddThh:mm:ssZ", 501
            )
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise ApiError(400, f"Invalid date '{value}' for parameter '{name}'", 501) from None


class JsonBody:
    """Typed access to the fields of a POST's JSON body; every malformed value is a 400."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.raw.get(name)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError(400, f"Invalid value '{value}' for field '{name}'", 501)
        if not minimum <= value <= maximum:
            raise ApiError(400, f"{name} must be between {minimum} and {maximum}", 501)
        return value

    def strings(self, name: str) -> list[str]:
        value = self.raw.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ApiError(400, f"Field '{name}' must be a list of strings", 501)
        return value

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        values = self.strings(name)
        allowed = set(allowed)
        for value in values:
            if value not in allowed:
                raise ApiError(400, f"Invalid value '{value}' for field '{name}'", 501)
        return values

    def timestamp(self, name: str) -> datetime | None:
        """Parse ``YYYY-MM-DDTHH:MM:SS.ssssssZ`` (the fraction may be left out)."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not _BODY_TIMESTAMP_RE.match(value):
            raise ApiError(
                400, f"Invalid date format for '{name}', expected YYYY-MM-DDTHH:MM:SS.ssssssZ", 501
            )
        seconds, _, fraction = value.rstrip("Z").partition(".")
        moment = datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        return moment.replace(microsecond=int(fraction.ljust(6, "0")[:6]) if fraction else 0)


class Route(NamedTuple):
    """One endpoint: ``template`` is relative to its host's prefix (``/api/v1``, ``/reports/v1``).

    Handlers get a :class:`Query`, whose ``json_body`` is a POST's body (refused unless
    sent as JSON). A route naming a paid ``feature`` answers 403 for a workspace whose
    plan lacks it.
    """

    template: str
    handler: Callable[[str, dict[str, str], Any], Reply]
    method: Literal["GET", "POST"] = "GET"
    host: Literal["api", "reports"] = "api"
    feature: str | None = None


def _sort(records: list[Record], key: Callable[[Record], Any], order: str | None) -> list[Record]:
    """Sort by ``key`` with the id as tie-breaker, so pages never shift."""
    ordered = sorted(records, key=lambda r: (key(r), r["id"]))
    return ordered[::-1] if order == "DESCENDING" else ordered


def _sorted_by(
    records: list[Record],
    query: Query,
    keys: dict[str, Callable[[Record], Any]],
    default: str,
    column_name: str = "sort-column",
) -> list[Record]:
    """Sort as the query's sort column (one of ``keys``) and ``sort-order`` ask."""
    column = query.choice(column_name, keys, default) or default
    return _sort(records, keys[column], query.choice("sort-order", _SORT_ORDERS))


def _contains(haystack: str, needle: str | None) -> bool:
    return needle is None or needle.lower() in haystack.lower()


def _name_matches(record: Record, query: Query) -> bool:
    name = query.one("name")
    if not name:
        return True
    if query.boolean("strict-name-search"):
        return bool(record["name"] == name)
    return _contains(record["name"], name)


_SORT_ORDERS = ("ASCENDING", "DESCENDING")
_NAME_OR_ID: dict[str, Callable[[Record], Any]] = {
    "ID": lambda r: r["id"],
    "NAME": lambda r: r["name"].lower(),
}


class FakeClockify:
    """In-process fake Clockify server; see the package docstring for the public API."""

    def __init__(
        self,
        dataset: Dataset,
        api_key: str = "test-key",
        *,
        last_page_header: bool = True,
        no_last_page: Iterable[str] = DEFAULT_NO_LAST_PAGE,
        ignores_paging: Iterable[str] = (),
        latency: float = 0.0,
        deletion_lag: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.dataset = dataset
        self.api_key = api_key
        # Paging switches (reference §4, §10). `last_page_header` False: no list sends
        # `Last-Page`; `no_last_page`: templates of the lists that never send it;
        # `ignores_paging`: templates of lists that ignore `page` and the page size and
        # answer every item on every page, without the header (as one source saw custom
        # fields and holidays do).
        self.last_page_header = last_page_header
        self.no_last_page: set[str] = set(no_last_page)
        self.ignores_paging: set[str] = set(ignores_paging)
        self.latency = latency
        self.deletion_lag = deletion_lag  # seconds before a deletion shows in /entities/deleted
        # The key owner's profile zone. Clockify reportedly reads the per-user time-entry
        # `start`/`end` filters as wall-clock time there, even when sent with Z (§8).
        self.owner_time_zone: timezone = timezone.utc
        # Clockify's docs show reports as `timeentries`/`_id`, its spec as `timeEntries`/`get_id`.
        self.report_spelling: Literal["docs", "spec"] = "docs"
        # The change feed's item shape (reference §8): "wrapped" as the spec's
        # LogBinDocumentDto for every kind; "flat" as the guide shows (created/updated items
        # are the entity's fields beside documentType and auditMetadata, deleted ones wrap
        # it with documentType); "bare" names created/updated entities by id only.
        self.feed_shape: Literal["wrapped", "flat", "bare"] = "wrapped"
        # Whether feed items say their type (documentType / documentCode); the spec types
        # created and updated bodies as a plain string, so a client must not rely on it.
        self.feed_typed = True
        # Whether feed bodies are a bare array of items, as one client parses them (§10),
        # instead of the spec's {"response": [...]}.
        self.feed_bare_array = False
        # Requests a workspace may make in a rolling hour (None: no limit), as on new Free
        # workspaces (30, reference §3); past it 429, with `Retry-After` when the switch
        # says so. `pass_hour()` lets the hour go by.
        self.hourly_quota: int | None = None
        self.quota_retry_after = True
        self._quota_log: dict[str, list[float]] = {}
        # How a feature missing from the plan is refused: 403 (reference §3), 402, or 400
        # with a subscription message in the user's language (both reported, §10).
        self.plan_refusal: Literal[403, 402, 400] = 403
        # How an id that names nothing (a parent deleted mid-sync) is answered: 404, or
        # 400 with code 501 as other clients report for projects and invoices (§3, §10).
        self.missing_status: Literal[404, 400] = 404
        # Clockify documents no range limit for scheduled assignments; a limit set here
        # answers wider `start`..`end` ranges with 400, as a plan might.
        self.assignment_max_range: timedelta | None = None
        # Clockify's 400 bodies may carry no message; False sends them as {"code": ...} only.
        self.error_messages: bool = True
        # Whether `/user` honours `include-memberships` (the spec's default is without);
        # False leaves them out, as a client must expect when the parameter is ignored.
        self.user_memberships = True
        self.page_size_caps: dict[str, int] = dict(DEFAULT_PAGE_SIZE_CAPS)
        self.requests: list[RequestRecord] = []
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._fail_rate = 0.0
        self._fail_statuses: tuple[int, ...] = ()
        self._fail_rng = random.Random(1)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._routes = [(_compile(route.template), route) for route in self._route_table()]

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeClockify:
        """Bind and serve in a background thread."""
        if self._httpd is None:
            self._httpd = _HTTPServer((self._host, self._port), _Handler)
            self._httpd.app = self
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}
            )
            self._thread.daemon = True
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeClockify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self._host}:{self._httpd.server_port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def reports_url(self) -> str:
        return self.base_url + REPORTS_PREFIX

    @property
    def workspace_ids(self) -> list[str]:
        """Workspaces visible to the key (the owner is a member of all of them)."""
        return self.dataset.workspace_ids

    # ----------------------------------------------------------------- test controls

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def inject(
        self,
        status: int = 503,
        times: int = 1,
        path_contains: str | None = None,
        retry_after: float | str | None = None,
        body: str | bytes | dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` instead of data."""
        if isinstance(body, dict):
            body = json.dumps(body)
        header = None if retry_after is None else str(retry_after)
        with self._lock:
            self._faults.append(_Fault(status, times, path_contains, header, body))

    def fail_rate(
        self,
        rate: float = 0.05,
        statuses: Sequence[int] = (500, 502, 503),
        seed: int = 1,
    ) -> None:
        """Fail a random fraction of all requests (reproducible via ``seed``); 0 disables."""
        with self._lock:
            self._fail_rate = rate
            self._fail_statuses = tuple(statuses)
            self._fail_rng = random.Random(seed)

    def drop_connections(self, times: int = 1, path_contains: str | None = None) -> None:
        """Close the socket without any response on the next ``times`` matching requests."""
        with self._lock:
            self._faults.append(_Fault(0, times, path_contains))

    def clear_faults(self) -> None:
        """Forget every pending injected fault and switch random failures off."""
        with self._lock:
            self._faults = []
            self._fail_rate = 0.0

    def truncate_bodies(self, times: int = 1, path_contains: str | None = None) -> None:
        """Announce the full body but send only half of it, then close the connection."""
        with self._lock:
            self._faults.append(_Fault(-1, times, path_contains))

    # ----------------------------------------------------------------- ground truth

    def ground_truth(
        self,
        stream: str,
        workspace_id: str | None = None,
        *,
        memberships: str = "WORKSPACE",
    ) -> list[Record]:
        """Everything a complete extraction must hold, in API shape and API order.

        Users are every member (all membership and account statuses) as returned with
        ``memberships=WORKSPACE``; user groups as with ``includeTeamManagers=true``;
        tasks include those of archived projects; time entries include running timers.
        Workspaces are concatenated in creation order.

        Records carry the ids a complete extraction must add where Clockify omits them
        (invoice payments their ``invoiceId``, member profiles their ``userId``, approval
        requests a top-level ``id``) and never a secret (webhooks' ``authToken``). Paid
        streams hold nothing for a workspace whose plan lacks the feature.
        """
        with self.dataset.lock:
            ws_ids = [workspace_id] if workspace_id else self.workspace_ids
            out: list[Record] = []
            for ws_id in ws_ids:
                if not self._has_feature(ws_id, PAID_FEATURES.get(stream)):
                    continue
                if stream == "users":
                    out += [
                        self._user_view(u, memberships) for u in self._users_sorted(ws_id, "EMAIL")
                    ]
                elif stream == "tasks":
                    for project in self._projects_sorted(ws_id, "NAME", None):
                        out += self._tasks_sorted(ws_id, project["id"], "NAME", None)
                elif stream == "time_entries":
                    for user in self._users_sorted(ws_id, "EMAIL"):
                        out += self._entries_sorted(ws_id, user["id"])
                elif stream == "detailed_report":
                    entries = self.dataset.records("time_entries", ws_id)
                    finished = [e for e in entries if e["timeInterval"]["end"] is not None]
                    out += [report_entry(self.dataset, ws_id, e) for e in finished]
                elif stream == "in_progress_time_entries":
                    entries = self.dataset.records("time_entries", ws_id)
                    out += [e for e in entries if e["timeInterval"]["end"] is None]
                elif stream in _SORTED_STREAMS:
                    out += _sort(self.dataset.records(stream, ws_id), _NAME_OR_ID["NAME"], None)
                elif stream == "workspaces":
                    out += self.dataset.records("workspaces", ws_id)
                elif stream == "member_profiles":
                    out += [
                        {**self._member_profile(ws_id, user), "userId": user["id"]}
                        for user in self._users_sorted(ws_id, "EMAIL")
                    ]
                elif stream in STORED_STREAMS:
                    records = _sort(self.dataset.records(stream, ws_id), lambda r: r["id"], None)
                    hidden = NEVER_EMITTED.get(stream, ())
                    out += [{k: v for k, v in r.items() if k not in hidden} for r in records]
                else:
                    raise ValueError(f"unknown stream {stream!r}")
            return copy.deepcopy(out)

    # ----------------------------------------------------------------- request handling

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes = b""
    ) -> Answer | None:
        """Answer one request; ``None`` means drop the connection. Called by the handler."""
        parts = urlsplit(raw_path)
        path = parts.path
        if path == STATS_PATH:
            return self._stats()
        query = parse_qs(parts.query, keep_blank_values=True)
        if self.latency > 0:
            time.sleep(self.latency)
        fault = self._fault_for(path) or self._over_quota(path)
        answer: Answer | None
        if fault == "drop":
            answer = None
        elif fault == "truncate":
            status, content, extra = self._dispatch(method, path, query, headers, body)
            answer = status, content, {**extra, TRUNCATE_HEADER: "1"}
        elif fault is not None:
            answer = fault
        else:
            answer = self._dispatch(method, path, query, headers, body)
        status = answer[0] if answer else 0
        with self._lock:
            self.requests.append(RequestRecord(method, path, query, status, body))
        return answer

    def _stats(self) -> Answer:
        """Count the requests served so far, by status (not counting this one)."""
        with self._lock:
            statuses = Counter(str(record.status) for record in self.requests)
        body = json.dumps({"requests": sum(statuses.values()), "by_status": statuses})
        return 200, body.encode(), {"Content-Type": "application/json"}

    def _over_quota(self, path: str) -> Answer | None:
        """Answer 429 past ``hourly_quota`` requests to a workspace in the rolling hour.

        Every request naming a workspace counts, refused ones too (reference §3: new Free
        workspaces may make 30 requests an hour). ``Retry-After`` gives the seconds until
        the oldest counted request leaves the hour, when ``quota_retry_after``.
        """
        match = _WORKSPACE_IN_PATH.search(path)
        if self.hourly_quota is None or match is None:
            return None
        now = time.monotonic()
        with self._lock:
            sent = self._quota_log.setdefault(match.group(1), [])
            sent[:] = [moment for moment in sent if now - moment < QUOTA_WINDOW]
            sent.append(now)
            if len(sent) <= self.hourly_quota:
                return None
            wait = QUOTA_WINDOW - (now - sent[-self.hourly_quota - 1])
        retry_after = str(max(1, round(wait))) if self.quota_retry_after else None
        return _error_answer(429, '{"message":"Too many requests","code":429}', retry_after)

    def pass_hour(self) -> None:
        """Let an hour go by for ``hourly_quota``: every workspace may ask again."""
        with self._lock:
            self._quota_log.clear()

    def _fault_for(self, path: str) -> Answer | Literal["drop", "truncate"] | None:
        """Return the injected or random fault for this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and (
                    fault.path_contains is None or fault.path_contains in path
                ):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    if fault.status == 0:
                        return "drop"
                    if fault.status == -1:
                        return "truncate"
                    return _error_answer(fault.status, fault.body, fault.retry_after)
            if self._fail_rate > 0 and self._fail_rng.random() < self._fail_rate:
                return _error_answer(self._fail_rng.choice(self._fail_statuses), None, None)
        return None

    def _dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Answer:
        try:
            if headers.get("x-api-key") != self.api_key:
                raise ApiError(401, "Api key does not exist", 4003)
            host, relative = _split_host(path)
            matches = [
                (route, match)
                for pattern, route in self._routes
                if route.host == host and (match := pattern.match(relative))
            ]
            if not matches:
                raise ApiError(404, "No static resource " + path.lstrip("/") + ".", 3000)
            found = next(((r, m) for r, m in matches if r.method == method), None)
            if found is None:
                raise ApiError(405, f"Request method '{method}' is not supported", 3000)
            route, match = found
            params = match.groupdict()
            with self.dataset.lock:
                if not self._has_feature(params.get("workspaceId"), route.feature):
                    message, code = PLAN_REFUSALS[self.plan_refusal]
                    raise ApiError(self.plan_refusal, message.format(feature=route.feature), code)
                if method == "POST":
                    _require_json(headers)
                reply = route.handler(route.template, params, Query(query, body))
                encoded = json.dumps(reply.body, separators=(",", ":")).encode()
            return reply.status, encoded, {"Content-Type": "application/json", **reply.headers}
        except ApiError as error:
            said = {"message": error.message} if self.error_messages or error.status != 400 else {}
            body = json.dumps({**said, "code": error.code}).encode()
            return error.status, body, {"Content-Type": "application/json"}

    # ----------------------------------------------------------------- routes

    def _route_table(self) -> list[Route]:
        ws = "/workspaces/{workspaceId}"
        return [
            Route("/user", self._get_user),
            Route("/workspaces", self._get_workspaces),
            Route(ws, self._get_workspace),
            Route(ws + "/users", self._get_users),
            Route(ws + "/member-profile/{userId}", self._get_member_profile),
            Route(ws + "/user-groups", self._get_user_groups),
            Route(ws + "/clients", self._get_clients),
            Route(ws + "/projects", self._get_projects),
            Route(ws + "/projects/{projectId}/tasks", self._get_tasks),
            Route(ws + "/tags", self._get_tags),
            Route(ws + "/custom-fields", self._get_custom_fields, feature="CUSTOM_FIELDS"),
            Route(ws + "/user/{userId}/time-entries", self._get_time_entries),
            Route(ws + "/time-entries/status/in-progress", self._get_in_progress),
            Route(ws + "/time-entries/{entryId}", self._get_time_entry),
            Route(ws + "/entities/created", self._get_feed),
            Route(ws + "/entities/updated", self._get_feed),
            Route(ws + "/entities/deleted", self._get_feed),
            Route(ws + "/expenses", self._get_expenses, feature="EXPENSES"),
            Route(ws + "/expenses/categories", self._get_expense_categories, feature="EXPENSES"),
            Route(ws + "/invoices", self._get_invoices, feature="INVOICING"),
            Route(ws + "/invoices/{invoiceId}/payments", self._get_payments, feature="INVOICING"),
            Route(ws + "/holidays", self._get_holidays, feature="TIME_OFF"),
            Route(ws + "/time-off/policies", self._get_policies, feature="TIME_OFF"),
            Route(
                ws + "/time-off/balance/policy/{policyId}", self._get_balances, feature="TIME_OFF"
            ),
            Route(
                ws + "/time-off/requests",
                self._post_time_off_requests,
                method="POST",
                feature="TIME_OFF",
            ),
            Route(ws + "/approval-requests", self._get_approvals, feature="APPROVAL"),
            Route(ws + "/scheduling/assignments/all", self._get_assignments, feature="SCHEDULING"),
            Route(ws + "/webhooks", self._get_webhooks),
            Route(ws + "/shared-reports", self._get_shared_reports, host="reports"),
            Route(
                ws + "/reports/detailed",
                self._post_detailed_report,
                method="POST",
                host="reports",
            ),
        ]

    def _page(
        self,
        template: str,
        items: list[Record],
        query: Query,
        default_size: int = DEFAULT_PAGE_SIZE,
        *,
        size_name: str = "page-size",
        max_page: int | None = None,
        wrap: str | None = None,
    ) -> Reply:
        """Slice the 1-based page the query asks for and set ``Last-Page``."""
        page = query.integer("page", 1, minimum=1)
        if max_page is not None and page > max_page and template not in self.ignores_paging:
            raise ApiError(400, f"page must be less than or equal to {max_page}", 501)
        size = query.integer(size_name, default_size, minimum=1)
        return self._slice(template, items, page, size, size_name, wrap)

    def _slice(
        self,
        template: str,
        items: list[Record],
        page: int,
        size: int,
        size_name: str = "page-size",
        wrap: str | None = None,
    ) -> Reply:
        """Slice one 1-based page and set ``Last-Page`` (unless switched off for the list).

        With ``wrap``, the page is ``{wrap: [...], "count": total}``, as most newer lists
        answer (some name the total otherwise; their handlers rename it). A list in
        ``ignores_paging`` answers every item, whatever page and size were asked, and
        checks neither against a cap.
        """
        headers: dict[str, str] = {}
        if template in self.ignores_paging:
            chunk = items
        else:
            cap = self.page_size_caps.get(template, DEFAULT_PAGE_SIZE_CAP)
            if size > cap:
                raise ApiError(400, f"{size_name} must be less than or equal to {cap}", 501)
            chunk = items[(page - 1) * size : page * size]
            if self.last_page_header and template not in self.no_last_page:
                headers["Last-Page"] = "true" if page * size >= len(items) else "false"
        return Reply({wrap: chunk, "count": len(items)} if wrap else chunk, headers=headers)

    def _has_feature(self, ws_id: str | None, feature: str | None) -> bool:
        """Whether the workspace's plan includes ``feature`` (unknown workspaces: see handler)."""
        workspace = (
            self.dataset.get("workspaces", ws_id, ws_id)
            if ws_id in self.dataset.workspace_ids
            else None
        )
        return feature is None or workspace is None or feature in workspace["features"]

    def _workspace(self, ws_id: str) -> Record:
        if ws_id not in self.dataset.workspace_ids:
            raise ApiError(403, "Access Denied", 4030)
        return self.dataset.records("workspaces", ws_id)[0]

    def _get_user(self, template: str, params: dict[str, str], query: Query) -> Reply:
        include = query.boolean("include-memberships") and self.user_memberships
        views = [
            u
            for ws_id in self.workspace_ids
            if (u := self.dataset.get("users", ws_id, self.dataset.owner_id))
        ]
        if not views:
            raise ApiError(401, "Api key does not exist", 4003)
        owner = copy.deepcopy(views[0])
        owner["memberships"] = [m for u in views for m in u["memberships"]] if include else []
        return Reply(owner)

    def _get_workspaces(self, template: str, params: dict[str, str], query: Query) -> Reply:
        roles = query.choices(
            "roles", ("WORKSPACE_ADMIN", "OWNER", "TEAM_MANAGER", "PROJECT_MANAGER")
        )
        if roles and "OWNER" not in roles:
            return Reply([])  # the key owner owns every workspace; owners are not admins here
        return Reply([self.dataset.get("workspaces", ws_id, ws_id) for ws_id in self.workspace_ids])

    def _get_workspace(self, template: str, params: dict[str, str], query: Query) -> Reply:
        return Reply(self._workspace(params["workspaceId"]))

    def _get_users(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        status = query.choice("status", (*MEMBERSHIP_STATUSES, "ALL"), "ACTIVE")
        accounts = query.choices("account-statuses", ACCOUNT_STATUSES) or [
            "ACTIVE",
            "PENDING_EMAIL_VERIFICATION",
            "NOT_REGISTERED",
        ]
        kind = query.choice(
            "memberships", ("ALL", "NONE", "WORKSPACE", "PROJECT", "USERGROUP"), "NONE"
        )
        column = query.choice("sort-column", _USER_SORTS, "EMAIL")
        order = query.choice("sort-order", _SORT_ORDERS)
        project_id = query.one("project-id")
        users = [
            u
            for u in self._users_sorted(ws_id, column or "EMAIL", order)
            if (status == "ALL" or _workspace_membership(u, ws_id)["membershipStatus"] == status)
            and u["status"] in accounts
            and _contains(u["email"], query.one("email"))
            and _contains(u["name"], query.one("name"))
            and (not project_id or any(m["targetId"] == project_id for m in u["memberships"]))
        ]
        return self._page(template, [self._user_view(u, kind or "NONE") for u in users], query)

    def _get_user_groups(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        column = query.choice("sort-column", _NAME_OR_ID, "NAME")
        groups = _sort(
            self.dataset.records("user_groups", ws_id),
            _NAME_OR_ID[column or "NAME"],
            query.choice("sort-order", _SORT_ORDERS),
        )
        groups = [g for g in groups if _contains(g["name"], query.one("name"))]
        if not query.boolean("includeTeamManagers"):
            groups = [{**g, "teamManagers": []} for g in groups]
        return self._page(template, groups, query)

    def _get_clients(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        archived = query.boolean("archived")
        column = query.choice("sort-column", _NAME_OR_ID, "NAME")
        clients = [
            c
            for c in _sort(
                self.dataset.records("clients", ws_id),
                _NAME_OR_ID[column or "NAME"],
                query.choice("sort-order", _SORT_ORDERS),
            )
            if (archived is None or c["archived"] == archived)
            and _contains(c["name"], query.one("name"))
        ]
        return self._page(template, clients, query)

    def _get_projects(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        archived = query.boolean("archived")
        billable = query.boolean("billable")
        template_flag = query.boolean("is-template")
        client_ids = set(query.many("clients"))
        contains_client = query.boolean("contains-client") is not False
        client_status = query.choice("client-status", ("ACTIVE", "ARCHIVED", "ALL"), "ALL")
        user_ids = set(query.many("users"))
        contains_user = query.boolean("contains-user") is not False
        access = query.choice("access", ("PUBLIC", "PRIVATE"))
        query.boolean("hydrated")  # accepted, but the response shape stays ProjectDtoV1
        column = query.choice("sort-column", _PROJECT_SORTS, "NAME") or "NAME"
        clients = {c["id"]: c for c in self.dataset.records("clients", ws_id)}

        def keep(p: Record) -> bool:
            client = clients.get(p["clientId"])
            members = {m["userId"] for m in p["memberships"]}
            return (
                (archived is None or p["archived"] == archived)
                and (billable is None or p["billable"] == billable)
                and (template_flag is None or p["template"] == template_flag)
                and _name_matches(p, query)
                and (not client_ids or (p["clientId"] in client_ids) == contains_client)
                and (
                    client_status == "ALL"
                    or (client is not None and client["archived"] == (client_status == "ARCHIVED"))
                )
                and (not user_ids or bool(members & user_ids) == contains_user)
                and (access is None or p["public"] == (access == "PUBLIC"))
            )

        projects = [
            p
            for p in self._projects_sorted(ws_id, column, query.choice("sort-order", _SORT_ORDERS))
            if keep(p)
        ]
        return self._page(template, projects, query)

    def _get_tasks(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        if self.dataset.get("projects", ws_id, params["projectId"]) is None:
            raise ApiError(self.missing_status, "Project not found", 501)
        active = query.boolean("is-active")
        column = query.choice("sort-column", _NAME_OR_ID, "NAME") or "NAME"
        tasks = [
            t
            for t in self._tasks_sorted(
                ws_id, params["projectId"], column, query.choice("sort-order", _SORT_ORDERS)
            )
            if (active is None or (t["status"] == "ACTIVE") == active) and _name_matches(t, query)
        ]
        return self._page(template, tasks, query)

    def _get_tags(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        archived = query.boolean("archived")
        excluded = set(query.many("excluded-ids"))
        column = query.choice("sort-column", _NAME_OR_ID, "NAME") or "NAME"
        tags = [
            t
            for t in _sort(
                self.dataset.records("tags", ws_id),
                _NAME_OR_ID[column],
                query.choice("sort-order", _SORT_ORDERS),
            )
            if (archived is None or t["archived"] == archived)
            and t["id"] not in excluded
            and _name_matches(t, query)
        ]
        return self._page(template, tags, query)

    def _get_custom_fields(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        status = query.choice("status", ("INACTIVE", "VISIBLE", "INVISIBLE"))
        entity_types = query.choices("entity-type", ("TIMEENTRY", "USER"))
        fields = [
            f
            for f in _sort(self.dataset.records("custom_fields", ws_id), _NAME_OR_ID["NAME"], None)
            if (status is None or f["status"] == status)
            and (not entity_types or f["entityType"] in entity_types)
            and _contains(f["name"], query.one("name"))
        ]
        return self._page(template, fields, query)

    def _get_time_entries(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id, user_id = params["workspaceId"], params["userId"]
        self._workspace(ws_id)
        if self.dataset.get("users", ws_id, user_id) is None:
            raise ApiError(404, "User not found", 501)
        start, end = (self._owner_wall_clock(query.timestamp(name)) for name in ("start", "end"))
        query.timestamp("get-week-before")  # validated only
        query.boolean("hydrated")  # accepted, but the response shape stays TimeEntryWithRatesDtoV1
        in_progress = query.boolean("in-progress")
        project, task, tags = query.one("project"), query.one("task"), set(query.many("tags"))
        project_required, task_required = (
            query.boolean("project-required"),
            query.boolean("task-required"),
        )

        def keep(e: Record) -> bool:
            begun = _parse(e["timeInterval"]["start"])
            running = e["timeInterval"]["end"] is None
            return (
                (start is None or begun >= start)
                and (end is None or begun <= end)
                and (in_progress is None or running == in_progress)
                and _contains(e["description"], query.one("description"))
                and (not project or e["projectId"] == project)
                and (not task or e["taskId"] == task)
                and (not tags or bool(tags & set(e["tagIds"])))
                and (not project_required or e["projectId"] is not None)
                and (not task_required or e["taskId"] is not None)
            )

        return self._page(
            template, [e for e in self._entries_sorted(ws_id, user_id) if keep(e)], query
        )

    def _post_detailed_report(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        try:
            cap = self.page_size_caps.get(template, REPORT_PAGE_SIZE_CAP)
            free = self._workspace(ws_id)["featureSubscriptionType"] == "FREE"
            max_range = FREE_PLAN_MAX_RANGE if free else MAX_REPORT_RANGE
            report = detailed_report(
                self.dataset, ws_id, query.json_body(), self.owner_time_zone, cap, max_range
            )
        except ReportError as error:
            raise ApiError(400, str(error), 501) from None
        if self.report_spelling == "spec":
            entries = [{"get_id": e.pop("_id"), **e} for e in report.pop("timeentries")]
            report["timeEntries"] = entries
        return Reply(report)

    def _owner_wall_clock(self, moment: datetime | None) -> datetime | None:
        """Reinterpret a UTC filter bound as wall-clock time in the owner's zone."""
        return moment.replace(tzinfo=self.owner_time_zone) if moment else None

    def _get_in_progress(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        running = [
            e
            for e in self.dataset.records("time_entries", ws_id)
            if e["timeInterval"]["end"] is None
        ]
        running.sort(key=lambda e: (e["timeInterval"]["start"], e["id"]), reverse=True)
        return self._page(template, running, query, default_size=10)

    def _get_time_entry(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        entry = self.dataset.get("time_entries", ws_id, params["entryId"])
        if entry is None:
            raise ApiError(self.missing_status, "Time entry not found", 501)
        return Reply(_sent("time_entries", entry))

    def _get_feed(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        kind = template.rsplit("/", 1)[1]  # created | updated | deleted
        types = query.choices("type", FEED_TYPES)
        if not types:
            raise ApiError(
                400,
                "Required request parameter 'type' for method parameter type List is not present",
                501,
            )
        page = query.integer("page", 0, minimum=0)
        limit = query.integer("limit", 50, minimum=1)
        start, end = query.timestamp("start"), query.timestamp("end")
        now = utc_now()
        if start is None:  # documented: a 30-day window ending at `end`, else at now
            end = end or now
            start = end - FEED_WINDOW
        elif end is None:
            end = start + FEED_WINDOW
        if start > end:
            raise ApiError(400, "start must be before end", 501)
        lag = timedelta(seconds=self.deletion_lag)
        items = change_feed(
            self.dataset.changes, ws_id, kind, types, start, end, now, lag, self.feed_shape
        )
        if not self.feed_typed:
            for item in items:
                item.pop("documentType", None)
                item.pop("documentCode", None)
        chunk = items[page * limit : (page + 1) * limit]
        return Reply(chunk if self.feed_bare_array else {"response": chunk})

    # ----------------------------------------------------------------- paid features and more

    def _get_expenses(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        user_id = query.one("user-id")  # date filters are ignored, as by Clockify (reference §5)
        expenses = sorted(
            (
                x
                for x in self.dataset.records("expenses", ws_id)
                if not user_id or x["userId"] == user_id
            ),
            key=lambda x: (x["date"], x["id"]),
            reverse=True,
        )
        daily: dict[str, float] = {}
        weekly: dict[str, float] = {}
        for expense in expenses:
            day = datetime.strptime(expense["date"], "%Y-%m-%d").replace(tzinfo=timezone.utc)
            monday = (day - timedelta(days=day.weekday())).strftime("%Y-%m-%d")
            daily[expense["date"]] = daily.get(expense["date"], 0.0) + expense["total"]
            weekly[monday] = weekly.get(monday, 0.0) + expense["total"]
        reply = self._page(template, expenses, query)
        reply.body = {
            "dailyTotals": [
                {"date": day, "dateAsInstant": day + "T00:00:00Z", "total": total}
                for day, total in sorted(daily.items())
            ],
            "expenses": {"count": len(expenses), "expenses": reply.body},
            "weeklyTotals": [
                {"date": day, "total": total} for day, total in sorted(weekly.items())
            ],
        }
        return reply

    def _get_expense_categories(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        archived = query.boolean("archived") or False  # documented default: active ones only
        categories = [
            c
            for c in _sorted_by(
                self.dataset.records("expense_categories", ws_id),
                query,
                {"NAME": _NAME_OR_ID["NAME"]},
                "NAME",
            )
            if c["archived"] == archived and _contains(c["name"], query.one("name"))
        ]
        return self._page(template, categories, query, wrap="categories")

    def _get_invoices(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        statuses = query.choices("statuses", INVOICE_STATUSES)
        keys: dict[str, Callable[[Record], Any]] = {
            "ID": lambda i: i["id"],
            "CLIENT": lambda i: (i["clientName"] or "").lower(),
            "DUE_ON": lambda i: i["dueDate"],
            "ISSUE_DATE": lambda i: i["issuedDate"],
            "AMOUNT": lambda i: i["amount"],
            "BALANCE": lambda i: i["balance"],
        }
        invoices = [
            i
            for i in _sorted_by(self.dataset.records("invoices", ws_id), query, keys, "ID")
            if not statuses or i["status"] in statuses
        ]
        reply = self._page(template, invoices, query, wrap="invoices")
        reply.body["total"] = reply.body.pop("count")
        return reply

    def _get_payments(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id, invoice_id = params["workspaceId"], params["invoiceId"]
        self._workspace(ws_id)
        if self.dataset.get("invoices", ws_id, invoice_id) is None:
            raise ApiError(400, "Invoice not found", 501)  # a 400, not a 404 (reference §3)
        payments = sorted(
            (
                p
                for p in self.dataset.records("invoice_payments", ws_id)
                if p["invoiceId"] == invoice_id
            ),
            key=lambda p: (p["date"], p["id"]),
        )
        return self._page(template, [_sent("invoice_payments", p) for p in payments], query)

    def _get_holidays(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        user_id = query.one("assigned-to")
        groups = {
            g["id"] for g in self.dataset.records("user_groups", ws_id) if user_id in g["userIds"]
        }
        holidays = [
            h
            for h in _sort(
                self.dataset.records("holidays", ws_id),
                lambda h: h["datePeriod"]["startDate"],
                None,
            )
            if not user_id
            or h["everyoneIncludingNew"]
            or user_id in h["userIds"]
            or groups & set(h["userGroupIds"])
        ]
        return self._page(template, holidays, query)

    def _get_policies(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        status = query.choice("status", ("ACTIVE", "ARCHIVED", "ALL"), "ACTIVE")
        policies = [
            p
            for p in _sort(
                self.dataset.records("time_off_policies", ws_id), _NAME_OR_ID["NAME"], None
            )
            if (status == "ALL" or p["archived"] == (status == "ARCHIVED"))
            and _contains(p["name"], query.one("name"))
        ]
        return self._page(template, policies, query, max_page=TIME_OFF_MAX_PAGE)

    def _get_balances(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id, policy_id = params["workspaceId"], params["policyId"]
        self._workspace(ws_id)
        if self.dataset.get("time_off_policies", ws_id, policy_id) is None:
            raise ApiError(404, "Policy not found", 501)
        keys: dict[str, Callable[[Record], Any]] = {
            "USER": lambda b: b["userName"].lower(),
            "POLICY": lambda b: b["policyName"].lower(),
            "USED": lambda b: b["used"],
            "BALANCE": lambda b: b["balance"],
            "TOTAL": lambda b: b["total"],
        }
        balances = [
            b
            for b in _sorted_by(
                self.dataset.records("time_off_balances", ws_id), query, keys, "USER", "sort"
            )
            if b["policyId"] == policy_id
        ]
        return self._page(template, balances, query, max_page=TIME_OFF_MAX_PAGE, wrap="balances")

    def _post_time_off_requests(self, template: str, params: dict[str, str], query: Query) -> Reply:
        """The read-only search: filters and paging in the body, on creation time."""
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        body = JsonBody(query.json_body())
        page = body.integer("page", 1, minimum=1, maximum=TIME_OFF_MAX_PAGE)
        size = body.integer("pageSize", DEFAULT_PAGE_SIZE, minimum=1, maximum=2**31 - 1)
        statuses = set(body.choices("statuses", (*TIME_OFF_STATUSES, "ALL")))
        users = set(body.strings("users"))  # empty: everyone
        group_ids = set(body.strings("userGroups"))
        in_groups = {
            user
            for group in self.dataset.records("user_groups", ws_id)
            if group["id"] in group_ids
            for user in group["userIds"]
        }
        start, end = body.timestamp("start"), body.timestamp("end")

        def keep(r: Record) -> bool:
            created = _parse(r["createdAt"])
            return (
                (not statuses or "ALL" in statuses or r["status"]["statusType"] in statuses)
                and (not users or r["userId"] in users)
                and (not group_ids or r["userId"] in in_groups)
                and (start is None or created >= start)
                and (end is None or created <= end)
            )

        requests = sorted(
            (r for r in self.dataset.records("time_off_requests", ws_id) if keep(r)),
            key=lambda r: (r["createdAt"], r["id"]),
            reverse=True,
        )
        return self._slice(template, requests, page, size, "pageSize", wrap="requests")

    def _get_approvals(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        # As the spec's parameters say: ``status`` takes the three states in APPROVAL_STATES
        # (any other, REJECTED or WITHDRAWN_SUBMISSION too, is a 400). Without a status only
        # pending requests come back: the reference has clients loop over the three states
        # (§5); an inference, not documented. The spec has no ``types`` parameter: requests
        # of every type (time, expenses, both) are listed, and ``types`` is ignored like any
        # parameter Clockify does not know.
        state = query.choice("status", APPROVAL_STATES, "PENDING")
        keys: dict[str, Callable[[Record], Any]] = {
            "ID": lambda a: a["approvalRequest"]["id"],
            "USER_ID": lambda a: a["approvalRequest"]["owner"]["userId"],
            "START": lambda a: a["approvalRequest"]["dateRange"]["start"],
            "UPDATED_AT": lambda a: a["approvalRequest"]["status"]["updatedAt"],
        }
        approvals = [
            _sent("approval_requests", a)
            for a in _sorted_by(
                self.dataset.records("approval_requests", ws_id), query, keys, "START"
            )
            if a["approvalRequest"]["status"]["state"] == state
        ]
        return self._page(template, approvals, query)

    def _get_assignments(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        start, end = query.timestamp("start"), query.timestamp("end")
        for name, value in (("start", start), ("end", end)):
            if value is None:
                raise ApiError(
                    400,
                    f"Required request parameter '{name}' for method parameter type String "
                    "is not present",
                    501,
                )
        limit = self.assignment_max_range
        if limit is not None and end - start > limit:  # type: ignore[operator]
            raise ApiError(400, f"Date range must be at most {limit.days} days", 501)
        keys: dict[str, Callable[[Record], Any]] = {
            "ID": lambda a: a["id"],
            "PROJECT": lambda a: a["projectName"].lower(),
            "USER": lambda a: a["userName"].lower(),
        }
        assignments = [
            a
            for a in _sorted_by(
                self.dataset.records("scheduling_assignments", ws_id), query, keys, "PROJECT"
            )
            if _parse(a["period"]["start"]) <= end  # type: ignore[operator]
            and _parse(a["period"]["end"]) >= start  # type: ignore[operator]
            and _contains(a["projectName"], query.one("name"))
        ]
        return self._page(template, assignments, query)

    def _get_webhooks(self, template: str, params: dict[str, str], query: Query) -> Reply:
        """Not paginated: every webhook at once, with its secret ``authToken``."""
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        kind = query.choice("type", ("USER_CREATED", "SYSTEM", "ADDON"), "USER_CREATED")
        webhooks = self.dataset.records("webhooks", ws_id) if kind == "USER_CREATED" else []
        return Reply({"webhooks": webhooks, "workspaceWebhookCount": len(webhooks)})

    def _get_shared_reports(self, template: str, params: dict[str, str], query: Query) -> Reply:
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        origin = query.choice(
            "sharedReportsFilter", ("ALL", "CREATED_BY_ME", "SHARED_WITH_ME"), "ALL"
        )
        mine = self.dataset.owner_id
        reports = [
            r
            for r in _sort(self.dataset.records("shared_reports", ws_id), _NAME_OR_ID["NAME"], None)
            if origin == "ALL" or (r["reportAuthor"] == mine) == (origin == "CREATED_BY_ME")
        ]
        return self._page(template, reports, query, size_name="pageSize", wrap="reports")

    def _get_member_profile(self, template: str, params: dict[str, str], query: Query) -> Reply:
        """One member's profile; it names no user id (reference §5)."""
        ws_id = params["workspaceId"]
        self._workspace(ws_id)
        user = self.dataset.get("users", ws_id, params["userId"])
        if user is None:
            raise ApiError(404, "User not found", 501)
        return Reply(self._member_profile(ws_id, user))

    def _member_profile(self, ws_id: str, user: Record) -> Record:
        """Derive ``MemberProfileDtoV1`` from the member, the workspace and its custom fields."""
        fields = {f["id"]: f for f in self.dataset.records("custom_fields", ws_id)}
        settings = self._workspace(ws_id)["workspaceSettings"]
        pending = any(
            a["approvalRequest"]["owner"]["userId"] == user["id"]
            and a["approvalRequest"]["status"]["state"] == "PENDING"
            for a in self.dataset.records("approval_requests", ws_id)
        )
        return copy.deepcopy(
            {
                "email": user["email"],
                "hasPassword": user["status"] == "ACTIVE",
                "hasPendingApprovalRequest": pending,
                "imageUrl": user["profilePicture"],
                "name": user["name"],
                "userCustomFieldValues": [
                    {
                        "customField": fields[value["customFieldId"]],
                        "customFieldId": value["customFieldId"],
                        "name": value["customFieldName"],
                        "sourceType": "USER",
                        "type": value["customFieldType"],
                        "userId": user["id"],
                        "value": value["value"],
                    }
                    for value in user["customFields"]
                    if value["customFieldId"] in fields
                ],
                "weekStart": user["settings"]["weekStart"],
                "workCapacity": ("PT8H", "PT7H30M", "PT6H")[int(user["id"], 16) % 3],
                "workingDays": settings["workingDays"],
                "workspaceNumber": sum(
                    1 for ws in self.workspace_ids if self.dataset.get("users", ws, user["id"])
                ),
            }
        )

    # ----------------------------------------------------------------- shared views

    def _users_sorted(self, ws_id: str, column: str, order: str | None = None) -> list[Record]:
        def key(u: Record) -> Any:
            membership = _workspace_membership(u, ws_id)
            if column in ("HOURLYRATE", "COSTRATE"):
                money = membership["hourlyRate" if column == "HOURLYRATE" else "costRate"]
                return money["amount"] if money else 0
            return {
                "ID": u["id"],
                "EMAIL": u["email"].lower(),
                "NAME": u["name"],
                "NAME_LOWERCASE": u["name"].lower(),
                "ACCESS": membership["membershipStatus"],
            }[column]

        return _sort(self.dataset.records("users", ws_id), key, order)

    @staticmethod
    def _user_view(user: Record, kind: str) -> Record:
        """Apply ``memberships``: NONE, WORKSPACE, PROJECT, USERGROUP or ALL (of this workspace)."""
        if kind == "NONE":
            return {**user, "memberships": []}
        wanted = ("WORKSPACE", "PROJECT", "USERGROUP") if kind == "ALL" else (kind,)
        return {
            **user,
            "memberships": [m for m in user["memberships"] if m["membershipType"] in wanted],
        }

    def _projects_sorted(self, ws_id: str, column: str, order: str | None) -> list[Record]:
        keys: dict[str, Callable[[Record], Any]] = {
            **_NAME_OR_ID,
            "CLIENT_NAME": lambda p: p["clientName"].lower(),
            "DURATION": lambda p: duration_seconds(p["duration"]),
            "BUDGET": lambda p: p["budgetEstimate"]["estimate"] if p["budgetEstimate"] else 0,
            "PROGRESS": lambda p: duration_seconds(p["duration"]),
        }
        return _sort(self.dataset.records("projects", ws_id), keys[column], order)

    def _tasks_sorted(
        self, ws_id: str, project_id: str, column: str, order: str | None
    ) -> list[Record]:
        tasks = [t for t in self.dataset.records("tasks", ws_id) if t["projectId"] == project_id]
        return _sort(tasks, _NAME_OR_ID[column], order)

    def _entries_sorted(self, ws_id: str, user_id: str) -> list[Record]:
        """Newest first, as the per-user endpoint returns them."""
        entries = [e for e in self.dataset.records("time_entries", ws_id) if e["userId"] == user_id]
        return sorted(entries, key=lambda e: (e["timeInterval"]["start"], e["id"]), reverse=True)


_SORTED_STREAMS = ("user_groups", "clients", "projects", "tags", "custom_fields")
_USER_SORTS = ("ID", "EMAIL", "NAME", "NAME_LOWERCASE", "ACCESS", "HOURLYRATE", "COSTRATE")
_PROJECT_SORTS = ("ID", "NAME", "CLIENT_NAME", "DURATION", "BUDGET", "PROGRESS")


def change_feed(
    changes: list[Change],
    ws_id: str,
    kind: str,
    types: list[str],
    start: datetime,
    end: datetime,
    now: datetime,
    lag: timedelta,
    shape: str = "wrapped",
) -> list[Record]:
    """Compute ``/entities/{kind}`` for a window, following Clockify's documented rules.

    - created: created in the window and not deleted in it;
    - updated: updated in the window, but neither created nor deleted in it;
    - deleted: deleted in the window (visible ``lag`` after the fact), not created in it.
    ``document`` is the entity's latest visible state.
    """
    streams = {FEED_TYPES[t]: t for t in types if FEED_TYPES[t]}
    history: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        if change.workspace_id == ws_id and change.stream in streams:
            if change.kind == "deleted" and change.at + lag > now:
                continue  # not visible yet
            history.setdefault((change.stream, change.record_id), []).append(change)
    found: list[tuple[datetime, str, Record]] = []
    for (stream, record_id), events in history.items():
        window = [e for e in events if start <= e.at <= end]
        created = [e for e in window if e.kind == "created"]
        updated = [e for e in window if e.kind == "updated"]
        deleted = [e for e in window if e.kind == "deleted"]
        if kind == "created" and created and not deleted:
            at = created[0].at
        elif kind == "updated" and updated and not created and not deleted:
            at = updated[-1].at
        elif kind == "deleted" and deleted and not created:
            at = deleted[-1].at
        else:
            continue
        last = events[-1]
        code = streams[stream]
        deleted_at = iso_millis(last.at) if last.kind == "deleted" else None
        item: Record
        if shape == "wrapped":
            item = {"id": record_id, "documentCode": code, "document": last.snapshot}
            item["deletedAt"] = deleted_at
        elif kind == "deleted":
            bin_id = make_id(0, "bin", record_id)
            item = {"id": record_id, "deletionBinId": bin_id, "documentType": code}
            item.update(document=last.snapshot, deletedAt=deleted_at)
        elif shape == "flat":
            audit = {"createdAt": iso_millis(events[0].at), "updatedAt": iso_millis(last.at)}
            item = {**last.snapshot, "documentType": code, "auditMetadata": audit}
        else:
            item = {"id": record_id, "documentType": code}
        found.append((at, record_id, item))
    found.sort(key=lambda f: (f[0], f[1]))
    return [item for _, _, item in found]


def _sent(stream: str, record: Record) -> Record:
    """A stored record as Clockify sends it, without the fields the fake keeps beside it."""
    hidden = NOT_SENT.get(stream, ())
    return {key: value for key, value in record.items() if key not in hidden}


def _workspace_membership(user: Record, ws_id: str) -> Record:
    memberships: list[Record] = user["memberships"]
    for membership in memberships:
        if membership["membershipType"] == "WORKSPACE" and membership["targetId"] == ws_id:
            return membership
    return {"membershipStatus": "ACTIVE", "hourlyRate": None, "costRate": None}


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _require_json(headers: dict[str, str]) -> None:
    """Refuse a POST body that is not JSON, as Clockify does (reference §2)."""
    kind = headers.get("content-type", "")
    if not kind.startswith("application/json"):
        raise ApiError(415, f"Content-Type '{kind}' is not supported", 3000)


def _split_host(path: str) -> tuple[Literal["api", "reports"], str]:
    """Tell which host a path is for and return the path relative to its prefix."""
    if path.startswith(API_PREFIX + "/"):
        return "api", path[len(API_PREFIX) :]
    if path.startswith(REPORTS_PREFIX + "/"):
        return "reports", path[len(REPORTS_PREFIX) :]
    raise ApiError(404, "No static resource " + path.lstrip("/") + ".", 3000)


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


def _error_answer(status: int, body: str | bytes | None, retry_after: str | None) -> Answer:
    """Build a fault response the way gateways and Clockify send them."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if body is None:
        if status == 429:
            body, headers["Content-Type"] = "Too many requests", "text/plain"
        elif status in _HTML_ERRORS:
            body, headers["Content-Type"] = _HTML_ERRORS[status], "text/html"
        else:
            body = json.dumps({"message": "Internal server error", "code": status})
            headers["Content-Type"] = "application/json"
    else:
        headers.setdefault(
            "Content-Type",
            "application/json" if str(body).lstrip().startswith("{") else "text/plain",
        )
    return status, body.encode() if isinstance(body, str) else body, headers


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: FakeClockify


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP adapter: all behaviour lives in :meth:`FakeClockify.handle`."""

    protocol_version = "HTTP/1.1"  # keep-alive, like the real API behind its load balancer
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid 40 ms stalls
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.app._lock:
            self.server.app._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.app._lock:
                self.server.app._connections.discard(self.connection)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.app.handle(self.command, self.path, headers, body)
        if answer is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, body, extra = answer
        truncate = extra.pop(TRUNCATE_HEADER, None) is not None
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body[: len(body) // 2] if truncate else body)
        if truncate:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; tests read ``FakeClockify.requests`` instead."""
