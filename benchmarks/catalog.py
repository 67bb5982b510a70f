"""Requests a full-catalog sync costs, stream by stream: a first run, then an incremental one.

Three small workspaces with six years of history and ``start_date`` six years back, all 24
streams, against the fake server in two plan variants: ``paid`` (reports answer a year at
a time) and ``free`` (every workspace on the Free plan: reports refuse more than 31 days,
paid features answer 403). Between the runs a handful of changes. The
``members`` scenario has 58 members (20 per workspace, the key's owner in all three) and
about 21,000 entries, with 30 changes between the runs (``tests/fake_clockify/edits.py``).

    python benchmarks/catalog.py                       # small, both plans; table to stdout
    python benchmarks/catalog.py --scenarios members   # the larger workspaces
    python benchmarks/catalog.py --json F              # also the figures as JSON

Requests are counted by the server, grouped by endpoint (ids folded), so the table shows
where each request went.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset  # noqa: E402
from tests.fake_clockify.edits import edit  # noqa: E402

TAP = str(Path(sys.executable).with_name("tap-clockify"))
API_KEY = "benchmark-key"
YEARS = 6
PLANS = {"paid": 0, "free": 3}  # workspaces on the Free plan
_ID = re.compile(r"/[0-9a-f]{24}(?=/|$)")


def endpoint(path: str) -> str:
    """A request path with its ids folded, e.g. /workspaces/{id}/projects/{id}/tasks."""
    return _ID.sub("/{id}", path.split("/v1", 1)[-1])


def sync(server: FakeClockify, config: dict, state: dict | None) -> tuple[dict, Counter, Counter]:
    """Run the tap once; return its last state, records by stream, requests by endpoint."""
    server.reset_requests()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.json").write_text(json.dumps(config))
        command = [TAP, "--config", f"{tmp}/config.json"]
        if state is not None:
            (Path(tmp) / "state.json").write_text(json.dumps(state))
            command += ["--state", f"{tmp}/state.json"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    records: Counter = Counter()
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            records[message["stream"]] += 1
        elif message["type"] == "STATE":
            state = message["value"]
    requests = Counter(endpoint(request.path) for request in server.requests)
    return state or {}, records, requests


#: Data sets measured: three small workspaces with six years, and three larger ones.
SCENARIOS = {
    "small": (DatasetSpec(workspaces=3, history_days=YEARS * 365), 8),
    "members": (
        DatasetSpec(
            workspaces=3,
            users_per_workspace=20,
            shared_users=1,
            entries_per_user=350,
            history_days=YEARS * 365,
        ),
        30,
    ),
}


def measure(scenario: str, plan: str) -> dict:
    """First and incremental run of one scenario on one plan variant."""
    spec, changes = SCENARIOS[scenario]
    spec = dataclasses.replace(spec, free_plan_workspaces=PLANS[plan])
    start = datetime.now(timezone.utc) - timedelta(days=YEARS * 365)
    with FakeClockify(build_dataset(spec), api_key=API_KEY) as server:
        config = {
            "api_key": API_KEY,
            "api_url": server.api_url,
            "reports_url": server.reports_url,
            "start_date": start.strftime("%Y-%m-%dT00:00:00Z"),
            "requests_per_second": 1000,
        }
        state, first_records, first = sync(server, config, None)
        time.sleep(1.1)  # the feed is queried in whole seconds
        edit(server, changes)
        time.sleep(1.1)
        _, next_records, incremental = sync(server, config, state)
    return {
        "scenario": scenario,
        "plan": plan,
        "first": {"requests": dict(first), "records": dict(first_records)},
        "incremental": {"requests": dict(incremental), "records": dict(next_records)},
    }


def table(result: dict) -> str:
    first, incremental = result["first"]["requests"], result["incremental"]["requests"]
    rows = sorted(set(first) | set(incremental), key=lambda e: (-first.get(e, 0), e))
    lines = [
        f"scenario: {result['scenario']}, plan: {result['plan']}",
        f"{'endpoint':<52} {'first':>6} {'incr.':>6}",
        *(f"{e:<52} {first.get(e, 0):>6} {incremental.get(e, 0):>6}" for e in rows),
        f"{'requests':<52} {sum(first.values()):>6} {sum(incremental.values()):>6}",
        f"{'records':<52} {sum(result['first']['records'].values()):>6} "
        f"{sum(result['incremental']['records'].values()):>6}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--plans", nargs="+", default=list(PLANS), choices=list(PLANS))
    parser.add_argument("--scenarios", nargs="+", default=["small"], choices=list(SCENARIOS))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = [measure(scenario, plan) for scenario in args.scenarios for plan in args.plans]
    print("\n\n".join(table(result) for result in results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
