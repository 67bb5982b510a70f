"""``make sync`` on a fresh project: the demo server into JSON Lines and a DuckDB file, readably.

Runs ``scripts/sync.py`` (what ``make sync`` runs) in a copy of the project, then the
README's DuckDB and pandas block right after it, with no other command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tap_clockify.streams import STREAM_TYPES
from tests.e2e.conftest import ROOT, copy_project
from tests.e2e.test_duckdb_recipe import run_recipe

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> tuple[Path, str]:
    project = copy_project(tmp_path_factory.mktemp("make_sync") / "project")
    shutil.copytree(ROOT / "tests" / "fake_clockify", project / "tests" / "fake_clockify")
    (project / "tests" / "__init__.py").touch()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TAP_CLOCKIFY_", "TARGET_", "MELTANO_", "SINGER_SDK_"))
    }
    env.update(
        MELTANO_DATABASE_URI=f"sqlite:///{project / 'meltano.db'}",
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TAP_CLOCKIFY_REQUESTS_PER_SECOND="1000",
    )
    done = subprocess.run(
        [sys.executable, str(project / "scripts" / "sync.py")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    console = done.stdout + done.stderr
    assert done.returncode == 0, console[-4000:]
    return project, console


def test_make_sync_leaves_a_duckdb_file_the_readme_recipe_reads(synced):
    project, _ = synced
    assert (project / "output" / "clockify.duckdb").exists()
    assert len(run_recipe(project)) > 0


def test_make_sync_shows_a_summary_per_stream_and_no_request_metrics(synced):
    _, console = synced
    assert "METRIC" not in console
    assert "not resumable" not in console
    for stream in STREAM_TYPES:
        assert f"{stream.name}: done, " in console, stream.name
