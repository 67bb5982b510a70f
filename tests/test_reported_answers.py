"""Answers other Clockify clients report (reference §10): retried, skipped or failed as fits."""

from __future__ import annotations

import pytest

from tests.conftest import run_tap, tap_config
from tests.fake_clockify import DatasetSpec
from tests.test_incremental import sync

SPEC = DatasetSpec(workspaces=1, users_per_workspace=3, entries_per_user=10)


def test_a_408_is_retried(tmp_path, make_server):
    server = make_server(SPEC)
    server.inject(status=408, times=2, path_contains="/tags")
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records["tags"]) == len(server.ground_truth("tags"))


@pytest.mark.parametrize(
    "body", [{"message": "Project not found", "code": 501}, {"code": 501}], ids=["said", "silent"]
)
def test_tasks_of_a_project_answered_400_501_are_skipped_as_gone(tmp_path, make_server, body):
    server = make_server(SPEC)
    project = server.ground_truth("projects")[0]
    # Said: gone at once. Silent: it could be the page size, so every smaller one (1000,
    # 200, 50) is tried first; refused each time, the project is gone.
    asks = 1 if "message" in body else 4
    where = f"/projects/{project['id']}/tasks"
    server.inject(status=400, times=asks, path_contains=where, body=body)
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Project {project['id']} no longer exists" in result.stderr
    expected = {t["id"] for t in server.ground_truth("tasks") if t["projectId"] != project["id"]}
    assert {t["id"] for t in result.records["tasks"]} == expected
    assert len([r for r in server.requests if where in r.path]) == asks


def test_payments_of_an_invoice_answered_400_501_are_skipped_as_gone(tmp_path, make_server):
    server = make_server(SPEC)
    paid = [i for i in server.ground_truth("invoices") if i["paid"] != 0]
    body = {"message": "Invoice not found", "code": 501}
    server.inject(
        status=400, times=1, path_contains=f"/invoices/{paid[0]['id']}/payments", body=body
    )
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 0, result.stderr[-2000:]
    warning = f"Skipping invoice_payments of invoiceId {paid[0]['id']}"
    assert len([line for line in result.stderr.splitlines() if warning in line]) == 1
    assert {p["invoiceId"] for p in result.records["invoice_payments"]} == {
        i["id"] for i in paid[1:]
    }


def test_an_entry_named_by_the_feed_and_answered_400_501_is_flagged_deleted(tmp_path, make_server):
    server = make_server(SPEC)
    server.feed_shape = "bare"  # the feed names entries by id only: each is read by id
    server.missing_status = 400
    first = sync(tmp_path, server)
    workspace_id = server.workspace_ids[0]
    entry = server.ground_truth("time_entries")[0]
    server.dataset.update("time_entries", workspace_id, entry["id"], description="edited")
    server.dataset.delete("time_entries", workspace_id, entry["id"])
    server.deletion_lag = 3600  # the feed does not list the deletion yet, only the edit
    second = sync(tmp_path, server, state=first.final_state)
    flagged = [e for e in second.records["time_entries"] if e["id"] == entry["id"]]
    assert len(flagged) == 1
    assert flagged[0]["_sdc_deleted_at"]


@pytest.mark.parametrize("path", ["/tags", "/invoices/"])
def test_a_genuine_bad_request_still_fails_loudly(tmp_path, make_server, path):
    server = make_server(SPEC)
    message = "Required request parameter 'name' for method parameter type String is not present"
    server.inject(status=400, times=10, path_contains=path, body={"message": message, "code": 501})
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 1
    assert "Clockify refused the request (HTTP 400 from /api/v1/workspaces/" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bare_array", [False, True], ids=["response", "bare array"])
def test_feed_bodies_of_both_shapes_are_read(tmp_path, make_server, bare_array):
    server = make_server(SPEC)
    server.feed_bare_array = bare_array
    first = sync(tmp_path, server)
    workspace_id = server.workspace_ids[0]
    edited, deleted = server.ground_truth("time_entries")[:2]
    server.dataset.update("time_entries", workspace_id, edited["id"], description="edited")
    server.dataset.delete("time_entries", workspace_id, deleted["id"])
    second = sync(tmp_path, server, state=first.final_state)
    emitted = {e["id"]: e for e in second.records["time_entries"]}
    assert emitted[edited["id"]]["description"] == "edited"
    assert emitted[deleted["id"]]["_sdc_deleted_at"]
