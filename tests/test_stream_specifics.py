"""What individual streams must do beyond paging a list: every status, windows, secrets."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tap_clockify.streams.approvals import (
    APPROVAL_STATUSES,
    UNLISTABLE_STATES,
    ApprovalRequestsStream,
)
from tap_clockify.timeutil import month_start
from tests.conftest import START_DATE, run_tap, tap_config
from tests.fake_clockify.data import APPROVAL_STATES, TIME_OFF_STATUSES, parse_iso

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "clockify-openapi.json"


def requests_to(result, ending: str) -> list:
    return [r for r in result.requests if r.path.endswith(ending)]


def test_expense_categories_are_read_archived_and_active(full_sync, fake_clockify):
    categories = full_sync.records["expense_categories"]
    assert {category["archived"] for category in categories} == {True, False}
    asked = Counter(
        (r.path, r.query["archived"][0]) for r in requests_to(full_sync, "/expenses/categories")
    )
    assert sorted(asked.values()) == [1] * 2 * len(fake_clockify.workspace_ids)
    assert {archived for _, archived in asked} == {"true", "false"}


def test_approval_requests_of_every_status_keyed_by_their_nested_id(full_sync):
    approvals = full_sync.records["approval_requests"]
    assert {a["approvalRequest"]["status"]["state"] for a in approvals} == set(APPROVAL_STATES)
    assert all(a["id"] == a["approvalRequest"]["id"] for a in approvals)
    asked = {r.query["status"][0] for r in requests_to(full_sync, "/approval-requests")}
    assert asked == set(APPROVAL_STATES)


def test_approval_requests_of_every_type_in_one_request_per_status(full_sync, fake_clockify):
    """Time, expenses or both: no filter leaves a type out, and no request is spent on one."""
    approvals = full_sync.records["approval_requests"]
    kinds = {(bool(a["entries"]), bool(a["expenses"])) for a in approvals}
    assert kinds == {(True, False), (False, True), (True, True)}  # the three types
    asked = Counter(
        (r.path, r.query["status"][0]) for r in requests_to(full_sync, "/approval-requests")
    )
    assert sorted(asked.values()) == [1] * len(APPROVAL_STATES) * len(fake_clockify.workspace_ids)
    # Nothing but what the spec declares: no undocumented filter (``types``) is sent.
    documented = {parameter["name"] for parameter in approval_list_operation()["parameters"]}
    sent = {name for r in requests_to(full_sync, "/approval-requests") for name in r.query}
    assert sent <= documented


def approval_list_operation() -> dict:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec["paths"]["/v1/workspaces/{workspaceId}/approval-requests"]["get"]


def test_approval_passes_reach_every_state_and_type_the_spec_lets_a_list_return():
    """The passes follow the spec: a refreshed one with more filter values fails here."""
    operation = approval_list_operation()
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert tuple(parameters["status"]["schema"]["enum"]) == APPROVAL_STATUSES
    item = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    request = schemas[item["$ref"].rsplit("/", 1)[-1]]["properties"]["approvalRequest"]
    status = schemas[request["$ref"].rsplit("/", 1)[-1]]["properties"]["status"]
    states = schemas[status["$ref"].rsplit("/", 1)[-1]]["properties"]["state"]["enum"]
    assert sorted(states) == sorted(APPROVAL_STATUSES + UNLISTABLE_STATES)
    assert not set(UNLISTABLE_STATES) & set(parameters["status"]["schema"]["enum"])
    # A ``types`` filter (reference §10; not in this copy of the spec) whose default leaves
    # a type out must be sent with every type.
    if "types" in parameters:
        schema = parameters["types"]["schema"]
        every = set(schema.get("items", schema).get("enum", []))
        if not every <= set(schema.get("default", every)):
            assert set(ApprovalRequestsStream.query.get("types", "").split(",")) >= every


def test_time_off_requests_of_every_status_and_user_are_searched(full_sync, fake_clockify):
    requests = full_sync.records["time_off_requests"]
    assert {r["status"]["statusType"] for r in requests} == set(TIME_OFF_STATUSES)
    searches = requests_to(full_sync, "/time-off/requests")
    assert {r.method for r in searches} == {"POST"}
    for search in searches:
        body = json.loads(search.body)
        assert body["statuses"] == ["ALL"]
        assert body["users"] == []
        assert parse_iso(body["start"]) == parse_iso(START_DATE)  # first run: start_date


def test_a_status_change_of_an_old_time_off_request_arrives_on_the_next_sync(tmp_path, make_server):
    server = make_server()
    config = tap_config(server, lookback_days=1)
    first = run_tap(tmp_path, config)
    assert first.returncode == 0, first.stderr[-2000:]
    workspace_id = server.workspace_ids[0]
    oldest = min(
        server.ground_truth("time_off_requests", workspace_id), key=lambda r: r["createdAt"]
    )
    assert parse_iso(oldest["createdAt"]) < datetime.now(timezone.utc) - timedelta(days=30)
    new_status = "REJECTED" if oldest["status"]["statusType"] != "REJECTED" else "APPROVED"
    server.dataset.update(
        "time_off_requests", workspace_id, oldest["id"], status={"statusType": new_status}
    )

    second = run_tap(tmp_path, config, state=first.final_state)
    assert second.returncode == 0, second.stderr[-2000:]
    emitted = {r["id"]: r for r in second.records["time_off_requests"]}
    assert emitted[oldest["id"]]["status"]["statusType"] == new_status
    assert len(emitted) == len(server.ground_truth("time_off_requests"))


def assignment_windows(requests) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """The start..end ranges asked, by workspace and answer status."""
    windows: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for request in requests:
        if request.path.endswith("/scheduling/assignments/all"):
            key = (request.path.split("/")[4], request.status)
            windows.setdefault(key, []).append((request.query["start"][0], request.query["end"][0]))
    return windows


def test_assignments_are_read_in_one_range_and_emitted_once(full_sync, fake_clockify):
    now = datetime.now(timezone.utc)
    first, end = month_start(parse_iso(START_DATE)), month_start(now, 13)
    windows = assignment_windows(full_sync.requests)
    for workspace_id in fake_clockify.workspace_ids:
        assert windows[workspace_id, 200] == [
            (first.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ"))
        ]
    assignments = full_sync.records["scheduling_assignments"]
    ids = [(a["workspaceId"], a["id"]) for a in assignments]
    assert len(ids) == len(set(ids))
    assert len(ids) == len(fake_clockify.ground_truth("scheduling_assignments"))


@pytest.mark.parametrize(("limit_days", "widths"), [(366, 3), (31, 25)])
def test_a_refused_range_narrows_to_years_then_months(tmp_path, make_server, limit_days, widths):
    server = make_server()
    server.assignment_max_range = timedelta(days=limit_days)
    result = run_tap(tmp_path, tap_config(server, start_date=None))
    assert result.returncode == 0, result.stderr[-2000:]
    windows = assignment_windows(server.requests)
    for workspace_id in server.workspace_ids:
        assert len(windows[workspace_id, 400]) == (1 if limit_days == 366 else 2)
        asked = windows[workspace_id, 200]
        assert len(asked) == widths
        for (_, window_end), (next_start, _) in itertools.pairwise(asked):
            assert window_end == next_start  # contiguous
        first = month_start(datetime.now(timezone.utc), -12).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert asked[0][0] == first
    assignments = result.records["scheduling_assignments"]
    spanning = [
        a
        for a in assignments
        if month_start(parse_iso(a["period"]["start"]))
        != month_start(parse_iso(a["period"]["end"]))
    ]
    assert spanning, "the dataset must hold assignments that span windows"
    ids = [(a["workspaceId"], a["id"]) for a in assignments]
    assert len(ids) == len(set(ids))
    assert len(ids) == len(server.ground_truth("scheduling_assignments"))


def test_payments_are_not_asked_for_an_unpaid_invoice(full_sync, fake_clockify):
    asked = {r.path.split("/")[6] for r in full_sync.requests if r.path.endswith("/payments")}
    invoices = fake_clockify.ground_truth("invoices")
    assert asked == {invoice["id"] for invoice in invoices if invoice["paid"]}
    assert len(asked) < len(invoices)


def test_webhook_secrets_are_never_emitted(full_sync, fake_clockify):
    tokens = [
        webhook["authToken"]
        for workspace_id in fake_clockify.workspace_ids
        for webhook in fake_clockify.dataset.records("webhooks", workspace_id)
    ]
    assert tokens
    for token in tokens:
        assert token not in full_sync.stdout
        assert token not in full_sync.stderr
    assert "authToken" not in full_sync.stdout
    assert full_sync.records["webhooks"]


def test_children_carry_the_id_clockify_leaves_out(full_sync, fake_clockify):
    invoices = {(i["workspaceId"], i["id"]) for i in full_sync.records["invoices"]}
    payments = full_sync.records["invoice_payments"]
    assert payments
    assert all((p["workspaceId"], p["invoiceId"]) in invoices for p in payments)
    profiles = {(p["workspaceId"], p["userId"]) for p in full_sync.records["member_profiles"]}
    users = {(u["workspaceId"], u["id"]) for u in full_sync.records["users"]}
    assert profiles == users


def test_shared_reports_come_from_the_reports_api(full_sync):
    lists = requests_to(full_sync, "/shared-reports")
    assert lists
    assert all(r.path.startswith("/reports/v1/") for r in lists)
    assert all(r.query["sharedReportsFilter"] == ["ALL"] for r in lists)
    assert full_sync.records["shared_reports"]
