"""HTTP behaviour: retries, Retry-After, page-size caps, one-line errors, no leaked key."""

from __future__ import annotations

import pytest
import requests

from tap_clockify import __version__
from tap_clockify.client import ClockifyStream
from tap_clockify.errors import ClockifyError
from tap_clockify.tap import TapClockify
from tap_clockify.transport import retry_after_seconds
from tests.conftest import API_KEY, run_tap, tap_config


def failed(status: int, **headers: str) -> Exception:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    error = Exception("failed")
    error.response = response  # type: ignore[attr-defined]
    return error


def test_retry_after_seconds_is_read_from_the_response():
    assert retry_after_seconds(failed(429, **{"Retry-After": "7"})) == 7
    assert retry_after_seconds(failed(429)) is None
    assert retry_after_seconds(Exception("no response")) is None


def test_backoff_honours_retry_after_and_doubles_otherwise(fake_clockify):
    stream = TapClockify(config=tap_config(fake_clockify), parse_env_config=False).streams["tags"]
    waits = stream._wait_times()
    next(waits)
    assert waits.send(failed(503)) == ClockifyStream.backoff_base
    assert waits.send(failed(503)) == ClockifyStream.backoff_base * 2
    assert waits.send(failed(429, **{"Retry-After": "3"})) == 3
    assert waits.send(failed(503)) == ClockifyStream.backoff_base * 8


def test_user_agent_names_the_tap_and_its_version(fake_clockify):
    stream = TapClockify(config=tap_config(fake_clockify), parse_env_config=False).streams["tags"]
    request = stream.build_prepared_request(method="GET", url=fake_clockify.api_url + "/user")
    assert request.headers["User-Agent"] == f"tap-clockify/{__version__}"


def test_transient_errors_are_retried_and_nothing_is_lost(tmp_path, make_server):
    server = make_server()
    server.inject(status=503, times=2, path_contains="/tags")
    server.inject(status=429, times=1, path_contains="/clients", retry_after=1)
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records["tags"]) == len(server.ground_truth("tags"))
    assert len(result.records["clients"]) == len(server.ground_truth("clients"))
    statuses = [r.status for r in server.requests if r.path.endswith("/tags")]
    assert statuses.count(503) == 2
    assert "Retrying" in result.stderr


def test_dropped_connections_are_retried(tmp_path, make_server):
    server = make_server()
    server.drop_connections(times=1, path_contains="/projects")
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records["projects"]) == len(server.ground_truth("projects"))


def test_giving_up_names_the_endpoint_and_status(make_server, monkeypatch, capsys):
    monkeypatch.setattr(ClockifyStream, "backoff_base", 0.001)
    server = make_server()
    server.inject(status=502, times=1000, path_contains="/tags")
    tap = TapClockify(config=tap_config(server), parse_env_config=False)
    with pytest.raises(ClockifyError, match=r"Giving up after \d+ tries: HTTP 502 from /api/v1/"):
        tap.sync_all()
    assert API_KEY not in capsys.readouterr().out


def test_page_size_cap_is_learned_once_per_endpoint(tmp_path, make_server):
    server = make_server()
    server.page_size_caps["/workspaces/{workspaceId}/user/{userId}/time-entries"] = 1000
    result = run_tap(tmp_path, tap_config(server))
    assert result.returncode == 0, result.stderr[-2000:]
    entries = [r for r in server.requests if r.path.endswith("/time-entries")]
    assert [r.status for r in entries].count(400) == 1
    assert len(result.records["time_entries"]) == len(server.ground_truth("time_entries"))


@pytest.mark.parametrize(
    ("setup", "config_change", "message"),
    [
        (None, {"api_key": "wrong-key-123"}, "Clockify rejected the API key (HTTP 401"),
        (None, {"workspace_ids": ["0123456789abcdef01234567"]}, "0123456789abcdef01234567"),
        ({"status": 403}, {}, "Access denied (HTTP 403"),
        ({"status": 404}, {}, "Not found (HTTP 404"),
        ({"status": 200, "body": "<html>Bad gateway</html>"}, {}, "not JSON"),
        ({"status": 200, "body": '{"unexpected": true}'}, {}, "Unexpected response shape"),
    ],
)
def test_errors_end_the_run_with_one_clear_line(
    tmp_path, make_server, setup, config_change, message
):
    server = make_server()
    if setup:
        server.inject(times=1, path_contains="/tags", **setup)
    result = run_tap(tmp_path, tap_config(server, **config_change))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert API_KEY not in result.stderr + result.stdout
    assert "wrong-key-123" not in result.stderr + result.stdout


def test_api_key_never_appears_in_a_full_sync(full_sync):
    assert API_KEY not in full_sync.stdout
    assert API_KEY not in full_sync.stderr
