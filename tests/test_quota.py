"""A workspace limited to 30 requests an hour: successive runs finish a first sync, then keep up."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from tap_clockify import quota
from tap_clockify.run_state import RunState
from tap_clockify.throttle import Throttle
from tests.conftest import tap_config
from tests.convergence import STREAMS, Warehouse, differences, run_tap_until
from tests.fake_clockify import DatasetSpec

#: Small enough for a few runs, with every stream populated.
SPEC = DatasetSpec(
    workspaces=2,
    users_per_workspace=3,
    shared_users=1,
    entries_per_user=8,
    projects=3,
    tasks_per_project=2,
    clients=2,
    tags=2,
    invoices=3,
    time_off_policies=2,
    approvals_per_user=1,
)
QUOTA = 30
STOPPED = "Clockify's request quota ran out"


def runs_until_done(tmp_path, server, config, state, warehouse, limit=25):
    """Run the tap, an hour apart, until a run is not cut short; return the runs' requests."""
    per_run: list[Counter] = []
    for _ in range(limit):
        server.reset_requests()
        lines, completed = run_tap_until(tmp_path, config, state)
        assert completed
        state = warehouse.load(lines) or state
        per_run.append(Counter(r.path.split("/v1", 1)[-1] for r in server.requests))
        stderr = (tmp_path / "stderr.txt").read_text()
        stops = [line for line in stderr.splitlines() if STOPPED in line]
        assert len(stops) <= 1
        if not stops:
            return per_run, state
        assert "Run again " in stops[0]
        server.pass_hour()
    pytest.fail(f"no run finished within {limit} runs")


@pytest.mark.parametrize(
    "retry_after",
    # Without Retry-After each cut costs about 30 s of backing off before the tap takes
    # the 429s for a quota (see tap_clockify/quota.py).
    [True, pytest.param(False, marks=pytest.mark.slow)],
    ids=["Retry-After", "no Retry-After"],
)
def test_a_first_sync_finishes_over_runs_and_then_keeps_up(tmp_path, make_server, retry_after):
    server = make_server(SPEC)
    server.quota_retry_after = retry_after
    config = tap_config(server)
    # What a first sync costs without the quota, for comparison.
    unlimited = make_server(SPEC)
    baseline, _ = runs_until_done(tmp_path, unlimited, tap_config(unlimited), None, Warehouse())

    server.hourly_quota = QUOTA
    warehouse = Warehouse()
    per_run, state = runs_until_done(tmp_path, server, config, None, warehouse)
    assert len(per_run) > 1, "the quota never cut a run short"
    assert not differences(server, STREAMS, warehouse.live)
    answered = [sum(n for n in run.values()) for run in per_run]
    # Each cut-short run re-reads at most the part it was cut in: the whole first sync
    # costs the baseline plus a little per run (the workspaces list, the refused 429s,
    # the partition re-read), not a restart from scratch each time.
    print(f"first sync: {answered} requests; {sum(baseline[0].values())} without the quota")
    assert sum(answered) <= sum(baseline[0].values()) + 12 * len(per_run), answered

    # Keeping up: after a change, the next run finishes within the quota.
    server.pass_hour()
    entry = server.ground_truth("time_entries")[0]
    server.dataset.update("time_entries", entry["workspaceId"], entry["id"], description="kept")
    next_runs, _ = runs_until_done(tmp_path, server, config, state, warehouse)
    print(f"then: {[sum(run.values()) for run in next_runs]} requests")
    assert len(next_runs) <= 2
    assert not differences(server, STREAMS, warehouse.live)


def test_runs_starting_in_the_same_second_belong_to_different_cycles(monkeypatch):
    """A run must not take the previous run's finished partitions for its own."""
    frozen = datetime(2026, 1, 5, 12, 0, 0, tzinfo=timezone.utc)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen

    monkeypatch.setattr(quota, "datetime", Clock)
    first, second = RunState(Throttle(1.0)), RunState(Throttle(1.0))
    quota.begin_cycle({}, first)
    quota.begin_cycle({}, second)
    assert first.cycle != second.cycle
    resumed = RunState(Throttle(1.0))
    quota.begin_cycle({quota.RESUME_KEY: first.cycle}, resumed)
    assert resumed.cycle == first.cycle
