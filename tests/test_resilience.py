"""Faults, quotas, signals: every record exactly once, or a loud and resumable failure."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter

import pytest

from tap_clockify.client import ClockifyStream
from tap_clockify.errors import ClockifyError
from tap_clockify.quota import QUOTA_AFTER_429S, RESUME_KEY
from tap_clockify.streams import STREAM_TYPES
from tap_clockify.tap import TapClockify
from tests.conftest import API_KEY, TAP, parse_singer, run_tap, tap_config
from tests.fake_clockify import DatasetSpec

# Long runs under injected faults and signals: the full suite's, not the matrix's.
pytestmark = pytest.mark.slow


def assert_complete_and_unique(result, server):
    """Every stream holds as many records as the server, and no primary key twice."""
    for stream_type in STREAM_TYPES:
        records = result.records[stream_type.name]
        assert len(records) == len(server.ground_truth(stream_type.name)), stream_type.name
        keys = Counter(tuple(r[k] for k in stream_type.primary_keys) for r in records)
        assert max(keys.values()) == 1, stream_type.name


def test_a_sync_through_faults_delivers_every_record_exactly_once(tmp_path, make_server):
    server = make_server()
    server.fail_rate(rate=0.06, statuses=(500, 502, 503, 504), seed=3)
    server.drop_connections(times=3)
    server.truncate_bodies(times=2, path_contains="/time-entries")
    server.inject(status=429, times=4, path_contains="/users", retry_after=1)
    result = run_tap(tmp_path, tap_config(server, requests_per_second=50), timeout=600)

    assert result.returncode == 0, result.stderr[-3000:]
    statuses = Counter(r.status for r in server.requests)
    assert statuses[0] == 3, "dropped connections"
    assert statuses[429] == 4
    assert sum(statuses[code] for code in (500, 502, 503, 504)) >= 3, "random 5xx"
    assert_complete_and_unique(result, server)
    assert API_KEY not in result.stdout + result.stderr


def test_a_quota_wait_longer_than_minutes_stops_the_run_in_one_line(tmp_path, make_server):
    server = make_server()
    server.inject(status=429, times=1000, path_contains="/users", retry_after=3600)
    started = time.monotonic()
    result = run_tap(tmp_path, tap_config(server))
    assert time.monotonic() - started < 60
    assert result.returncode == 0  # see tap_clockify/quota.py: the next run continues
    stops = [line for line in result.stderr.splitlines() if "request quota ran out" in line]
    assert len(stops) == 1
    assert "Run again after" in stops[0]
    assert "Traceback" not in result.stderr
    assert "ERROR" not in result.stderr
    assert result.final_state["bookmarks"]["workspaces"][RESUME_KEY]


def test_endless_429s_stop_each_workspace_after_a_few(make_server, monkeypatch):
    monkeypatch.setattr(ClockifyStream, "backoff_base", 0.001)
    server = make_server()
    server.inject(status=429, times=1000, path_contains="/tags")
    tap = TapClockify(config=tap_config(server), parse_env_config=False)
    tap.sync_all()
    assert set(tap.run_state.quota_stops) == set(server.workspace_ids)
    refused = [r for r in server.requests if r.status == 429]
    assert len(refused) == QUOTA_AFTER_429S * len(server.workspace_ids)


@pytest.mark.parametrize(
    "body", ['{"timeentries": [{"id": 1', "<html><body>502 Bad Gateway</body></html>"]
)
def test_a_body_that_is_not_json_fails_in_one_line(tmp_path, make_server, body):
    server = make_server()
    server.inject(status=200, times=1, path_contains="/projects", body=body)
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 1
    assert "sent a body that is not JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_api_key_is_a_config_error(tmp_path, fake_clockify):
    result = run_tap(tmp_path, tap_config(fake_clockify, api_key=None))
    assert result.returncode == 1
    assert "api_key" in result.stderr


def interrupted_then_resumed(tmp_path, server, stop) -> tuple[dict, dict]:
    """Run the CLI, ``stop`` it midway through time entries, then resume from its last STATE."""
    config = tap_config(server)
    (tmp_path / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [TAP, "--config", str(tmp_path / "config.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines, entries = [], 0
    total = len(server.ground_truth("time_entries"))
    for line in process.stdout:
        lines.append(line)
        if line.startswith('{"type":"RECORD","stream":"time_entries"'):
            entries += 1
            if entries >= total // 2:
                stop(process)
                break
    lines.extend(process.stdout)  # whatever it still wrote while stopping
    if lines and not lines[-1].endswith("\n"):
        lines.pop()  # a line a killed writer did not finish: no target can read it either
    process.wait()
    process.stdout.close()
    before, _, states = parse_singer("".join(lines))
    resumed = run_tap(tmp_path, config, state=states[-1] if states else None)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    return before, resumed.records


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_stopped_sync_resumes_from_its_last_state_and_loses_nothing(tmp_path, make_server, how):
    server = make_server(DatasetSpec(workspaces=3, users_per_workspace=10, entries_per_user=80))
    server.latency = 0.005
    sig = signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL
    before, after = interrupted_then_resumed(tmp_path, server, lambda p: p.send_signal(sig))
    emitted = {r["id"] for r in before["time_entries"]} | {r["id"] for r in after["time_entries"]}
    assert emitted >= {e["id"] for e in server.ground_truth("time_entries")}
    assert max(Counter(r["id"] for r in after["time_entries"]).values()) == 1


def test_a_network_outage_fails_loudly_and_the_rerun_loses_nothing(
    tmp_path, make_server, monkeypatch, capsys
):
    monkeypatch.setattr(ClockifyStream, "backoff_base", 0.001)
    server = make_server(DatasetSpec(workspaces=2))
    second_workspace = server.workspace_ids[1]
    server.drop_connections(times=1000, path_contains=f"/workspaces/{second_workspace}/user/")
    config = tap_config(server)
    with pytest.raises(ClockifyError, match="Could not reach Clockify"):
        TapClockify(config=config, parse_env_config=False).sync_all()
    before, _, states = parse_singer(capsys.readouterr().out)

    server.clear_faults()  # the network is back
    resumed = run_tap(tmp_path, config, state=states[-1])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    emitted = {r["id"] for r in before["time_entries"]} | {
        r["id"] for r in resumed.records["time_entries"]
    }
    assert emitted >= {e["id"] for e in server.ground_truth("time_entries")}
