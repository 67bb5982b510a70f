"""The README's DuckDB and pandas recipe, run as written: hours per project as a DataFrame.

Meltano syncs the fake server into JSON Lines with target-jsonl, ``jsonl_to_duckdb.py``
loads them, and the README's Python block (read from README.md) queries the result.
A second sync after edits and deletions appends to the same files; the recipe follows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.e2e.conftest import ROOT, MeltanoProject, clockify_env

RECIPE_MARK = "<!-- duckdb-recipe"


def readme_recipe() -> str:
    after_mark = (ROOT / "README.md").read_text().split(RECIPE_MARK, 1)[1]
    return after_mark.split("```python\n", 1)[1].split("```", 1)[0]


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def expected_hours(server) -> list[tuple[str, str, float]]:
    workspaces = {w["id"]: w["name"] for w in server.ground_truth("workspaces")}
    projects = {(p["workspaceId"], p["id"]): p["name"] for p in server.ground_truth("projects")}
    seconds: dict[tuple[str, str], float] = defaultdict(float)
    for entry in server.ground_truth("time_entries"):
        interval = entry["timeInterval"]
        if interval["end"] and entry["projectId"]:
            span = parse(interval["end"]) - parse(interval["start"])
            seconds[entry["workspaceId"], entry["projectId"]] += span.total_seconds()
    return sorted(
        (workspaces[workspace_id], projects[workspace_id, project_id], total / 3600)
        for (workspace_id, project_id), total in seconds.items()
    )


def assert_hours_match(hours: pd.DataFrame, expected: list[tuple[str, str, float]]) -> None:
    assert list(hours.columns) == ["workspace", "project", "hours"]
    rows = sorted(hours.itertuples(index=False, name=None))
    assert [row[:2] for row in rows] == [row[:2] for row in expected]
    for (_, _, got), (_, _, want) in zip(rows, expected, strict=True):
        assert got == pytest.approx(want, abs=0.006)


@pytest.fixture(scope="module")
def workdir(server, tmp_path_factory):
    """A directory to follow the recipe in, and a Meltano project syncing into it."""
    workdir = tmp_path_factory.mktemp("recipe")
    project = MeltanoProject.create(
        ROOT,
        f"sqlite:///{workdir / 'meltano.db'}",
        TARGET_JSONL_DESTINATION_PATH=str(workdir / "output"),
        **clockify_env(server),
    )
    project.meltano("install", "tap-clockify", "target-jsonl")
    return workdir, project


def follow_recipe(workdir, project) -> pd.DataFrame:
    """Sync, load into DuckDB, run the README's block; return its ``hours``."""
    project.meltano("run", "tap-clockify", "target-jsonl")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "jsonl_to_duckdb.py")],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    return run_recipe(workdir)


def run_recipe(workdir: Path) -> pd.DataFrame:
    """Run the README's Python block in ``workdir``; return its ``hours``."""
    namespace: dict[str, object] = {}
    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        exec(compile(readme_recipe(), "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    hours = namespace["hours"]
    assert isinstance(hours, pd.DataFrame)
    return hours


@pytest.fixture(scope="module")
def first_hours(workdir, server):
    hours = follow_recipe(*workdir)
    return hours, expected_hours(server)


@pytest.fixture(scope="module")
def second_hours(first_hours, workdir, server):
    workspace_id = server.workspace_ids[0]
    finished = [
        e
        for e in server.ground_truth("time_entries", workspace_id)
        if e["timeInterval"]["end"] and e["projectId"]
    ]
    longer = finished[0]
    end = parse(longer["timeInterval"]["start"]) + timedelta(hours=5)
    server.dataset.update(
        "time_entries",
        workspace_id,
        longer["id"],
        timeInterval={"end": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": "PT5H"},
    )
    for entry in finished[1:4]:
        server.dataset.delete("time_entries", workspace_id, entry["id"])
    hours = follow_recipe(*workdir)
    return hours, expected_hours(server)


def test_recipe_gives_hours_per_project_as_a_dataframe(first_hours):
    assert_hours_match(*first_hours)


def test_recipe_follows_edits_and_deletions_across_syncs(second_hours, first_hours):
    assert_hours_match(*second_hours)
    assert second_hours[1] != first_hours[1]


def test_duckdb_holds_the_current_time_entries(second_hours, workdir, server):
    database = workdir[0] / "output" / "clockify.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        ((entries,),) = connection.sql("SELECT count(*) FROM time_entries").fetchall()
    assert entries == len(server.ground_truth("time_entries"))
