"""Clients, projects, tags and tasks: re-read in full, deletions reported from the feed."""

from __future__ import annotations

import pytest

from tests.conftest import run_tap, tap_config

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
    deleted = {}
    for stream in DIMENSIONS:
        victim = server.ground_truth(stream, workspace_id)[0]
        server.dataset.delete(stream, workspace_id, victim["id"])
        deleted[stream] = victim["id"]

    second = run_tap(tmp_path, tap_config(server), state=first.final_state)
    assert second.returncode == 0, second.stderr[-2000:]
    for stream, victim_id in deleted.items():
        flagged = [r for r in second.records[stream] if r.get("_sdc_deleted_at")]
        assert [r["id"] for r in flagged] == [victim_id], stream
        assert flagged[0]["workspaceId"] == workspace_id
        live = {r["id"] for r in second.records[stream] if not r.get("_sdc_deleted_at")}
        assert live == {r["id"] for r in server.ground_truth(stream)}
    feed_reads = [r for r in server.requests if r.path.endswith("/entities/deleted")]
    assert feed_reads
