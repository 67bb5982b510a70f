"""``meltano run tap-clockify target-postgres`` into a real PostgreSQL, checked with SQL.

Three runs share one fake Clockify server, one database and Meltano's own state: a first
load, a second after edits, additions and deletions, and a third with ``hard_delete`` on.
Each fixture queries what its tests need right after its run, so the tests hold in any
order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.conftest import (
    ROOT,
    MeltanoProject,
    catalog_keys,
    clockify_env,
    columns,
    count,
    primary_key,
    query,
    tables,
    time_entry_partitions,
)

STATE_ID = "dev:tap-clockify-to-target-postgres"
#: Streams whose deletions the tap reports (from its second run on).
CHANGE_AWARE = ("time_entries", "clients", "projects", "tags", "tasks")


@dataclass
class Load:
    """What one run left in PostgreSQL and Meltano's state, read right after it."""

    counts: dict[str, int]
    live: dict[str, int]  # rows without _sdc_deleted_at
    truth: dict[str, int]  # the fake server's ground truth at that moment
    state: dict[str, Any]
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # watched rows by id
    requests: list[Any] = field(default_factory=list)


@pytest.fixture(scope="module")
def project(postgres, warehouse, server, tmp_path_factory):
    home = tmp_path_factory.mktemp("meltano_postgres")
    project = MeltanoProject.create(
        ROOT,
        f"sqlite:///{home / 'meltano.db'}",
        **clockify_env(server),
        **postgres.loader_env(warehouse),
    )
    project.meltano("install", "tap-clockify", "target-postgres")
    return project


def read_load(postgres, warehouse, server, project, watched: dict[str, str] | None = None) -> Load:
    with postgres.connect(warehouse) as connection:
        names = tables(connection)
        counts = {name: count(connection, name) for name in names}
        live = {name: count(connection, name, "_sdc_deleted_at IS NULL") for name in names}
        rows = {}
        for row_id, table in (watched or {}).items():
            found = query(
                connection,
                f'SELECT to_jsonb(t) FROM tap_clockify."{table}" t WHERE id = %s',
                row_id,
            )
            if found:
                ((rows[row_id],),) = found
    truth = {stream: len(server.ground_truth(stream)) for stream in catalog_keys()}
    return Load(counts, live, truth, project.state(STATE_ID), rows)


@pytest.fixture(scope="module")
def first_load(project, server, postgres, warehouse) -> Load:
    project.meltano("run", "tap-clockify", "target-postgres")
    return read_load(postgres, warehouse, server, project)


def test_first_run_creates_one_table_per_stream(first_load):
    assert set(first_load.counts) == set(catalog_keys())


def test_first_run_loads_exactly_the_ground_truth(first_load):
    assert first_load.counts == first_load.truth
    assert all(first_load.truth.values()), first_load.truth


def test_tables_have_the_streams_primary_keys(first_load, postgres, warehouse):
    with postgres.connect(warehouse) as connection:
        keys = {table: primary_key(connection, table) for table in first_load.counts}
    assert keys == catalog_keys()


def test_columns_have_sensible_types(first_load, postgres, warehouse):
    with postgres.connect(warehouse) as connection:
        entries = columns(connection, "time_entries")
        report = columns(connection, "detailed_report")
        tasks = columns(connection, "tasks")
        projects = columns(connection, "projects")
    assert entries["start"].startswith("timestamp")
    assert entries["_sdc_deleted_at"].startswith("timestamp")
    assert entries["billable"] == "boolean"
    assert entries["timeInterval"] == "jsonb"  # nested objects
    assert entries["hourlyRate"] == "jsonb"
    assert entries["tagIds"] == "text[]"
    assert entries["id"] == entries["workspaceId"] == "text"
    assert report["amount"] == "numeric"
    assert tasks["budgetEstimate"] == "bigint"
    assert projects["archived"] == "boolean"
    assert projects["memberships"] == "jsonb[]"


def test_values_arrive_unchanged(first_load, server, postgres, warehouse):
    # The first workspace is never edited by the later runs.
    entry = next(
        e for e in server.ground_truth("time_entries", server.workspace_ids[0]) if e["projectId"]
    )
    with postgres.connect(warehouse) as connection:
        ((start, billable, interval, rate, tags),) = query(
            connection,
            'SELECT to_char(start, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\'), billable, "timeInterval",'
            ' "hourlyRate", "tagIds" FROM tap_clockify.time_entries'
            ' WHERE id = %s AND "workspaceId" = %s',
            entry["id"],
            entry["workspaceId"],
        )
    assert start == entry["timeInterval"]["start"]
    assert billable == entry["billable"]
    assert interval == entry["timeInterval"]
    assert rate == entry["hourlyRate"]
    assert tags == entry["tagIds"]


def test_meltano_keeps_the_taps_custom_state_keys(first_load, server):
    partitions = time_entry_partitions(first_load.state)
    assert set(partitions) == set(server.workspace_ids)
    for partition in partitions.values():
        assert partition["changes_since"]
        assert "running_timers" in partition


# --------------------------------------------------------------------------- second run


@dataclass
class Edits:
    workspace_id: str
    edited_entry: str
    added_entry: str
    deleted_entry: str
    renamed_project: str
    added_client: str
    deleted_tag: str

    def watched(self) -> dict[str, str]:
        return {
            self.edited_entry: "time_entries",
            self.added_entry: "time_entries",
            self.deleted_entry: "time_entries",
            self.renamed_project: "projects",
            self.added_client: "clients",
            self.deleted_tag: "tags",
        }


