"""A day's worth of changes to a fake Clockify, for the incremental-run budget and benchmark."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeClockify


def copy_of(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A new object like ``record`` (the fake gives it an id), with ``changes``."""
    return {**{key: value for key, value in record.items() if key != "id"}, **changes}


def edit(server: FakeClockify, changes: int) -> None:
    """Changes of the kind a team makes between two nightly syncs, about ``changes`` of them.

    Entries edited, moved across months, added and deleted; a task added, edited and
    deleted, a scheduled assignment added, edited and deleted, a project and a tag edited,
    a client added then deleted; a time-off request approved and an expense deleted.
    """
    data = server.dataset
    workspace_id = server.workspace_ids[0]
    entries = [e for e in data.records("time_entries", workspace_id) if e["timeInterval"]["end"]]
    step = max(1, len(entries) // changes)
    picked = entries[::step][:changes]
    for entry in picked[: changes // 3]:
        data.update("time_entries", workspace_id, entry["id"], description="edited")
    for entry in picked[changes // 3 : changes // 2]:
        start = datetime.fromisoformat(entry["timeInterval"]["start"][:-1] + "+00:00")
        end = datetime.fromisoformat(entry["timeInterval"]["end"][:-1] + "+00:00")
        interval = {
            key: (moment + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for key, moment in (("start", start), ("end", end))
        }
        data.update("time_entries", workspace_id, entry["id"], timeInterval=interval)
    for entry in picked[changes // 2 : 2 * changes // 3]:
        added = {key: value for key, value in entry.items() if key != "id"}
        data.add("time_entries", workspace_id, {**added, "description": "added"})
    for entry in picked[2 * changes // 3 :]:
        data.delete("time_entries", workspace_id, entry["id"])
    tasks = data.records("tasks", workspace_id)
    new_task = data.add("tasks", workspace_id, copy_of(tasks[0], name="new task"))
    data.update("tasks", workspace_id, new_task["id"], status="DONE")
    data.update("tasks", workspace_id, tasks[1]["id"], name="renamed task")
    data.delete("tasks", workspace_id, tasks[2]["id"])
    assignments = data.records("scheduling_assignments", workspace_id)
    if assignments:
        data.add("scheduling_assignments", workspace_id, copy_of(assignments[0]))
        data.update("scheduling_assignments", workspace_id, assignments[0]["id"], note="moved")
        data.delete("scheduling_assignments", workspace_id, assignments[-1]["id"])
    data.update("projects", workspace_id, data.records("projects", workspace_id)[0]["id"], note="x")
    data.update("tags", workspace_id, data.records("tags", workspace_id)[0]["id"], archived=True)
    client = data.add("clients", workspace_id, copy_of(data.records("clients", workspace_id)[0]))
    data.delete("clients", workspace_id, client["id"])
    for request in data.records("time_off_requests", workspace_id)[:1]:
        data.update(
            "time_off_requests", workspace_id, request["id"], status={"statusType": "APPROVED"}
        )
    for expense in data.records("expenses", workspace_id)[:1]:
        data.delete("expenses", workspace_id, expense["id"])
