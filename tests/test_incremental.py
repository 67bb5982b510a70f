"""time_entries stays correct across runs: edits, back-dated additions, deletions, timers."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from tap_clockify.change_feed import read_changes
from tap_clockify.tap import TapClockify
from tap_clockify.timeutil import parse_time
from tests.conftest import API_KEY, catalog_selecting, run_tap, tap_config
from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset

#: The issue's scale: at least 50 users and 20,000 entries in a workspace.
LARGE = DatasetSpec(workspaces=1, users_per_workspace=70, entries_per_user=400, history_days=400)


def time_entry_state(state: dict) -> dict[str, dict]:
    partitions = state["bookmarks"]["time_entries"]["partitions"]
    return {p["context"]["workspaceId"]: p for p in partitions}


def ids(records: list[dict]) -> Counter:
    return Counter(record["id"] for record in records)


def sync(tmp_path, server, state=None, streams=("time_entries",), **config):
    config = tap_config(server, **config)
    catalog = catalog_selecting(tmp_path, config, *streams)
    server.reset_requests()
    result = run_tap(tmp_path, config, state=state, catalog=catalog)
    assert result.returncode == 0, result.stderr[-3000:]
    result.requests = list(server.requests)
    return result


def entries_older_than(server, workspace_id, days):
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    return [
        entry
        for entry in server.ground_truth("time_entries", workspace_id)
        if entry["timeInterval"]["end"] and parse_time(entry["timeInterval"]["start"]) < cutoff
    ]


def back_dated_copy(entry: dict, days_ago: int, description: str) -> dict:
    added = copy.deepcopy(entry)
    del added["id"]
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=days_ago)
    added["timeInterval"] = {
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": "PT2H",
    }
    added["description"] = description
    return added


def test_state_is_one_small_partition_per_workspace(full_sync, fake_clockify):
    partitions = time_entry_state(full_sync.final_state)
    assert set(partitions) == set(fake_clockify.workspace_ids)
    for workspace_id, partition in partitions.items():
        assert set(partition["context"]) == {"workspaceId"}
        assert parse_time(partition["changes_since"]) <= datetime.now(timezone.utc)
        running = [
            e
            for e in fake_clockify.ground_truth("time_entries", workspace_id)
            if e["timeInterval"]["end"] is None
        ]
        assert partition["running_timers"] == {
            e["userId"]: e["timeInterval"]["start"] for e in running
        }


def test_start_date_bounds_the_first_sync(tmp_path, fake_clockify):
    starts = sorted(e["timeInterval"]["start"] for e in fake_clockify.ground_truth("time_entries"))
    start_date = starts[len(starts) // 2]
    result = run_tap(tmp_path, tap_config(fake_clockify, start_date=start_date))
    assert result.returncode == 0, result.stderr[-2000:]
    got = sorted(entry["start"] for entry in result.records["time_entries"])
    assert got == [start for start in starts if start >= start_date]


def test_owner_time_zone_cannot_hide_entries_at_the_start_date(tmp_path, make_server):
    server = make_server()
    server.owner_time_zone = timezone(timedelta(hours=-10))  # the filter slides 10 h later
    entries = sorted(
        (e for e in server.ground_truth("time_entries")), key=lambda e: e["timeInterval"]["start"]
    )
    start_date = entries[len(entries) // 2]["timeInterval"]["start"]
    result = run_tap(tmp_path, tap_config(server, start_date=start_date))
    assert result.returncode == 0, result.stderr[-2000:]
    expected = {e["id"] for e in entries if e["timeInterval"]["start"] >= start_date}
    assert set(ids(result.records["time_entries"])) == expected


@pytest.fixture(scope="module")
def large_first_run(tmp_path_factory):
    """A first sync of a workspace with 50 tracking users and 20,000 entries."""
    with FakeClockify(build_dataset(LARGE), api_key=API_KEY) as server:
        result = sync(tmp_path_factory.mktemp("first"), server)
        yield server, result


def test_first_run_reads_the_whole_history_once(large_first_run):
    server, first = large_first_run
    truth = server.ground_truth("time_entries")
    assert len(truth) >= 20_000
    assert len({e["userId"] for e in truth}) >= 50
    assert ids(first.records["time_entries"]) == Counter(e["id"] for e in truth)


@pytest.mark.parametrize("feed_shape", ["wrapped", "flat", "bare"])
def test_second_run_catches_edits_additions_and_deletions_cheaply(
    large_first_run, tmp_path, feed_shape
):
    server, first = large_first_run
    server.feed_shape = feed_shape
    workspace_id = server.workspace_ids[0]
    old = entries_older_than(server, workspace_id, days=90)
    edited = {entry["id"]: f"edited {n}" for n, entry in enumerate(old[:40])}
    for entry_id, description in edited.items():
        server.dataset.update("time_entries", workspace_id, entry_id, description=description)
    moved = old[40]["id"]
    server.dataset.update("time_entries", workspace_id, moved, billable=not old[40]["billable"])
    added = [
        server.dataset.add(
            "time_entries", workspace_id, back_dated_copy(old[50 + n], 61 + 5 * n, f"late {n}")
        )
        for n in range(12)
    ]
    deleted = [entry["id"] for entry in old[100:115]]
    for entry_id in deleted:
        server.dataset.delete("time_entries", workspace_id, entry_id)

    second = sync(tmp_path, server, state=first.final_state)
    records = second.records["time_entries"]
    by_id = {record["id"]: record for record in records}

    assert max(ids(records).values()) == 1, "an entry was emitted twice in one run"
    for entry_id, description in edited.items():
        assert by_id[entry_id]["description"] == description
        assert not by_id[entry_id].get("_sdc_deleted_at")
    assert by_id[moved]["billable"] is (not old[40]["billable"])
    for entry in added:
        assert by_id[entry["id"]]["description"] == entry["description"]
    for entry_id in deleted:
        assert by_id[entry_id]["_sdc_deleted_at"]
    # The workspace list, created and updated in one window each, deletions in at most four
    # windows (cut at the previous read's start and end, and ten minutes before its start),
    # and the one user whose timer was running: 9 of the first run's 72 requests.
    # Items naming entries without their fields ("bare") cost one read by id each (the
    # entries created in the lookback window too).
    feed = [r for r in second.requests if "/entities/" in r.path]
    reads = [r for r in second.requests if "/workspaces/" in r.path and "/time-entries/" in r.path]
    changed = {*edited, moved, *(entry["id"] for entry in added)}
    read_ids = {r.path.rsplit("/", 1)[1] for r in reads}
    assert changed <= read_ids if feed_shape == "bare" else not reads
    assert len(feed) <= 6, [r.query for r in feed]
    assert len(second.requests) - len(reads) <= 0.125 * len(first.requests), (
        len(second.requests),
        len(first.requests),
    )


@pytest.mark.parametrize("feed_shape", ["wrapped", "flat", "bare"])
def test_a_stopped_timer_is_re_emitted_with_its_end(tmp_path, make_server, feed_shape):
    server = make_server()
    server.feed_shape = feed_shape
    first = sync(tmp_path, server)
    running = [e for e in first.records["time_entries"] if e["timeInterval"]["end"] is None]
    assert running
    timer = running[0]
    end = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.dataset.update(
        "time_entries",
        timer["workspaceId"],
        timer["id"],
        timeInterval={"end": end, "duration": "PT1H"},
    )
    second = sync(tmp_path, server, state=first.final_state)
    stopped = {e["id"]: e for e in second.records["time_entries"]}[timer["id"]]
    assert stopped["timeInterval"]["end"] == end
    assert stopped["timeInterval"]["duration"] == "PT1H"
    user_reads = [
        r for r in second.requests if r.path.endswith(f"/user/{timer['userId']}/time-entries")
    ]
    assert user_reads, "the timer's user was not re-read"


@pytest.mark.parametrize("feed", ["refused", "switched off"])
def test_without_the_feed_the_lookback_window_is_re_read(tmp_path, make_server, feed):
    server = make_server(DatasetSpec(workspaces=1))
    first = sync(tmp_path, server)
    recent = [
        e
        for e in server.ground_truth("time_entries")
        if parse_time(e["timeInterval"]["start"]) > datetime.now(timezone.utc) - timedelta(days=7)
    ]
    assert recent
    if feed == "refused":
        server.inject(status=403, times=1000, path_contains="/entities/")
        second = sync(tmp_path, server, state=first.final_state)
    else:
        second = sync(tmp_path, server, state=first.final_state, use_change_feed=False)
    assert set(ids(second.records["time_entries"])) >= {e["id"] for e in recent}
    warnings = [line for line in second.stderr.splitlines() if "not captured" in line]
    assert len(warnings) == 1


def test_the_feed_window_ends_after_the_last_second_read(make_server):
    # Query times have whole seconds: an end rounded down would miss the last edits.
    server = make_server(DatasetSpec(workspaces=1))
    tap = TapClockify(config=tap_config(server), parse_env_config=False)
    until = datetime(2026, 1, 1, 12, 0, 0, 900_000, tzinfo=timezone.utc)
    since = until - timedelta(hours=1)
    stream = tap.streams["time_entries"]
    read_changes(stream, server.workspace_ids[0], ["TIME_ENTRY"], since, until, kinds=("updated",))
    (request,) = [r for r in server.requests if "/entities/" in r.path]
    assert request.query["start"] == ["2026-01-01T11:00:00Z"]
    assert request.query["end"] == ["2026-01-01T12:00:01Z"]
