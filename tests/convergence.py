"""Random edits of a fake Clockify, and a target's tables folded from the tap's output.

Shared by the convergence tests (tests/test_convergence.py against the tap's own output,
tests/e2e/test_postgres_convergence.py through Meltano into PostgreSQL). Every mutation
is one Clockify users make: edits, additions and deletions of entries of any age (some
made minutes before a sync), timers started and stopped, dimension and full-table
objects added, edited and deleted (tasks and scheduled assignments too, and projects with
their tasks), time-off requests approved or rejected.
"""

from __future__ import annotations

import copy
import json
import operator
import os
import signal
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from tap_clockify.streams import STREAM_TYPES
from tests.conftest import TAP
from tests.fake_clockify.data import iso

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from tests.fake_clockify import FakeClockify

#: Fields the tap renames: reports' ``_id`` comes out as ``id``.
RENAMED = {"_id": "id"}
STREAMS = [stream.name for stream in STREAM_TYPES]
KEYS = {stream.name: tuple(stream.primary_keys) for stream in STREAM_TYPES}


def wait_for_next_second() -> None:
    """Start the next step in a new second of the clock.

    Clockify's change feed is queried in whole seconds, so a change made in the very
    second a sync begins may fall on either side of that sync's cut; steps of a sequence
    are kept apart by at least that much, as people's edits and scheduled syncs are.
    """
    time.sleep(1.05 - (time.time() % 1))


