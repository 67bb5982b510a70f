"""Meltano's state in PostgreSQL, shared by one job per workspace running in parallel.

The set-up the README describes: ``MELTANO_DATABASE_URI`` points Meltano's system database,
and with it the ``systemdb`` state backend, at PostgreSQL; one extractor per workspace
inherits from tap-clockify, so each job has its own state ID (and its own run directory,
which parallel jobs need: Meltano writes an extractor's catalog to a fixed path).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import (
    MeltanoProject,
    clockify_env,
    copy_project,
    query,
    time_entry_partitions,
)

JOBS = ("tap-clockify--acme", "tap-clockify--globex")


def state_id(extractor: str) -> str:
    return f"dev:{extractor}-to-target-postgres"


def add_workspace_extractors(root, workspace_ids: dict[str, str]) -> None:
    """Declare one extractor per workspace, as the README shows."""
    meltano_yml = root / "meltano.yml"
    text = meltano_yml.read_text()
    declared = "".join(
        f"  - name: {name}\n"
        "    inherit_from: tap-clockify\n"
        "    config:\n"
        f"      workspace_ids: [{workspace_id}]\n"
        for name, workspace_id in workspace_ids.items()
    )
    assert text.count("  loaders:\n") == 1
    meltano_yml.write_text(text.replace("  loaders:\n", declared + "  loaders:\n"))


def stored_states(postgres, database: str) -> dict[str, dict[str, Any]]:
    """Meltano's ``state`` table, read straight from PostgreSQL."""
    with postgres.connect(database) as connection:
        rows = query(connection, "SELECT state_id, completed_state FROM state")
    # Meltano keeps the state as JSON text.
    return {row_id: json.loads(completed)["singer_state"] for row_id, completed in rows}


@pytest.fixture(scope="module")
def state_db(postgres):
    """Meltano's system database, and so its state, in PostgreSQL."""
    database = postgres.create_database("meltano_system")
    yield database
    postgres.drop_database(database)


@pytest.fixture(scope="module")
def workspaces(server) -> dict[str, str]:
    return dict(zip(JOBS, server.workspace_ids, strict=True))


@pytest.fixture(scope="module")
def project(postgres, state_db, warehouse, server, workspaces, tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("team") / "project")
    add_workspace_extractors(root, workspaces)
    project = MeltanoProject.create(
        root,
        postgres.url(state_db),
        MELTANO_STATE_BACKEND_URI="systemdb",
        **clockify_env(server),
        **postgres.loader_env(warehouse),
    )
    project.meltano("install", "tap-clockify", "target-postgres")
    return project


@pytest.fixture(scope="module")
def runs(project, server, workspaces):
    """acme alone first (it creates the tables), then acme and globex at the same time."""
    acme, globex = JOBS
    project.meltano("run", acme, "target-postgres")
    edited = next(
        e for e in server.ground_truth("time_entries", workspaces[acme]) if e["timeInterval"]["end"]
    )
    server.dataset.update(
        "time_entries", workspaces[acme], edited["id"], description="edited between runs"
    )
    server.reset_requests()
    jobs = [project.popen("run", name, "target-postgres") for name in (acme, globex)]
    for job in jobs:
        _, stderr = job.communicate(timeout=600)
        assert job.returncode == 0, stderr[-4000:]
    return {"edited": edited["id"], "requests": list(server.requests)}


def test_each_job_keeps_its_own_state_in_postgresql(runs, postgres, state_db, workspaces):
    states = stored_states(postgres, state_db)
    assert set(states) == {state_id(name) for name in JOBS}
    for name, workspace_id in workspaces.items():
        partitions = time_entry_partitions(states[state_id(name)])
        assert set(partitions) == {workspace_id}
        assert partitions[workspace_id]["changes_since"]


def test_meltano_reads_the_same_state_back(runs, project, postgres, state_db):
    for name in JOBS:
        assert project.state(state_id(name)) == stored_states(postgres, state_db)[state_id(name)]


def test_the_second_job_of_a_workspace_reads_the_change_feed(runs, workspaces):
    acme, globex = (workspaces[name] for name in JOBS)
    paths = [r.path for r in runs["requests"]]
    assert any(f"/workspaces/{acme}/entities/" in path for path in paths)
    # globex's first sync reads its history, never acme's workspace.
    assert any(f"/workspaces/{globex}/user/" in path for path in paths)
    assert not any(f"/workspaces/{globex}/entities/" in path for path in paths)


def test_parallel_jobs_load_every_workspace_into_the_same_tables(runs, server, postgres, warehouse):
    with postgres.connect(warehouse) as connection:
        per_workspace = dict(
            query(
                connection,
                'SELECT "workspaceId", count(*) FROM tap_clockify.time_entries GROUP BY 1',
            )
        )
        ((description,),) = query(
            connection,
            "SELECT description FROM tap_clockify.time_entries WHERE id = %s",
            runs["edited"],
        )
    assert per_workspace == {
        workspace_id: len(server.ground_truth("time_entries", workspace_id))
        for workspace_id in server.workspace_ids
    }
    assert description == "edited between runs"
