"""Paid features on a Free-plan workspace: skipped with one warning each, unless told to fail."""

from __future__ import annotations

import pytest

from tap_clockify.streams import STREAM_TYPES
from tests.conftest import API_KEY, run_tap, tap_config
from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset
from tests.fake_clockify.data import PAID_FEATURES
from tests.fake_clockify.server import PLAN_REFUSALS

#: Streams that make their own request per workspace, and those read through them.
GATED = {stream.name for stream in STREAM_TYPES if stream.plan_gated}
CHILDREN = {"invoice_payments": "invoices", "time_off_balances": "time_off_policies"}


@pytest.fixture(scope="module", params=[403, 402, 400])
def free_plan_sync(request, tmp_path_factory):
    """A sync of two workspaces, the second on the Free plan refusing paid features with
    403, 402 or 400 "Sin suscripción activa" (all reported, reference §3 and §10)."""
    spec = DatasetSpec(free_plan_workspaces=1)
    with FakeClockify(build_dataset(spec), api_key=API_KEY) as server:
        server.plan_refusal = request.param
        result = run_tap(tmp_path_factory.mktemp("free_plan"), tap_config(server))
        result.requests = list(server.requests)
        yield server, result


def warnings_about(stderr: str, stream: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "WARNING" in line and f"Skipping {stream} for workspace" in line
    ]


def test_every_paid_stream_is_gated():
    assert set(PAID_FEATURES) == GATED
    assert {"webhooks", "shared_reports", "member_profiles", "users"}.isdisjoint(GATED)


def test_free_plan_workspace_syncs_the_rest_and_exits_0(free_plan_sync):
    server, result = free_plan_sync
    assert result.returncode == 0, result.stderr[-3000:]
    free, paid = server.workspace_ids[1], server.workspace_ids[0]
    for stream in (stream.name for stream in STREAM_TYPES):
        emitted = result.records[stream]
        for workspace_id in (free, paid):
            in_workspace = [r for r in emitted if r.get("workspaceId", r.get("id")) == workspace_id]
            expected = server.ground_truth(stream, workspace_id)
            assert len(in_workspace) == len(expected), (stream, workspace_id)
        if stream in GATED:
            assert not [r for r in emitted if r["workspaceId"] == free]
            assert [r for r in emitted if r["workspaceId"] == paid], stream


def test_one_warning_per_skipped_stream_naming_it_and_the_workspace(free_plan_sync):
    server, result = free_plan_sync
    free = server.workspace_ids[1]
    for stream in GATED:
        lines = warnings_about(result.stderr, stream)
        assert len(lines) == 1, (stream, lines)
        assert free in lines[0]
        if stream not in CHILDREN:  # Clockify's status and message
            message = PLAN_REFUSALS[server.plan_refusal][0].format(feature=PAID_FEATURES[stream])
            assert f"(HTTP {server.plan_refusal}: {message})" in lines[0]
    assert not [line for line in result.stderr.splitlines() if "ERROR" in line]


def test_a_skipped_stream_asks_nothing_more_of_that_workspace(free_plan_sync):
    server, result = free_plan_sync
    free = server.workspace_ids[1]
    # (The Free plan's report also answers 400 to a year's window: not a refused feature.)
    refused = [
        r
        for r in result.requests
        if r.status == server.plan_refusal and "/reports/detailed" not in r.path
    ]
    assert all(f"/workspaces/{free}/" in r.path for r in refused)
    assert len(refused) == len(GATED) - len(CHILDREN)
    assert not [r for r in result.requests if free in r.path and "/invoices/" in r.path]
    assert not [r for r in result.requests if free in r.path and "/time-off/balance/" in r.path]


def test_fail_on_unavailable_features_makes_the_403_fatal(tmp_path, make_server):
    server = make_server(DatasetSpec(free_plan_workspaces=1))
    result = run_tap(tmp_path, tap_config(server, fail_on_unavailable_features=True))
    assert result.returncode == 1
    assert "Access denied (HTTP 403 from /api/v1/workspaces/" in result.stderr
    assert "is not available on the FREE plan" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Skipping custom_fields" not in result.stderr
    assert "Skipping expenses" not in result.stderr


def test_401_on_a_paid_stream_is_still_fatal(tmp_path, make_server):
    server = make_server()
    server.inject(status=401, times=1, path_contains="/expenses", body={"message": "Bad key"})
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 1
    assert "Clockify rejected the API key (HTTP 401" in result.stderr
    assert "Skipping custom_fields" not in result.stderr
    assert "Skipping expenses" not in result.stderr