def finished_entries(server, workspace_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in server.ground_truth("time_entries", workspace_id)
        if e["timeInterval"]["end"] and e["projectId"]
    ]


@pytest.fixture(scope="module")
def edits(first_load, server) -> Edits:
    workspace_id = server.workspace_ids[1]
    dataset = server.dataset
    entries = finished_entries(server, workspace_id)
    dataset.update("time_entries", workspace_id, entries[0]["id"], description="edited")
    new_entry = copy.deepcopy(entries[1])
    del new_entry["id"]
    new_entry["description"] = "added after the first load"
    added_entry = dataset.add("time_entries", workspace_id, new_entry)
    dataset.delete("time_entries", workspace_id, entries[2]["id"])
    project = server.ground_truth("projects", workspace_id)[0]
    dataset.update("projects", workspace_id, project["id"], name="Renamed project")
    new_client = copy.deepcopy(server.ground_truth("clients", workspace_id)[0])
    del new_client["id"]
    new_client["name"] = "Client added after the first load"
    added_client = dataset.add("clients", workspace_id, new_client)
    tag = server.ground_truth("tags", workspace_id)[0]
    dataset.delete("tags", workspace_id, tag["id"])
    return Edits(
        workspace_id,
        edited_entry=entries[0]["id"],
        added_entry=added_entry["id"],
        deleted_entry=entries[2]["id"],
        renamed_project=project["id"],
        added_client=added_client["id"],
        deleted_tag=tag["id"],
    )


@pytest.fixture(scope="module")
def second_load(edits, project, server, postgres, warehouse) -> Load:
    server.reset_requests()
    project.meltano("run", "tap-clockify", "target-postgres")
    load = read_load(postgres, warehouse, server, project, edits.watched())
    load.requests = list(server.requests)
    return load


def test_second_run_reads_the_change_feed_from_meltanos_state(second_load):
    feed = [r for r in second_load.requests if "/entities/" in r.path]
    assert feed
    assert {name for r in feed for name in r.query["type"]} >= {"TIME_ENTRY"}


def test_edits_are_updated_in_place(second_load, edits):
    assert second_load.rows[edits.edited_entry]["description"] == "edited"
    assert second_load.rows[edits.renamed_project]["name"] == "Renamed project"
    assert second_load.rows[edits.edited_entry]["_sdc_deleted_at"] is None


def test_additions_are_inserted(second_load, first_load, edits):
    assert second_load.rows[edits.added_entry]["description"] == "added after the first load"
    assert second_load.rows[edits.added_client]["_sdc_deleted_at"] is None
    assert second_load.counts["time_entries"] == first_load.counts["time_entries"] + 1
    assert second_load.counts["clients"] == first_load.counts["clients"] + 1


def test_deletions_are_marked_with_sdc_deleted_at(second_load, edits):
    assert second_load.rows[edits.deleted_entry]["_sdc_deleted_at"] is not None
    assert second_load.rows[edits.deleted_tag]["_sdc_deleted_at"] is not None


def test_rows_not_marked_deleted_equal_the_ground_truth(second_load):
    for stream in CHANGE_AWARE:
        assert second_load.live[stream] == second_load.truth[stream], stream
    assert second_load.counts["tags"] == second_load.truth["tags"] + 1


# --------------------------------------------------------------------------- hard delete


@pytest.fixture(scope="module")
def hard_delete_load(second_load, edits, project, server, postgres, warehouse) -> Load:
    workspace_id = edits.workspace_id
    entry = finished_entries(server, workspace_id)[5]
    server.dataset.delete("time_entries", workspace_id, entry["id"])
    client = server.ground_truth("clients", workspace_id)[1]
    server.dataset.delete("clients", workspace_id, client["id"])
    hard_delete = postgres.loader_env(warehouse, hard_delete=True)
    # --state-strategy merge: Meltano merges each STATE into the stored one; the tap's
    # per-workspace partitions are lists, which Meltano replaces rather than merges.
    project.meltano(
        "run", "--state-strategy", "merge", "tap-clockify", "target-postgres", env=hard_delete
    )
    # `meltano run` accepts no loader commands, so the step is invoked on its own.
    project.meltano("invoke", "target-postgres:hard-delete", env=hard_delete)
    gone = {entry["id"]: "time_entries", edits.deleted_entry: "time_entries"}
    return read_load(postgres, warehouse, server, project, {**gone, edits.deleted_tag: "tags"})


def test_hard_delete_removes_every_deleted_row(hard_delete_load, second_load, edits):
    assert hard_delete_load.counts == hard_delete_load.live  # no flagged row anywhere
    assert hard_delete_load.rows == {}  # deleted before the second run or this one
    for stream in CHANGE_AWARE:
        assert hard_delete_load.counts[stream] == hard_delete_load.truth[stream], stream
    assert hard_delete_load.counts["time_entries"] == second_load.counts["time_entries"] - 2


def test_merged_state_keeps_one_partition_per_workspace(hard_delete_load, second_load, server):
    before = time_entry_partitions(second_load.state)
    after = time_entry_partitions(hard_delete_load.state)
    assert set(after) == set(server.workspace_ids)
    for workspace_id, partition in after.items():
        assert partition["changes_since"] >= before[workspace_id]["changes_since"]


def test_without_hard_delete_the_step_keeps_flagged_rows(second_load, project):
    done = project.meltano("invoke", "target-postgres:hard-delete")
    assert "hard_delete is off" in done.stdout
