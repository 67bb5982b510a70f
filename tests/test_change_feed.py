"""The change feed: both item shapes, windows that cannot hide a deletion, marks of killed runs."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

from tap_clockify.change_feed import SAFETY_OVERLAP, deletion_windows, entity_of
from tests.conftest import run_tap, tap_config
from tests.convergence import run_tap_until, wait_for_next_second

SHAPES = ("wrapped", "flat", "bare")
ENTRY = {"id": "e1", "userId": "u1", "timeInterval": {"start": "2026-01-01T08:00:00Z"}}


# --------------------------------------------------------------------------- item shapes


def test_a_wrapped_item_yields_its_document():
    item = {"id": "e1", "documentCode": "TIME_ENTRY", "document": ENTRY, "deletedAt": None}
    assert entity_of(item, ("userId",)) == ("e1", ENTRY)


def test_a_flat_item_yields_its_own_fields_without_the_feed_s():
    item = {**ENTRY, "documentType": "TIME_ENTRY", "auditMetadata": {"updatedAt": "x"}}
    assert entity_of(item, ("userId",)) == ("e1", ENTRY)


def test_the_entity_id_wins_over_a_deletion_bin_id():
    item = {"id": "bin", "deletionBinId": "bin", "documentType": "TAGS", "document": {"id": "t1"}}
    assert entity_of(item) == ("t1", {"id": "t1"})


def test_an_item_without_the_needed_fields_names_the_entity_only():
    assert entity_of({"id": "e1", "documentType": "TIME_ENTRY"}, ("userId",)) == ("e1", None)


@pytest.mark.parametrize("item", [{}, {"documentType": "TIME_ENTRY"}, "e1", {"id": 7}])
def test_an_item_naming_no_entity_is_recognised(item):
    assert entity_of(item) == (None, None)


# --------------------------------------------------------------------------- windows


def test_deletions_are_cut_at_each_read_and_shortly_before_it():
    now = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    started, finished = now - timedelta(days=1), now - timedelta(days=1) + timedelta(minutes=30)
    pieces = deletion_windows(now - timedelta(days=8), now, [started, finished])
    edges = [start for start, _ in pieces][1:]
    assert edges == [started - SAFETY_OVERLAP, started, finished - SAFETY_OVERLAP, finished]
    assert all(end == nxt for (_, end), (nxt, _) in itertools.pairwise(pieces))


def test_reads_seconds_apart_share_the_earlier_cut():
    now = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    started = now - timedelta(hours=2)
    pieces = deletion_windows(
        now - timedelta(days=1), now, [started, started + timedelta(seconds=3)]
    )
    assert len(pieces) == 4


# --------------------------------------------------------------------------- end to end


def entries_of(result, **match):
    return [
        r for r in result.records["time_entries"] if all(r.get(k) == v for k, v in match.items())
    ]


@pytest.mark.parametrize("feed_shape", SHAPES)
def test_an_entry_added_synced_then_deleted_is_flagged(tmp_path, make_server, feed_shape):
    server = make_server()
    server.feed_shape = feed_shape
    config = tap_config(server)
    first = run_tap(tmp_path, config)
    workspace_id = server.workspace_ids[0]
    template = {**server.ground_truth("time_entries", workspace_id)[0], "description": "oops"}
    del template["id"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    template["timeInterval"] = {
        "start": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": "PT30M",
    }
    wait_for_next_second()
    added = server.dataset.add("time_entries", workspace_id, template)
    tag = server.dataset.add("tags", workspace_id, {"name": "mistake", "archived": False})
    wait_for_next_second()
    second = run_tap(tmp_path, config, state=first.final_state)
    assert entries_of(second, id=added["id"], _sdc_deleted_at=None)
    assert [r for r in second.records["detailed_report"] if r["id"] == added["id"]]

    wait_for_next_second()
    server.dataset.delete("time_entries", workspace_id, added["id"])
    server.dataset.delete("tags", workspace_id, tag["id"])
    wait_for_next_second()
    third = run_tap(tmp_path, config, state=second.final_state)
    assert third.returncode == 0, third.stderr[-2000:]
    (flagged,) = entries_of(third, id=added["id"])
    assert flagged["_sdc_deleted_at"]
    (report_row,) = [r for r in third.records["detailed_report"] if r["id"] == added["id"]]
    assert report_row["_sdc_deleted_at"]
    assert [t for t in third.records["tags"] if t["id"] == tag["id"] and t["_sdc_deleted_at"]]
    assert "Skipping a" not in third.stderr


def test_an_unusable_item_is_skipped_with_one_warning(tmp_path, make_server):
    server = make_server()
    config = tap_config(server)
    first = run_tap(tmp_path, config)
    server.inject(
        200, path_contains="/entities/created", body={"response": [{"documentType": "X"}, 7]}
    )
    second = run_tap(tmp_path, config, state=first.final_state)
    assert second.returncode == 0, second.stderr[-2000:]
    warnings = [line for line in second.stderr.splitlines() if "names no entity" in line]
    assert len(warnings) == 2  # one per item, both of the one workspace that got them
    named = {ws for ws in server.workspace_ids for line in warnings if ws in line}
    assert len(named) == 1
    assert all("(id missing)" in line for line in warnings)


@pytest.mark.parametrize("stream", ["time_entries", "detailed_report"])
def test_entries_a_killed_first_sync_emitted_are_flagged_when_deleted(
    tmp_path, make_server, stream
):
    server = make_server()
    config = tap_config(server)
    lines, _ = run_tap_until(
        tmp_path, config, None, lambda lines: f'"stream":"{stream}","record"' in lines[-1]
    )
    messages = [json.loads(line) for line in lines]
    state = next(m["value"] for m in reversed(messages) if m["type"] == "STATE")
    emitted = [m["record"] for m in messages if m.get("stream") == stream and "record" in m]
    assert emitted
    victim = emitted[0]
    assert "changes_since" not in json.dumps(state["bookmarks"].get(stream, {}))

    wait_for_next_second()
    server.dataset.delete("time_entries", victim["workspaceId"], victim["id"])
    wait_for_next_second()
    resumed = run_tap(tmp_path, config, state=state)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    (flagged,) = [r for r in resumed.records[stream] if r["id"] == victim["id"]]
    assert flagged["_sdc_deleted_at"]
    live = {r["id"] for r in resumed.records[stream] if not r["_sdc_deleted_at"]}
    assert live == {e.get("_id", e.get("id")) for e in server.ground_truth(stream)}
