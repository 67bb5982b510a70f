"""Meltano end to end: ``meltano run tap-clockify target-jsonl`` against the fake server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(Path(sys.executable).with_name("meltano"))

# Minutes of Meltano installing and running plugins: the full suite's, not the matrix's.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def meltano_env(tmp_path_factory):
    """Meltano with its own system database, so tests never touch the project's state."""
    home = tmp_path_factory.mktemp("meltano")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_CLOCKIFY_")}
    env["MELTANO_DATABASE_URI"] = f"sqlite:///{home / 'meltano.db'}"
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    subprocess.run([MELTANO, "install"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def meltano_run(env, server, output: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **env,
        "TAP_CLOCKIFY_API_KEY": server.api_key,
        "TAP_CLOCKIFY_API_URL": server.api_url,
        "TAP_CLOCKIFY_REPORTS_URL": server.reports_url,
        "TAP_CLOCKIFY_START_DATE": "2020-01-01T00:00:00Z",
        "TAP_CLOCKIFY_REQUESTS_PER_SECOND": "1000",
        "TARGET_JSONL_DESTINATION_PATH": str(output),
    }
    return subprocess.run(
        [MELTANO, "run", *args, "tap-clockify", "target-jsonl"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_meltano_run_writes_every_stream(meltano_env, make_server, tmp_path):
    server = make_server()
    done = meltano_run(meltano_env, server, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    for stream in ("workspaces", "users", "projects", "tasks", "time_entries"):
        rows = read_jsonl(tmp_path / f"{stream}.jsonl")
        assert len(rows) == len(server.ground_truth(stream)), stream


def test_meltano_keeps_state_between_runs(meltano_env, make_server, tmp_path):
    server = make_server()
    first = meltano_run(meltano_env, server, tmp_path / "first", "--state-id-suffix", "state-test")
    assert first.returncode == 0, first.stderr[-3000:]
    server.reset_requests()
    second = meltano_run(
        meltano_env, server, tmp_path / "second", "--state-id-suffix", "state-test"
    )
    assert second.returncode == 0, second.stderr[-3000:]
    starts = {r.query["start"][0] for r in server.requests if r.path.endswith("/time-entries")}
    assert starts
    assert "2020-01-01T00:00:00Z" not in starts


def test_every_setting_can_come_from_its_environment_variable(meltano_env):
    env = {
        **meltano_env,
        "TAP_CLOCKIFY_API_KEY": "key",
        "TAP_CLOCKIFY_WORKSPACE_IDS": '["a", "b"]',
        "TAP_CLOCKIFY_START_DATE": "2024-01-01T00:00:00Z",
        "TAP_CLOCKIFY_REGION": "euc1",
        "TAP_CLOCKIFY_LOOKBACK_DAYS": "3",
        "TAP_CLOCKIFY_USE_CHANGE_FEED": "false",
        "TAP_CLOCKIFY_REQUESTS_PER_SECOND": "5",
    }
    done = subprocess.run(
        [MELTANO, "config", "print", "tap-clockify", "--format=json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    config = json.loads(done.stdout)
    assert config["workspace_ids"] == ["a", "b"]
    assert config["region"] == "euc1"
    assert config["lookback_days"] == 3
    assert config["use_change_feed"] is False
    assert config["requests_per_second"] == 5
