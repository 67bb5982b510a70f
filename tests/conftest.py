"""Shared fixtures: a fake Clockify server over real HTTP, and the tap's CLI run against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TAP = str(Path(sys.executable).with_name("tap-clockify"))
API_KEY = "test-key-7f3a9c1e5b"
#: Just before every generated entry (the default dataset spans 400 days), so a sync reads
#: the whole history without walking years of empty report months.
START_DATE = (datetime.now(timezone.utc) - timedelta(days=410)).strftime("%Y-%m-%dT00:00:00Z")


@dataclass
class SyncResult:
    """What one run of the tap printed, parsed."""

    returncode: int
    stdout: str
    stderr: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    #: The HTTP requests the fake server received during the run, when captured.
    requests: list[Any] = field(default_factory=list)

    @property
    def final_state(self) -> dict[str, Any]:
        return self.states[-1] if self.states else {}


def parse_singer(stdout: str) -> tuple[dict, dict, list]:
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    schemas: dict[str, dict[str, Any]] = {}
    states: list[dict[str, Any]] = []
    # Singer messages end at "\n" only: str.splitlines would also cut at characters a
    # JSON string may hold raw (U+2028, U+0085, form feeds, …).
    for line in filter(None, stdout.split("\n")):
        message = json.loads(line)
        if message["type"] == "RECORD":
            records[message["stream"]].append(message["record"])
        elif message["type"] == "SCHEMA":
            schemas[message["stream"]] = message
        elif message["type"] == "STATE":
            states.append(message["value"])
    return records, schemas, states


def tap_config(server: FakeClockify, **overrides: Any) -> dict[str, Any]:
    config = {
        "api_key": server.api_key,
        "api_url": server.api_url,
        "reports_url": server.reports_url,
        "start_date": START_DATE,
        "requests_per_second": 1000,
    }
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


def run_tap(
    tmp_path: Path,
    config: dict[str, Any],
    *args: str,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    timeout: float = 120,
    tap: str = TAP,
) -> SyncResult:
    """Run the real ``tap-clockify`` CLI in a subprocess and parse what it prints."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    command = [tap, "--config", str(config_path), *args]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        command += ["--state", str(tmp_path / "state.json")]
    if catalog is not None:
        (tmp_path / "catalog.json").write_text(json.dumps(catalog))
        command += ["--catalog", str(tmp_path / "catalog.json")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_CLOCKIFY_")}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    result = SyncResult(done.returncode, done.stdout, done.stderr)
    # Every scenario doubles as a secrets check: the key must never be printed.
    secret = config.get("api_key") or ""
    assert len(secret) < 8 or secret not in done.stdout + done.stderr, "API key leaked"
    if not args:
        result.records, result.schemas, result.states = parse_singer(done.stdout)
    return result


def catalog_selecting(tmp_path: Path, config: dict[str, Any], *streams: str) -> dict[str, Any]:
    """Discover the catalog and select only ``streams`` (parents are still read as needed)."""
    catalog = json.loads(run_tap(tmp_path, config, "--discover").stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


@pytest.fixture(scope="session")
def fake_clockify() -> Iterator[FakeClockify]:
    """The default dataset, shared read-only by every test that does not change it."""
    with FakeClockify(build_dataset(DatasetSpec()), api_key=API_KEY) as server:
        yield server


@pytest.fixture
def make_server() -> Iterator[Callable[..., FakeClockify]]:
    """Start a private fake Clockify with a custom dataset or behaviour."""
    servers: list[FakeClockify] = []

    def start(spec: DatasetSpec | None = None, **options: Any) -> FakeClockify:
        server = FakeClockify(build_dataset(spec or DatasetSpec()), api_key=API_KEY, **options)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def full_sync(fake_clockify: FakeClockify, tmp_path_factory: pytest.TempPathFactory) -> SyncResult:
    """One complete sync of the default dataset, inspected by many tests."""
    fake_clockify.reset_requests()
    result = run_tap(tmp_path_factory.mktemp("full_sync"), tap_config(fake_clockify))
    assert result.returncode == 0, result.stderr[-3000:]
    result.requests = list(fake_clockify.requests)
    return result
