"""The replication-key bookmark ends up exactly as the SDK's own bookkeeping leaves it.

ClockifyStream overrides the SDK's private ``_increment_stream_state`` with a cheaper path
(bookmarks.py). Here every call, during real syncs of both incremental streams (first run
and, after edits, additions, deletions and a started timer, the incremental one), is
replayed through the SDK's method on a copy of the state taken just before: the two states
must be equal after every record; also when a run resumes from the state of one killed
midway. An SDK upgrade that changes its bookkeeping fails here.
"""

from __future__ import annotations

import copy
import json
import random
import typing as t

import pytest
from singer_sdk.streams.core import Stream

from tap_clockify.bookmarks import ProgressMarker
from tap_clockify.client import ClockifyStream
from tap_clockify.tap import TapClockify
from tests.conftest import parse_singer, tap_config
from tests.convergence import Mutator, run_tap_until, wait_for_next_second

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

STREAMS = ("time_entries", "detailed_report")
OURS = ClockifyStream._increment_stream_state


class Checked:
    """Counts the calls of :func:`checked`."""

    calls = 0


def checked(
    stream: ClockifyStream, record: dict[str, t.Any], *, context: Context | None = None
) -> None:
    """Our ``_increment_stream_state``, then the SDK's from the same state: equal results."""
    state = stream.get_context_state(context)
    before = copy.deepcopy(state)
    OURS(stream, record, context=context)
    ours = copy.deepcopy(state)
    state.clear()
    state.update(before)
    Stream._increment_stream_state(stream, record, context=context)
    assert state == ours, f"{stream.name}: bookmark differs after record {record.get('id')}"
    Checked.calls += 1


def sync(config: dict[str, t.Any], state: dict[str, t.Any], capsysbinary) -> dict[str, t.Any]:
    """Sync the incremental streams in-process; return the last state written."""
    tap = TapClockify(config=config, state=state, parse_env_config=False)
    for name, stream in tap.streams.items():
        stream.selected = name in STREAMS or name == "workspaces"
    tap.sync_all()
    _, _, states = parse_singer(capsysbinary.readouterr().out.decode())
    return states[-1]


def test_bookmarks_equal_the_sdks_after_every_record(make_server, monkeypatch, capsysbinary):
    server = make_server()
    monkeypatch.setattr(ClockifyStream, "_increment_stream_state", checked)
    monkeypatch.setattr(Checked, "calls", 0)
    config = tap_config(server)

    state = sync(config, {}, capsysbinary)
    first = Checked.calls
    assert first >= len(server.ground_truth("time_entries"))

    mutator = Mutator(server, random.Random(7))
    for change in (
        mutator.edit_entry,
        mutator.move_entry,
        mutator.add_entry,
        mutator.delete_entry,
        mutator.start_timer,
    ):
        change()
    wait_for_next_second()
    final = sync(config, state, capsysbinary)
    assert Checked.calls > first
    for name in STREAMS:
        assert any(
            "replication_key_value" in partition
            for partition in final["bookmarks"][name]["partitions"]
        )


def test_a_run_resumed_after_a_kill_ends_with_the_greatest_start(
    tmp_path, make_server, monkeypatch, capsysbinary
):
    server = make_server()
    config = tap_config(server)
    entries_seen = 0

    def mid_time_entries(lines: list[str]) -> bool:
        nonlocal entries_seen
        entries_seen += '"type":"RECORD","stream":"time_entries"' in lines[-1]
        return entries_seen > len(server.ground_truth("time_entries")) // 2

    lines, completed = run_tap_until(tmp_path, config, None, stop=mid_time_entries)
    assert not completed
    killed_state = [json.loads(line)["value"] for line in lines if '"type":"STATE"' in line][-1]

    monkeypatch.setattr(ClockifyStream, "_increment_stream_state", checked)
    final = sync(config, killed_state, capsysbinary)
    for partition in final["bookmarks"]["time_entries"]["partitions"]:
        workspace_id = partition["context"]["workspaceId"]
        starts = [
            e["timeInterval"]["start"] for e in server.ground_truth("time_entries", workspace_id)
        ]
        assert partition["replication_key_value"] == max(starts)
        assert "progress_markers" not in partition


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            ["2024-01-02T00:00:00Z", "2023-05-01T00:00:00Z", "2025-01-01T10:00:00Z"],
            "2025-01-01T10:00:00Z",
        ),
        (["2024-01-02T00:00:00Z", None, "2024-01-01T00:00:00Z"], "2024-01-02T00:00:00Z"),
    ],
)
def test_marker_keeps_the_greatest_value_and_skips_nulls(values, expected):
    state: dict[str, t.Any] = {"progress_markers": {}}
    marker = ProgressMarker("start", lambda _context: state)
    context = {"workspaceId": "w"}
    handled = [marker.advance({"start": value}, context) for value in values]
    # Nulls (and anything not a string) go the SDK's way, which warns about them.
    assert handled == [value is not None for value in values]
    assert state["progress_markers"] == {
        "replication_key": "start",
        "replication_key_value": expected,
    }


def test_a_stream_read_full_table_leaves_its_bookmark_alone(fake_clockify):
    # A catalog may force FULL_TABLE; the SDK then advances nothing, even over a marker
    # left in the state by an interrupted incremental run.
    tap = TapClockify(config=tap_config(fake_clockify), parse_env_config=False)
    stream = tap.streams["time_entries"]
    stream.forced_replication_method = "FULL_TABLE"
    context = {"workspaceId": fake_clockify.workspace_ids[0]}
    state = stream.get_context_state(context)
    state["progress_markers"] = {"replication_key": "start", "replication_key_value": "2020"}
    stream._increment_stream_state({"start": "2024-01-01T00:00:00Z"}, context=context)
    assert state["progress_markers"]["replication_key_value"] == "2020"