def run_tap_until(
    tmp_path: Path,
    config: dict[str, Any],
    state: dict[str, Any] | None,
    stop: Callable[[list[str]], bool] | None = None,
) -> tuple[list[str], bool]:
    """Run the tap's CLI; SIGKILL it as soon as ``stop`` accepts the lines so far.

    Returns the lines a target would have received, and whether the run completed (a
    run that ends before ``stop`` fires must succeed).
    """
    (tmp_path / "config.json").write_text(json.dumps(config))
    command = [TAP, "--config", str(tmp_path / "config.json")]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        command += ["--state", str(tmp_path / "state.json")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_CLOCKIFY_")}
    with (tmp_path / "stderr.txt").open("w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env
        )
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if stop is not None and stop(lines):
                process.send_signal(signal.SIGKILL)
                break
        process.stdout.close()
        returncode = process.wait(timeout=120)
    if returncode != -signal.SIGKILL:
        assert returncode == 0, (tmp_path / "stderr.txt").read_text()[-3000:]
    return lines, returncode == 0


# --------------------------------------------------------------------------- the target


@dataclass
class Warehouse:
    """Tables as a Singer target that upserts by key and honours ACTIVATE_VERSION keeps them.

    ACTIVATE_VERSION flags rows of older versions deleted, as target-postgres does by
    default (``_sdc_deleted_at`` set, rows kept).
    """

    keys: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, dict[tuple[Any, ...], tuple[dict[str, Any], Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def load(self, lines: Iterable[str]) -> dict[str, Any] | None:
        """Apply Singer messages; return the last STATE's value (None if there was none)."""
        state = None
        for line in lines:
            message = json.loads(line)
            kind, stream = message["type"], message.get("stream")
            if kind == "SCHEMA":
                self.keys[stream] = message["key_properties"]
            elif kind == "RECORD":
                record = message["record"]
                key = tuple(record[name] for name in self.keys[stream])
                self.rows[stream][key] = (record, message.get("version"))
            elif kind == "ACTIVATE_VERSION":
                table = self.rows[stream]
                for key, (record, version) in list(table.items()):
                    if (version is None or version < message["version"]) and not record.get(
                        "_sdc_deleted_at"
                    ):
                        table[key] = ({**record, "_sdc_deleted_at": "deactivated"}, version)
            elif kind == "STATE":
                state = message["value"]
        return state

    def live(self, stream: str) -> list[dict[str, Any]]:
        """Rows not flagged deleted."""
        return [row for row, _ in self.rows[stream].values() if not row.get("_sdc_deleted_at")]


def differences(
    server: FakeClockify,
    streams: Iterable[str],
    live: Callable[[str], list[dict[str, Any]]],
    same: Callable[[Any, Any], bool] = operator.eq,
) -> list[str]:
    """Where the target's live rows differ from Clockify's ground truth, stream by stream.

    ``same(expected, stored)`` compares one value (a database may store times its way).
    """
    problems = []
    for stream in streams:
        for workspace_id in server.workspace_ids:
            expected = {
                identity(stream, record): record
                for record in server.ground_truth(stream, workspace_id)
            }
            got = {
                identity(stream, record): record
                for record in live(stream)
                if workspace_of(stream, record) == workspace_id
            }
            if missing := set(expected) - set(got):
                problems.append(f"{stream}/{workspace_id}: missing {sorted(missing)[:3]}")
            if extra := set(got) - set(expected):
                problems.append(f"{stream}/{workspace_id}: not deleted {sorted(extra)[:3]}")
            for key in set(expected) & set(got):
                for name, value in expected[key].items():
                    if not same(value, got[key].get(RENAMED.get(name, name))):
                        problems.append(f"{stream}/{workspace_id} {key}: {name} differs")
    return problems


def identity(stream: str, record: dict[str, Any]) -> tuple[Any, ...]:
    """The record's key without ``workspaceId``, which Clockify's own records may lack."""
    renamed = {RENAMED.get(name, name): value for name, value in record.items()}
    return tuple(renamed[key] for key in KEYS[stream] if key != "workspaceId")


def workspace_of(stream: str, record: dict[str, Any]) -> str:
    return str(record["id"] if stream == "workspaces" else record["workspaceId"])


# --------------------------------------------------------------------------- mutations


@dataclass
class Mutator:
    """Makes random changes to a fake Clockify, reproducibly for a seed."""

    server: FakeClockify
    rng: random.Random
    added: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    counter: int = 0

    def step(self, count: int) -> list[str]:
        """Make ``count`` random changes; return what they were."""
        actions = [
            self.edit_entry,
            self.move_entry,
            self.add_entry,
            self.add_entry,
            self.delete_entry,
            self.delete_recent_entry,
            self.start_timer,
            self.stop_timer,
            self.add_dimension,
            self.add_project_with_task,
            self.delete_added_dimension,
            self.edit_dimension,
            self.edit_full_table_object,
            self.delete_full_table_object,
            self.change_time_off_status,
        ]
        return [self.rng.choice(actions)() for _ in range(count)]

    # helpers

    @property
    def data(self) -> Any:
        return self.server.dataset

    def workspace(self) -> str:
        return self.rng.choice(self.server.workspace_ids)

    def pick(self, stream: str, workspace_id: str, keep: Callable[[dict], bool] = bool) -> Any:
        records = [r for r in self.data.records(stream, workspace_id) if keep(r)]
        return copy.deepcopy(self.rng.choice(records)) if records else None

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix} {self.counter}"

    # time entries

    def edit_entry(self) -> str:
        ws = self.workspace()
        entry = self.pick("time_entries", ws)
        self.data.update("time_entries", ws, entry["id"], description=self.name("edited"))
        return f"edit entry {entry['id']} of {entry['timeInterval']['start']}"

    def move_entry(self) -> str:
        ws = self.workspace()
        entry = self.pick("time_entries", ws, lambda e: e["timeInterval"]["end"] is not None)
        days = self.rng.randint(-60, 60)
        interval = {
            key: iso(datetime.fromisoformat(entry["timeInterval"][key][:-1] + "+00:00") + d)
            for key, d in (("start", timedelta(days=days)), ("end", timedelta(days=days)))
        }
        self.data.update("time_entries", ws, entry["id"], timeInterval=interval)
        return f"move entry {entry['id']} by {days} days"

    def add_entry(self) -> str:
        ws = self.workspace()
        template = self.pick("time_entries", ws, lambda e: e["timeInterval"]["end"] is not None)
        template.pop("id")
        ago = self.rng.choice(
            [timedelta(minutes=self.rng.randint(2, 50)), timedelta(days=self.rng.randint(1, 390))]
        )
        start = datetime.now(timezone.utc).replace(microsecond=0) - ago
        template["timeInterval"] = {
            "start": iso(start),
            "end": iso(start + timedelta(minutes=1)),
            "duration": "PT1M",
        }
        template["description"] = self.name("added")
        entry = self.data.add("time_entries", ws, template)
        self.added["time_entries"].append((ws, entry["id"]))
        return f"add entry {entry['id']} started {iso(start)}"

    def delete_entry(self) -> str:
        ws = self.workspace()
        entry = self.pick("time_entries", ws)
        self.data.delete("time_entries", ws, entry["id"])
        return f"delete entry {entry['id']} of {entry['timeInterval']['start']}"

    def delete_recent_entry(self) -> str:
        """The common case: an entry added shortly before a sync, deleted after it."""
        live = [
            (ws, entry_id)
            for ws, entry_id in self.added["time_entries"]
            if self.data.get("time_entries", ws, entry_id)
        ]
        if not live:
            return self.add_entry()
        ws, entry_id = self.rng.choice(live)
        self.data.delete("time_entries", ws, entry_id)
        return f"delete added entry {entry_id}"

    def start_timer(self) -> str:
        ws = self.workspace()
        entries = self.data.records("time_entries", ws)
        running = {e["userId"] for e in entries if e["timeInterval"]["end"] is None}
        template = self.pick("time_entries", ws, lambda e: e["userId"] not in running)
        if template is None:
            return self.stop_timer()
        template.pop("id")
        start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
        template["timeInterval"] = {"start": iso(start), "end": None, "duration": None}
        entry = self.data.add("time_entries", ws, template)
        return f"start timer {entry['id']}"

    def stop_timer(self) -> str:
        ws = self.workspace()
        entry = self.pick("time_entries", ws, lambda e: e["timeInterval"]["end"] is None)
        if entry is None:
            return self.start_timer()
        end = datetime.now(timezone.utc).replace(microsecond=0)
        start = datetime.fromisoformat(entry["timeInterval"]["start"][:-1] + "+00:00")
        seconds = max(60, int((end - start).total_seconds()) // 60 * 60)
        interval = {"end": iso(start + timedelta(seconds=seconds)), "duration": f"PT{seconds}S"}
        self.data.update("time_entries", ws, entry["id"], timeInterval=interval)
        return f"stop timer {entry['id']}"

    # clients, projects' tasks, tags

    def add_dimension(self) -> str:
        ws = self.workspace()
        stream = self.rng.choice(["clients", "tags", "tasks", "scheduling_assignments"])
        template = self.pick(stream, ws)
        if template is None:  # a paid feature the workspace's plan lacks
            return self.add_project_with_task()
        template.pop("id")
        template["note" if stream == "scheduling_assignments" else "name"] = self.name("new")
        record = self.data.add(stream, ws, template)
        self.added[stream].append((ws, record["id"]))
        return f"add {stream} {record['id']}"

    def add_project_with_task(self) -> str:
        ws = self.workspace()
        project = self.pick("projects", ws)
        project.pop("id")
        project["name"] = self.name("new project")
        project = self.data.add("projects", ws, project)
        task = self.pick("tasks", ws)
        task.pop("id")
        task.update(name=self.name("new task"), projectId=project["id"])
        task = self.data.add("tasks", ws, task)
        self.added["projects"].append((ws, project["id"]))
        self.added["tasks"].append((ws, task["id"]))
        return f"add project {project['id']} with task {task['id']}"

    def delete_added_dimension(self) -> str:
        """Objects no entry refers to: ones this sequence added (a project with its tasks)."""
        candidates = [
            (stream, ws, record_id)
            for stream in ("clients", "tags", "tasks", "scheduling_assignments", "projects")
            for ws, record_id in self.added[stream]
            if self.data.get(stream, ws, record_id)
        ]
        if not candidates:
            return self.add_dimension()
        stream, ws, record_id = self.rng.choice(candidates)
        self.data.delete(stream, ws, record_id)
        return f"delete {stream} {record_id}"

    def edit_dimension(self) -> str:
        """Fields the detailed report does not repeat (it would not be re-read for them)."""
        ws = self.workspace()
        stream, changes = self.rng.choice(
            [
                ("clients", {"note": self.name("note")}),
                ("projects", {"note": self.name("note")}),
                ("tags", {"archived": self.rng.random() < 0.5}),
                ("tasks", {"status": self.rng.choice(["ACTIVE", "DONE"])}),
                ("scheduling_assignments", {"note": self.name("note")}),
            ]
        )
        record = self.pick(stream, ws)
        if record is None:  # a paid feature the workspace's plan lacks
            return self.add_project_with_task()
        self.data.update(stream, ws, record["id"], **changes)
        return f"edit {stream} {record['id']}"

    # streams read in full each run

    def edit_full_table_object(self) -> str:
        ws = self.workspace()
        stream, changes = self.rng.choice(
            [
                ("expenses", {"notes": self.name("notes")}),
                ("invoices", {"status": self.rng.choice(["SENT", "PAID", "VOID"])}),
                ("holidays", {"name": self.name("holiday")}),
                ("user_groups", {"name": self.name("group")}),
            ]
        )
        record = self.pick(stream, ws)
        self.data.update(stream, ws, record["id"], **changes)
        return f"edit {stream} {record['id']}"

    def delete_full_table_object(self) -> str:
        ws = self.workspace()
        stream = self.rng.choice(["expenses", "holidays", "webhooks", "time_off_requests"])
        record = self.pick(stream, ws)
        if record is None:
            return self.edit_full_table_object()
        self.data.delete(stream, ws, record["id"])
        return f"delete {stream} {record['id']}"

    def change_time_off_status(self) -> str:
        ws = self.workspace()
        request = self.pick("time_off_requests", ws)
        if request is None:
            return self.edit_full_table_object()
        status = self.rng.choice(["APPROVED", "REJECTED", "PENDING"])
        self.data.update("time_off_requests", ws, request["id"], status={"statusType": status})
        return f"set time-off request {request['id']} (created {request['createdAt']}) {status}"
