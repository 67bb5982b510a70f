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
    query = urllib.parse.urlencode({k.replace("_", "-"): v for k, v in params.items()}, doseq=True)
    request = urllib.request.Request(f"{server.api_url}{path}?{query}")
    if key is not None:
        request.add_header("X-Api-Key", key)
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
