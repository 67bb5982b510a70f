"""time_entries: a bookmark per workspace, and a second run that reads only newer entries."""

from __future__ import annotations

from tests.conftest import START_DATE, run_tap, tap_config


def partitions(state: dict) -> list[dict]:
    return state["bookmarks"]["time_entries"]["partitions"]


def test_bookmark_is_the_newest_start_per_workspace(full_sync, fake_clockify):
    state_partitions = partitions(full_sync.final_state)
    assert sorted(p["context"]["workspaceId"] for p in state_partitions) == sorted(
        fake_clockify.workspace_ids
    )
    for partition in state_partitions:
        workspace_id = partition["context"]["workspaceId"]
        assert set(partition["context"]) == {"workspaceId"}  # small: not one per user
        newest = max(
            entry["timeInterval"]["start"]
            for entry in fake_clockify.ground_truth("time_entries", workspace_id)
        )
        assert partition["replication_key"] == "start"
        assert partition["replication_key_value"] == newest


def test_start_date_bounds_the_first_sync(tmp_path, fake_clockify):
    entries = sorted(e["timeInterval"]["start"] for e in fake_clockify.ground_truth("time_entries"))
    start_date = entries[len(entries) // 2]
    result = run_tap(tmp_path, tap_config(fake_clockify, start_date=start_date))
    assert result.returncode == 0, result.stderr[-2000:]
    got = sorted(entry["start"] for entry in result.records["time_entries"])
    assert got == [start for start in entries if start >= start_date]


def test_second_run_reads_from_the_bookmark(tmp_path, make_server):
    server = make_server()
    first = run_tap(tmp_path, tap_config(server))
    assert first.returncode == 0, first.stderr[-2000:]
    server.reset_requests()
    second = run_tap(tmp_path, tap_config(server), state=first.final_state)
    assert second.returncode == 0, second.stderr[-2000:]

    bookmarks = {
        p["context"]["workspaceId"]: p["replication_key_value"]
        for p in partitions(first.final_state)
    }
    asked = {r.query["start"][0] for r in server.requests if r.path.endswith("/time-entries")}
    assert asked == {value[:19] + "Z" for value in bookmarks.values()}
    assert START_DATE not in asked
    for entry in second.records["time_entries"]:
        assert entry["start"] >= bookmarks[entry["workspaceId"]]
    assert len(second.records["time_entries"]) < len(first.records["time_entries"])
