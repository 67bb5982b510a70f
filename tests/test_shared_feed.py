"""One change-feed read per workspace, and what follows it: tasks, assignments, the report."""

from __future__ import annotations

import json

import pytest

from tap_clockify.change_feed import item_type
from tap_clockify.streams import STREAM_TYPES
from tests.convergence import wait_for_next_second
from tests.fake_clockify import DatasetSpec
from tests.test_incremental import sync

#: The streams that follow the change feed, in sync order.
FEED_STREAMS = tuple(stream.name for stream in STREAM_TYPES if getattr(stream, "feed_types", ()))
ALL_TYPES = ["CLIENTS", "PROJECTS", "SCHEDULED_ASSIGNMENT", "TAGS", "TASKS", "TIME_ENTRY"]
DOCUMENT_TYPES = ["SCHEDULED_ASSIGNMENT", "TASKS", "TIME_ENTRY"]
SPEC = DatasetSpec(workspaces=2, users_per_workspace=4, entries_per_user=20, projects=4)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("TIME_ENTRY", "TIME_ENTRY"),
        ("TimeEntry", "TIME_ENTRY"),
        ("PROJECT", "PROJECTS"),
        ("tasks", "TASKS"),
        ("ScheduledAssignment", "SCHEDULED_ASSIGNMENT"),
        ("ASSIGNMENT", "SCHEDULED_ASSIGNMENT"),
        ("INVOICES", None),
    ],
)
def test_an_item_s_type_is_read_in_any_spelling(code, expected):
    assert item_type({"documentType": code}, ALL_TYPES) == expected
    assert item_type({"documentCode": code}, ALL_TYPES) == expected


def test_an_item_of_a_one_type_read_needs_no_type():
    assert item_type({"id": "x"}, ["TAGS"]) == "TAGS"
    assert item_type({"id": "x"}, ALL_TYPES) is None


def first_and_second(tmp_path, server, change, **config):
    """Sync every feed stream, make ``change``, sync again; return both results."""
    first = sync(tmp_path, server, streams=FEED_STREAMS, **config)
    wait_for_next_second()
    change()
    wait_for_next_second()
    return first, sync(tmp_path, server, state=first.final_state, streams=FEED_STREAMS, **config)


def feed_requests(result, kind):
    return [r for r in result.requests if r.path.endswith(f"/entities/{kind}")]


def test_the_feed_is_read_once_per_workspace_for_every_stream(tmp_path, make_server):
    server = make_server(SPEC)
    _, second = first_and_second(tmp_path, server, lambda: None)
    for kind in ("created", "updated"):  # only for the streams that take documents
        asked = feed_requests(second, kind)
        assert len(asked) == len(server.workspace_ids)
        assert all(sorted(r.query["type"]) == DOCUMENT_TYPES for r in asked)
    deleted = feed_requests(second, "deleted")
    assert all(sorted(r.query["type"]) == ALL_TYPES for r in deleted)
    assert len(deleted) <= 4 * len(server.workspace_ids), [r.query for r in deleted]


def test_items_that_do_not_say_their_type_are_read_type_by_type(tmp_path, make_server):
    server = make_server(SPEC)
    server.feed_typed = False
    ws = server.workspace_ids[0]
    entry = server.ground_truth("time_entries", ws)[0]
    tag = server.ground_truth("tags", ws)[0]

    def change():
        server.dataset.update("time_entries", ws, entry["id"], description="typed?")
        server.dataset.delete("tags", ws, tag["id"])

    _, second = first_and_second(tmp_path, server, change)
    entries = {e["id"]: e for e in second.records["time_entries"]}
    assert entries[entry["id"]]["description"] == "typed?"
    assert [t["id"] for t in second.records["tags"] if t["_sdc_deleted_at"]] == [tag["id"]]
    assert not [t for t in second.records["time_entries"] if t["id"] == tag["id"]]
    assert "sent items without their type" in second.stderr


@pytest.mark.parametrize("feed_shape", ["wrapped", "flat", "bare"])
def test_tasks_are_re_read_only_for_projects_the_feed_names(tmp_path, make_server, feed_shape):
    server = make_server(SPEC)
    server.feed_shape = feed_shape
    ws = server.workspace_ids[0]
    tasks = server.ground_truth("tasks", ws)
    edited = tasks[0]
    doomed = next(t["projectId"] for t in tasks if t["projectId"] != edited["projectId"])
    doomed_tasks = {t["id"] for t in tasks if t["projectId"] == doomed}

    def change():
        server.dataset.update("tasks", ws, edited["id"], name="renamed")
        server.dataset.delete("projects", ws, doomed)

    _, second = first_and_second(tmp_path, server, change, lookback_days=0)
    task_reads = {r.path.split("/")[-2] for r in second.requests if r.path.endswith("/tasks")}
    if feed_shape == "bare":  # the feed names the task without its project: read them all
        assert task_reads == {p["id"] for p in server.ground_truth("projects", ws)}
    else:
        assert task_reads == {edited["projectId"]}
    emitted = {t["id"]: t for t in second.records["tasks"]}
    assert emitted[edited["id"]]["name"] == "renamed"
    assert {i for i, t in emitted.items() if t["_sdc_deleted_at"]} == doomed_tasks


def test_scheduled_assignments_follow_the_feed(tmp_path, make_server):
    server = make_server(SPEC)
    ws = server.workspace_ids[0]
    kept, doomed = server.ground_truth("scheduling_assignments", ws)[:2]
    path = "/scheduling/assignments/all"

    def change():
        server.dataset.update("scheduling_assignments", ws, kept["id"], note="moved")
        server.dataset.delete("scheduling_assignments", ws, doomed["id"])

    first, second = first_and_second(tmp_path, server, change)
    assert len([r for r in first.requests if r.path.endswith(path)]) == len(server.workspace_ids)
    assert not [r for r in second.requests if r.path.endswith(path)]
    emitted = {a["id"]: a for a in second.records["scheduling_assignments"]}
    assert set(emitted) == {kept["id"], doomed["id"]}
    assert emitted[kept["id"]]["note"] == "moved"
    assert not emitted[kept["id"]]["_sdc_deleted_at"]
    assert emitted[doomed["id"]]["_sdc_deleted_at"]


def test_the_report_re_reads_changed_months_for_their_users_only(tmp_path, make_server):
    server = make_server(SPEC)
    ws = server.workspace_ids[0]
    entries = [e for e in server.ground_truth("time_entries", ws) if e["timeInterval"]["end"]]
    old = entries[-1]  # each user's entries come newest first: this one is old

    def change():
        server.dataset.update("time_entries", ws, old["id"], description="fixed")

    # No lookback: the week before the first sync holds entries created then, whose
    # months (for their users) the report would read again too.
    _, second = first_and_second(tmp_path, server, change, lookback_days=0)
    reads = [r for r in second.requests if r.path.endswith("/reports/detailed")]
    assert len(reads) == 1
    body = json.loads(reads[0].body)
    assert body["users"]["ids"] == [old["userId"]]
    assert body["dateRangeStart"][:7] == old["timeInterval"]["start"][:7]
    rows = second.records["detailed_report"]
    assert {row["id"]: row["description"] for row in rows}[old["id"]] == "fixed"
    assert {row.get("userId") for row in rows} == {old["userId"]}
