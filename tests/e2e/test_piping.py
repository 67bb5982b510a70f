"""The README's pipe: ``tap-clockify --config config.json | target-jsonl``, state and all."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.conftest import TAP, tap_config
from tests.e2e.conftest import ROOT, MeltanoProject, catalog_keys

TARGET_JSONL = ROOT / ".meltano" / "loaders" / "target-jsonl" / "venv" / "bin" / "target-jsonl"


@pytest.fixture(scope="module")
def target_jsonl(tmp_path_factory) -> str:
    """target-jsonl where the README says `make sync` installs it."""
    home = tmp_path_factory.mktemp("meltano_pipe")
    MeltanoProject.create(ROOT, f"sqlite:///{home / 'meltano.db'}").meltano(
        "install", "target-jsonl"
    )
    return str(TARGET_JSONL)


def pipe(workdir, target: str, state_file: str | None = None) -> dict[str, Any]:
    """Run the shell pipeline in ``workdir``; return the state the target printed."""
    state = f" --state {state_file}" if state_file else ""
    command = f"{TAP} --config config.json{state} | {target} > state-out.json"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((workdir / "state-out.json").read_text().splitlines()[-1])


def lines(workdir, stream: str) -> list[dict[str, Any]]:
    """Every record written for ``stream``, oldest first (one timestamped file per run)."""
    files = sorted(workdir.glob(f"{stream}-*.jsonl"))
    return [json.loads(line) for path in files for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def first_pipe(target_jsonl, server, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("pipe")
    (workdir / "config.json").write_text(json.dumps(tap_config(server)))
    state = pipe(workdir, target_jsonl)
    counts = {stream: len(lines(workdir, stream)) for stream in catalog_keys()}
    return workdir, state, counts


def test_piping_into_target_jsonl_writes_every_record(first_pipe, server):
    _, state, counts = first_pipe
    assert counts == {stream: len(server.ground_truth(stream)) for stream in catalog_keys()}
    assert set(state["bookmarks"]) >= {"time_entries", "projects"}


def test_the_printed_state_makes_the_next_pipe_incremental(first_pipe, target_jsonl, server):
    workdir, state, counts = first_pipe
    workspace_id = server.workspace_ids[0]
    entries = [
        e for e in server.ground_truth("time_entries", workspace_id) if e["timeInterval"]["end"]
    ]
    server.dataset.update("time_entries", workspace_id, entries[0]["id"], description="piped edit")
    server.dataset.delete("time_entries", workspace_id, entries[1]["id"])
    (workdir / "state.json").write_text(json.dumps(state))

    pipe(workdir, target_jsonl, "state.json")

    appended = lines(workdir, "time_entries")[counts["time_entries"] :]
    by_id = {record["id"]: record for record in appended}
    assert by_id[entries[0]["id"]]["description"] == "piped edit"
    assert by_id[entries[1]["id"]]["_sdc_deleted_at"]
    assert len(appended) < counts["time_entries"] / 10  # the changes, not the history again
