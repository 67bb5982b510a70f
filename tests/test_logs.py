"""What a person watching a sync reads: a summary per stream, progress now and then, no noise."""

from __future__ import annotations

import logging

from tap_clockify import progress
from tap_clockify.progress import Progress
from tap_clockify.run_state import RunState
from tap_clockify.streams import STREAM_TYPES
from tap_clockify.throttle import Throttle
from tests.conftest import run_tap, tap_config

#: The version line and "Skipping parse of env var settings...".
HEADER_LINES = 2


def log_lines(stderr: str) -> list[str]:
    """Logged lines, less the SDK's warning that Python 3.10 is past its end of life."""
    return [
        line
        for line in stderr.splitlines()
        if line.startswith("20") and "EOLWarning" not in line  # timestamped: one per log call
    ]


def test_a_default_sync_logs_one_summary_per_stream_and_no_noise(full_sync):
    lines = log_lines(full_sync.stderr)
    assert len(lines) <= HEADER_LINES + len(STREAM_TYPES), "\n".join(lines)
    for stream in STREAM_TYPES:
        (summary,) = [line for line in lines if f"| {stream.name}: done, " in line]
        assert " records" in summary
        assert " requests" in summary
    assert "METRIC" not in full_sync.stderr
    assert "not resumable" not in full_sync.stderr
    assert not [line for line in lines if "WARNING" in line]


def test_per_request_metrics_come_back_with_a_logging_config(tmp_path, fake_clockify, monkeypatch):
    config = tmp_path / "logging.yml"
    config.write_text(
        "version: 1\n"
        "disable_existing_loggers: false\n"
        "loggers:\n"
        "  singer_sdk.metrics:\n"
        "    level: INFO\n"
    )
    monkeypatch.setenv("SINGER_SDK_LOG_CONFIG", str(config))
    result = run_tap(
        tmp_path, tap_config(fake_clockify, workspace_ids=fake_clockify.workspace_ids[:1])
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"metric":"http_request_duration"' in result.stderr


def test_progress_lines_come_at_the_interval_and_name_the_workspace(caplog, monkeypatch):
    run = RunState(Throttle(1000.0), workspace_ids=["w1", "w2", "w3"])
    meter = Progress("time_entries", logging.getLogger("test.progress"), run)
    caplog.set_level(logging.INFO, logger="test.progress")
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    meter.request(throttled=0.25)
    for n in range(256):  # the clock is looked at every 256 records
        meter.record("w1" if n < 100 else "w2")
    meter.retry(4.0)
    meter.finish()
    messages = [record.getMessage() for record in caplog.records]
    assert messages[-2] == (
        "time_entries: 256 records so far, workspace 2 of 3, 1 requests (0.2 s throttled), 0 s"
    )
    assert messages[-1] == (
        "time_entries: done, 256 records from 2 workspaces in 1 requests "
        "(0.2 s throttled, 4.0 s waiting to retry)"
    )
    meter.finish()
    assert len(caplog.records) == len(messages), "the summary comes once"


def test_debug_level_shows_everything(tmp_path, fake_clockify, monkeypatch):
    monkeypatch.setenv("LOGLEVEL", "DEBUG")  # run_tap drops TAP_CLOCKIFY_*; the SDK reads both
    one_workspace = fake_clockify.workspace_ids[:1]
    result = run_tap(tmp_path, tap_config(fake_clockify, workspace_ids=one_workspace))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "METRIC" in result.stderr
    assert "Beginning sync of 'users'" in result.stderr
