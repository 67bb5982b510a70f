"""Deletions: the feed's for clients, projects, tags and tasks; ACTIVATE_VERSION for full reads."""

from __future__ import annotations

import json

import pytest

from tap_clockify.streams import STREAM_TYPES
from tests.conftest import run_tap, tap_config
from tests.fake_clockify import DatasetSpec

DIMENSIONS = ("clients", "projects", "tags", "tasks")


@pytest.fixture
def synced_once(tmp_path, make_server):
    server = make_server()
    first = run_tap(tmp_path, tap_config(server))
    assert first.returncode == 0, first.stderr[-2000:]
    return server, first


def test_first_run_does_not_ask_the_feed(synced_once):
    _, first = synced_once
    for stream in DIMENSIONS:
        assert not [r for r in first.records[stream] if r.get("_sdc_deleted_at")]


def test_deleted_objects_are_emitted_with_sdc_deleted_at(tmp_path, synced_once):
    server, first = synced_once
    workspace_id = server.workspace_ids[1]
    deleted: dict[str, set[str]] = {}
    for stream in DIMENSIONS:
        victim = server.ground_truth(stream, workspace_id)[0]
        if stream == "projects":  # a project takes its tasks with it
            tasks = server.ground_truth("tasks", workspace_id)
            deleted["tasks"] = {t["id"] for t in tasks if t["projectId"] == victim["id"]}
        server.dataset.delete(stream, workspace_id, victim["id"])
        deleted.setdefault(stream, set()).add(victim["id"])

    second = run_tap(tmp_path, tap_config(server), state=first.final_state)
    assert second.returncode == 0, second.stderr[-2000:]
    for stream, victim_ids in deleted.items():
        flagged = [r for r in second.records[stream] if r.get("_sdc_deleted_at")]
        assert {r["id"] for r in flagged} == victim_ids, stream
        assert {r["workspaceId"] for r in flagged} == {workspace_id}
        if stream != "tasks":  # read in full each run; tasks only where the feed says
            live = {r["id"] for r in second.records[stream] if not r.get("_sdc_deleted_at")}
            assert live == {r["id"] for r in server.ground_truth(stream)}
    feed_reads = [r for r in server.requests if r.path.endswith("/entities/deleted")]
    assert feed_reads


# --------------------------------------------------------------------------- ACTIVATE_VERSION


def messages(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def activations(result) -> dict[str, int]:
    found = [m for m in messages(result) if m["type"] == "ACTIVATE_VERSION"]
    by_stream = {m["stream"]: m["version"] for m in found}
    assert len(by_stream) == len(found), "a stream was activated twice"
    return by_stream


def test_activate_version_follows_every_record_of_its_stream(tmp_path, make_server):
    server = make_server()
    result = run_tap(tmp_path, tap_config(server, emit_activate_version_messages=True))
    assert result.returncode == 0, result.stderr[-2000:]
    activated = activations(result)
    # Not for streams whose later runs read only what the change feed names.
    incremental = {"time_entries", "detailed_report", "tasks", "scheduling_assignments"}
    assert set(activated) == {stream.name for stream in STREAM_TYPES} - incremental
    output = list(enumerate(messages(result)))
    for stream, version in activated.items():
        (at,) = [i for i, m in output if m["type"] == "ACTIVATE_VERSION" and m["stream"] == stream]
        records = [(i, m) for i, m in output if m["type"] == "RECORD" and m["stream"] == stream]
        assert records, stream
        assert all(i < at and m["version"] == version for i, m in records), stream


def test_activate_version_is_off_by_default(full_sync):
    assert not activations(full_sync)
    assert all("version" not in m for m in messages(full_sync) if m["type"] == "RECORD")


def test_a_run_that_fails_activates_nothing(tmp_path, make_server):
    server = make_server()
    server.inject(401, path_contains="/shared-reports")
    result = run_tap(tmp_path, tap_config(server, emit_activate_version_messages=True))
    assert result.returncode != 0
    assert messages(result)  # records of the streams before it came out
    assert not activations(result)


def test_a_stream_skipped_for_a_workspace_is_not_activated(tmp_path, make_server):
    server = make_server(DatasetSpec(free_plan_workspaces=1))
    result = run_tap(tmp_path, tap_config(server, emit_activate_version_messages=True))
    assert result.returncode == 0, result.stderr[-2000:]
    activated = activations(result)
    assert "users" in activated
    for paid in ("expenses", "invoices", "invoice_payments", "holidays", "time_off_balances"):
        assert paid not in activated
