"""Tests of the fake Clockify server itself, so tap tests can trust it."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset
from tests.fake_clockify.data import APPROVAL_STATES

KEY = "test-key"
ANCHOR = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def server():
    with FakeClockify(build_dataset(DatasetSpec(anchor=ANCHOR)), api_key=KEY) as fake:
        yield fake


@pytest.fixture
def fresh():
    """A server whose dataset a test may mutate."""
    with FakeClockify(build_dataset(DatasetSpec(seed=3, anchor=ANCHOR)), api_key=KEY) as fake:
        yield fake


def get(server: FakeClockify, path: str, key: str | None = KEY, **params: Any):
    """GET ``path`` (relative to /api/v1); return status, headers and decoded body."""
    query = {k.replace("_", "-"): v for k, v in params.items()}
    return call(server, "GET", server.api_url + path, key=key, **query)


def call(
    server: FakeClockify,
    method: str,
    url: str,
    body: Any = None,
    content_type: str = "application/json",
    key: str | None = KEY,
    **params: Any,
):
    """Send any request to a full URL; return status, headers and decoded body."""
    query = urllib.parse.urlencode(params, doseq=True)
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}?{query}", data=data, method=method)
    if key is not None:
        request.add_header("X-Api-Key", key)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, headers, raw = error.code, error.headers, error.read()
    is_json = headers.get("Content-Type", "").startswith("application/json")
    return status, headers, json.loads(raw) if is_json else raw.decode()


def get_all(server: FakeClockify, path: str, page_size: int = 7, **params: Any) -> list[dict]:
    """Follow Last-Page through a paginated list."""
    records: list[dict] = []
    for page in range(1, 1000):
        status, headers, body = get(server, path, page=page, page_size=page_size, **params)
        assert status == 200, body
        records += body
        if headers["Last-Page"] == "true":
            return records
    raise AssertionError("never reached the last page")


def test_auth_and_errors(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    assert get(server, "/user", key=None)[0::2] == (
        401,
        {"message": "Api key does not exist", "code": 4003},
    )
    assert get(server, "/workspaces", key="wrong")[0] == 401
    status, _, body = get(server, "/workspaces/" + "f" * 24 + "/clients")
    assert (status, body["message"]) == (403, "Access Denied")
    assert get(server, f"/workspaces/{ws}/nothing-here")[0] == 404
    assert get(server, f"/workspaces/{ws}/projects/{'0' * 24}/tasks")[0] == 404
    assert get(server, f"/workspaces/{ws}/user/{'0' * 24}/time-entries")[0] == 404
    assert get(server, f"/workspaces/{ws}/clients", page="two")[0] == 400
    user = server.dataset.owner_id
    assert get(server, f"/workspaces/{ws}/user/{user}/time-entries", start="2026-01-01")[0] == 400
    assert [r.status for r in server.requests[-3:]] == [404, 400, 400]


def test_user_and_workspaces(server: FakeClockify) -> None:
    status, _, me = get(server, "/user")
    assert status == 200
    assert me["id"] == server.dataset.owner_id
    assert me["memberships"] == []
    _, _, me = get(server, "/user", include_memberships="true")
    targets = {m["targetId"] for m in me["memberships"] if m["membershipType"] == "WORKSPACE"}
    assert targets == set(server.workspace_ids)
    status, headers, workspaces = get(server, "/workspaces")
    assert "Last-Page" not in headers
    assert workspaces == server.ground_truth("workspaces")


def test_page_size_caps(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    status, _, body = get(server, f"/workspaces/{ws}/clients", page_size=5001)
    assert status == 400
    assert "page-size" in body["message"]
    assert get(server, f"/workspaces/{ws}/clients", page_size=5000)[0] == 200
    assert (
        get(server, f"/workspaces/{ws}/time-entries/status/in-progress", page_size=1001)[0] == 400
    )
    assert get(server, f"/workspaces/{ws}/custom-fields", page_size=201)[0] == 400
    server.page_size_caps["/workspaces/{workspaceId}/clients"] = 2
    try:
        assert get(server, f"/workspaces/{ws}/clients", page_size=3)[0] == 400
    finally:
        del server.page_size_caps["/workspaces/{workspaceId}/clients"]


def test_last_page_header(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    pages = [get(server, f"/workspaces/{ws}/clients", page=p, page_size=3) for p in (1, 2, 3)]
    assert [h["Last-Page"] for _, h, _ in pages] == ["false", "true", "true"]
    assert [len(b) for _, _, b in pages] == [3, 1, 0]
    server.last_page_header = False
    try:
        _, headers, body = get(server, f"/workspaces/{ws}/clients", page_size=3)
        assert "Last-Page" not in headers
        assert len(body) == 3
    finally:
        server.last_page_header = True


@pytest.mark.parametrize("stream", ["clients", "projects", "tags"])
def test_archived_filter(server: FakeClockify, stream: str) -> None:
    ws = server.workspace_ids[0]
    both = get(server, f"/workspaces/{ws}/{stream}")[2]
    archived = get(server, f"/workspaces/{ws}/{stream}", archived="true")[2]
    active = get(server, f"/workspaces/{ws}/{stream}", archived="false")[2]
    assert archived
    assert active
    assert all(r["archived"] for r in archived)
    assert not any(r["archived"] for r in active)
    assert sorted(r["id"] for r in both) == sorted(r["id"] for r in archived + active)


def test_users_filters(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    path = f"/workspaces/{ws}/users"
    default = get(server, path, memberships="WORKSPACE")[2]
    assert {u["memberships"][0]["membershipStatus"] for u in default} == {"ACTIVE"}
    assert {u["status"] for u in default} <= {
        "ACTIVE",
        "PENDING_EMAIL_VERIFICATION",
        "NOT_REGISTERED",
    }
    assert all(u["memberships"] == [] for u in get(server, path)[2])  # memberships=NONE by default
    everyone = get_all(
        server,
        path,
        status="ALL",
        account_statuses="ACTIVE,PENDING_EMAIL_VERIFICATION,NOT_REGISTERED,LIMITED",
        memberships="WORKSPACE",
    )
    assert everyone == server.ground_truth("users", ws)
    statuses = {u["memberships"][0]["membershipStatus"] for u in everyone}
    assert statuses == {"ACTIVE", "INACTIVE", "PENDING", "DECLINED"}
    assert {u["status"] for u in everyone} == {
        "ACTIVE",
        "PENDING_EMAIL_VERIFICATION",
        "NOT_REGISTERED",
        "LIMITED",
    }
    limited = get(server, path, status="ALL", account_statuses="LIMITED")[2]
    assert [u["status"] for u in limited] == ["LIMITED"]
    assert get(server, path, status="GONE")[0] == 400


def test_shared_users_in_every_workspace(server: FakeClockify) -> None:
    per_ws = [{u["id"]: u for u in server.ground_truth("users", ws)} for ws in server.workspace_ids]
    shared = set.intersection(*(set(users) for users in per_ws))
    assert len(shared) == 3
    assert any(
        len({users[uid]["memberships"][0]["membershipStatus"] for users in per_ws}) > 1
        for uid in shared
    )


def test_tasks_is_active(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    projects = server.ground_truth("projects", ws)
    counts = []
    for project in projects:
        path = f"/workspaces/{ws}/projects/{project['id']}/tasks"
        every, active, done = (
            get(server, path, **f)[2] for f in ({}, {"is_active": "true"}, {"is_active": "false"})
        )
        assert {t["status"] for t in active} <= {"ACTIVE"}
        assert {t["status"] for t in done} <= {"DONE"}
        assert len(every) == len(active) + len(done)
        counts.append((len(active), len(done)))
    assert (0, 0) in counts
    assert any(a and d for a, d in counts)


def test_time_entries_window_and_order(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    user = server.ground_truth("time_entries", ws)[0]["userId"]
    path = f"/workspaces/{ws}/user/{user}/time-entries"
    every = get_all(server, path, page_size=9)
    starts = [e["timeInterval"]["start"] for e in every]
    assert starts == sorted(starts, reverse=True)
    lo, hi = sorted(starts)[5], sorted(starts)[20]
    window = get(server, path, start=lo, end=hi, page_size=100)[2]
    assert [e["timeInterval"]["start"] for e in window] == [s for s in starts if lo <= s <= hi]
    running = get(server, f"/workspaces/{ws}/time-entries/status/in-progress")[2]
    assert len(running) == 1
    assert running[0]["timeInterval"]["end"] is None
    assert running[0]["timeInterval"]["duration"] is None


def test_complete_extraction_matches_ground_truth(server: FakeClockify) -> None:
    """Paging every endpoint the documented way yields exactly the ground truth."""
    everyone = {
        "status": "ALL",
        "account_statuses": "ACTIVE,PENDING_EMAIL_VERIFICATION,NOT_REGISTERED,LIMITED",
    }
    for ws in server.workspace_ids:
        base = f"/workspaces/{ws}"
        users = get_all(server, base + "/users", memberships="WORKSPACE", **everyone)
        assert users == server.ground_truth("users", ws)
        groups = get_all(server, base + "/user-groups", includeTeamManagers="true")
        assert groups == server.ground_truth("user_groups", ws)
        for stream in ("clients", "projects", "tags", "custom-fields"):
            assert get_all(server, f"{base}/{stream}") == server.ground_truth(
                stream.replace("-", "_"), ws
            )
        tasks = [
            t
            for p in get_all(server, base + "/projects")
            for t in get_all(server, f"{base}/projects/{p['id']}/tasks")
        ]
        assert tasks == server.ground_truth("tasks", ws)
        entries = [
            e
            for u in users
            for e in get_all(server, f"{base}/user/{u['id']}/time-entries", page_size=50)
        ]
        assert entries == server.ground_truth("time_entries", ws)
        assert [e for e in entries if e["timeInterval"]["end"] is None]


def feed(
    server: FakeClockify, kind: str, start: datetime, end: datetime, types=("TIME_ENTRY",)
) -> list[dict]:
    ws = server.workspace_ids[0]
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    status, headers, body = get(
        server,
        f"/workspaces/{ws}/entities/{kind}",
        type=list(types),
        start=start.strftime(stamp),
        end=end.strftime(stamp),
        limit=500,
    )
    assert status == 200, body
    assert "Last-Page" not in headers
    return body["response"]


def test_change_feed_semantics(fresh: FakeClockify) -> None:
    ws = fresh.workspace_ids[0]
    data = fresh.dataset
    old = fresh.ground_truth("time_entries", ws)[-1]
    deleted_old = fresh.ground_truth("time_entries", ws)[-2]
    template = {key: value for key, value in old.items() if key != "id"}  # add() assigns an id
    created_updated = data.add("time_entries", ws, template)
    data.update("time_entries", ws, created_updated["id"], description="edited")
    created_deleted = data.add("time_entries", ws, template)
    data.delete("time_entries", ws, created_deleted["id"])
    data.update(
        "time_entries",
        ws,
        old["id"],
        timeInterval={"end": old["timeInterval"]["end"]},
        billable=True,
    )
    data.delete("time_entries", ws, deleted_old["id"])

    now = datetime.now(timezone.utc)
    start, end = now - timedelta(minutes=5), now + timedelta(minutes=5)
    created = feed(fresh, "created", start, end)
    assert [item["id"] for item in created] == [created_updated["id"]]
    assert created[0]["document"]["description"] == "edited"
    assert created[0]["documentCode"] == "TIME_ENTRY"
    updated = feed(fresh, "updated", start, end)
    assert [item["id"] for item in updated] == [old["id"]]
    assert updated[0]["document"]["billable"] is True
    deleted = feed(fresh, "deleted", start, end)
    assert [item["id"] for item in deleted] == [deleted_old["id"]]
    assert deleted[0]["deletedAt"].endswith("Z")
    assert feed(fresh, "created", start, end, types=("PROJECTS",)) == []

    fresh.deletion_lag = 60
    assert feed(fresh, "deleted", start, end) == []
    status, _, body = get(fresh, f"/workspaces/{ws}/entities/created")
    assert status == 400
    assert "type" in body["message"]


def test_injected_faults(fresh: FakeClockify) -> None:
    ws = fresh.workspace_ids[0]
    fresh.inject(status=429, times=2, path_contains="/tags", retry_after=3)
    status, headers, body = get(fresh, f"/workspaces/{ws}/tags")
    assert (status, headers["Retry-After"], body) == (429, "3", "Too many requests")
    assert get(fresh, f"/workspaces/{ws}/clients")[0] == 200
    assert get(fresh, f"/workspaces/{ws}/tags")[0] == 429
    assert get(fresh, f"/workspaces/{ws}/tags")[0] == 200
    fresh.inject(status=503)
    assert get(fresh, "/user", key=None)[0] == 503  # faults come before auth, like a gateway
    fresh.drop_connections(times=1, path_contains="/clients")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        get(fresh, f"/workspaces/{ws}/clients")
    assert [r.status for r in fresh.requests] == [429, 200, 429, 200, 503, 0]
    fresh.fail_rate(rate=1.0, statuses=(502,))
    assert get(fresh, "/workspaces")[0] == 502
    fresh.fail_rate(rate=0)
    assert get(fresh, "/workspaces")[0] == 200


def test_dataset_is_deterministic() -> None:
    spec = DatasetSpec(seed=11, anchor=ANCHOR, workspaces=1, entries_per_user=5)
    first, second = build_dataset(spec), build_dataset(spec)
    assert first.workspace_ids == second.workspace_ids
    ws = first.workspace_ids[0]
    assert first.records("time_entries", ws) == second.records("time_entries", ws)
    assert len(ws) == 24
    assert all(c in "0123456789abcdef" for c in ws)


def test_standalone_cli() -> None:
    command = [
        sys.executable,
        "-m",
        "tests.fake_clockify",
        "--port",
        "0",
        "--workspaces",
        "1",
        "--api-key",
        "k",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            info = json.loads(process.stdout.readline())
            assert info["api_key"] == "k"
            assert info["api_url"].endswith("/api/v1")
            request = urllib.request.Request(
                info["api_url"] + "/workspaces", headers={"X-Api-Key": "k"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert len(json.loads(response.read())) == 1
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert process.returncode == 0


# --------------------------------------------------------------------------- paid features


def search_time_off(server: FakeClockify, ws: str, **body: Any):
    return call(server, "POST", f"{server.api_url}/workspaces/{ws}/time-off/requests", body)


PAID_LISTS = {
    "/expenses": "EXPENSES",
    "/expenses/categories": "EXPENSES",
    "/invoices": "INVOICING",
    "/holidays": "TIME_OFF",
    "/time-off/policies": "TIME_OFF",
    "/approval-requests": "APPROVAL",
    "/custom-fields": "CUSTOM_FIELDS",
}


def test_paid_features_are_refused_on_a_free_plan() -> None:
    spec = DatasetSpec(anchor=ANCHOR, free_plan_workspaces=1)
    with FakeClockify(build_dataset(spec), api_key=KEY) as fake:
        paid, free = fake.workspace_ids
        assert get(fake, f"/workspaces/{free}")[2]["featureSubscriptionType"] == "FREE"
        for path, feature in PAID_LISTS.items():
            assert get(fake, f"/workspaces/{paid}{path}")[0] == 200, path
            status, _, body = get(fake, f"/workspaces/{free}{path}")
            assert (status, feature in body["message"]) == (403, True), path
        assert search_time_off(fake, free)[0] == 403
        window = {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}
        assert get(fake, f"/workspaces/{free}/scheduling/assignments/all", **window)[0] == 403
        for free_path in ("/webhooks", "/users", "/tags"):
            assert get(fake, f"/workspaces/{free}{free_path}")[0] == 200
        assert fake.ground_truth("expenses", free) == []
        assert fake.ground_truth("expenses", paid)


@pytest.mark.parametrize(
    "path",
    [
        "/expenses",
        "/expenses/categories",
        "/holidays",
        "/time-off/policies",
        "/approval-requests",
    ],
)
def test_paid_lists_cap_page_size_at_200(server: FakeClockify, path: str) -> None:
    ws = server.workspace_ids[0]
    assert get(server, f"/workspaces/{ws}{path}", page_size=200)[0] == 200
    status, _, body = get(server, f"/workspaces/{ws}{path}", page_size=201)
    assert (status, "page-size" in body["message"]) == (400, True)


def test_wrapped_lists_say_where_their_records_are(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    base = f"/workspaces/{ws}"
    status, headers, expenses = get(server, base + "/expenses", page_size=5)
    assert headers["Last-Page"] == "false"
    assert len(expenses["expenses"]["expenses"]) == 5
    assert expenses["expenses"]["count"] == len(server.ground_truth("expenses", ws))
    assert {"dailyTotals", "weeklyTotals"} <= set(expenses)
    assert set(get(server, base + "/expenses/categories")[2]) == {"categories", "count"}
    assert set(get(server, base + "/invoices")[2]) == {"invoices", "total"}
    policy = server.ground_truth("time_off_policies", ws)[0]["id"]
    balances = get(server, f"{base}/time-off/balance/policy/{policy}")[2]
    assert set(balances) == {"balances", "count"}
    status, headers, webhooks = get(server, base + "/webhooks")
    assert "Last-Page" not in headers
    assert set(webhooks) == {"webhooks", "workspaceWebhookCount"}
    assert all(w["authToken"] for w in webhooks["webhooks"])  # Clockify sends the secret
    status, headers, reports = call(
        server, "GET", f"{server.reports_url}{base}/shared-reports", page=1, pageSize=2
    )
    # No Last-Page here, as one client records for this list (reference §10).
    assert (status, "Last-Page" in headers, len(reports["reports"])) == (200, False, 2)
    assert reports["count"] == len(server.ground_truth("shared_reports", ws))


def test_expense_categories_default_to_active_ones(server: FakeClockify) -> None:
    path = f"/workspaces/{server.workspace_ids[0]}/expenses/categories"
    default = get(server, path)[2]["categories"]
    archived = get(server, path, archived="true")[2]["categories"]
    assert default
    assert archived
    assert not any(c["archived"] for c in default)
    assert all(c["archived"] for c in archived)


def test_approvals_filter_on_one_state_and_default_to_pending(server: FakeClockify) -> None:
    path = f"/workspaces/{server.workspace_ids[0]}/approval-requests"
    default = get(server, path)[2]
    assert {a["approvalRequest"]["status"]["state"] for a in default} == {"PENDING"}
    assert all("id" not in a for a in default)  # the id is nested only
    counts = [len(get(server, path, status=state)[2]) for state in APPROVAL_STATES]
    assert all(counts)
    assert sum(counts) == len(server.ground_truth("approval_requests", server.workspace_ids[0]))
    assert get(server, path, status="REJECTED")[0] == 400


def test_time_off_search_is_a_post_with_a_json_body(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    url = f"{server.api_url}/workspaces/{ws}/time-off/requests"
    everything = server.ground_truth("time_off_requests", ws)
    status, headers, body = search_time_off(server, ws, statuses=["ALL"], pageSize=200)
    assert (status, headers["Last-Page"], body["count"]) == (200, "true", len(everything))
    created = sorted(r["createdAt"] for r in everything)
    since = created[len(created) // 2]
    newer = search_time_off(server, ws, start=since, pageSize=200)[2]["requests"]
    assert sorted(r["createdAt"] for r in newer) == [c for c in created if c >= since]
    user = everything[0]["userId"]
    mine = search_time_off(server, ws, users=[user], statuses=["APPROVED"])[2]["requests"]
    assert {(r["userId"], r["status"]["statusType"]) for r in mine} <= {(user, "APPROVED")}
    assert search_time_off(server, ws, pageSize=201)[0] == 400
    assert search_time_off(server, ws, page=1001)[0] == 400
    assert search_time_off(server, ws, statuses=["GONE"])[0] == 400
    assert search_time_off(server, ws, start="2026-01-01")[0] == 400
    assert call(server, "POST", url, b"{not json")[0] == 400
    assert call(server, "POST", url, b"page=1", content_type="text/plain")[0] == 415
    assert call(server, "GET", url)[0] == 405
    assert server.requests[-1].method == "GET"
    assert server.requests[-3].body == b"{not json"
    assert json.loads(server.requests[-4].body) == {"start": "2026-01-01"}


def test_assignments_need_a_window_and_overlap_it(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    path = f"/workspaces/{ws}/scheduling/assignments/all"
    assert get(server, path, start="2026-01-01T00:00:00Z")[0] == 400
    assignments = server.ground_truth("scheduling_assignments", ws)
    spanning = next(a for a in assignments if a["period"]["start"][:7] != a["period"]["end"][:7])
    month = spanning["period"]["end"][:7]
    window = {"start": f"{month}-01T00:00:00Z", "end": f"{month}-02T00:00:00Z"}
    assert spanning["id"] in {a["id"] for a in get(server, path, **window)[2]}
    everything = {"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}
    assert len(get(server, path, **everything)[2]) == len(assignments)


def test_member_profiles_are_derived_from_members(server: FakeClockify) -> None:
    ws = server.workspace_ids[0]
    user = server.ground_truth("users", ws)[0]
    status, headers, profile = get(server, f"/workspaces/{ws}/member-profile/{user['id']}")
    assert (status, "Last-Page" in headers) == (200, False)
    assert {"id", "userId"}.isdisjoint(profile)  # Clockify names no one
    assert (profile["email"], profile["name"]) == (user["email"], user["name"])
    assert get(server, f"/workspaces/{ws}/member-profile/{'0' * 24}")[0] == 404


def test_paid_lists_extracted_the_documented_way_match_ground_truth(server: FakeClockify) -> None:
    for ws in server.workspace_ids:
        base = f"/workspaces/{ws}"

        def ids(records: list[dict], key: str = "id") -> list:
            return sorted(r[key] for r in records)

        expenses = get(server, base + "/expenses", page_size=200)[2]["expenses"]["expenses"]
        assert ids(expenses) == ids(server.ground_truth("expenses", ws))
        categories = [
            c
            for archived in ("true", "false")
            for c in get(server, base + "/expenses/categories", archived=archived)[2]["categories"]
        ]
        assert ids(categories) == ids(server.ground_truth("expense_categories", ws))
        invoices = get(server, base + "/invoices")[2]["invoices"]
        assert ids(invoices) == ids(server.ground_truth("invoices", ws))
        payments = [
            {**p, "invoiceId": i["id"]}
            for i in invoices
            for p in get_all(server, f"{base}/invoices/{i['id']}/payments")
        ]
        assert sorted(payments, key=lambda p: p["id"]) == server.ground_truth(
            "invoice_payments", ws
        )
        assert get_all(server, base + "/holidays") == sorted(
            server.ground_truth("holidays", ws),
            key=lambda h: (h["datePeriod"]["startDate"], h["id"]),
        )
        policies = get_all(server, base + "/time-off/policies", status="ALL")
        assert ids(policies) == ids(server.ground_truth("time_off_policies", ws))
        balances = [
            b
            for p in policies
            for b in get(server, f"{base}/time-off/balance/policy/{p['id']}")[2]["balances"]
        ]
        assert ids(balances) == ids(server.ground_truth("time_off_balances", ws))
        approvals = [
            {"id": a["approvalRequest"]["id"], **a}
            for state in APPROVAL_STATES
            for a in get_all(server, base + "/approval-requests", status=state)
        ]
        assert sorted(approvals, key=lambda a: a["id"]) == server.ground_truth(
            "approval_requests", ws
        )
        webhooks = get(server, base + "/webhooks")[2]["webhooks"]
        assert sorted(
            ({k: v for k, v in w.items() if k != "authToken"} for w in webhooks),
            key=lambda w: w["id"],
        ) == server.ground_truth("webhooks", ws)
