"""After any sequence of changes and syncs, some killed midway, every table equals Clockify.

Seeded random sequences rather than hypothesis: every step is a real run of the tap's CLI
against the fake server (about a second each), so a few dozen steps per feed shape are
what the suite can afford; fixed seeds make every run the same, and a failure prints the
steps that led to it. Mutations are dated relative to now, and the tap must converge
whatever the date: no assertion depends on the calendar.
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import tap_config
from tests.convergence import (
    STREAMS,
    Mutator,
    Warehouse,
    differences,
    run_tap_until,
    wait_for_next_second,
)
from tests.fake_clockify import DatasetSpec

#: Small, so a step takes about a second, yet with every stream populated.
SPEC = DatasetSpec(
    workspaces=2,
    users_per_workspace=4,
    shared_users=1,
    entries_per_user=12,
    projects=3,
    tasks_per_project=2,
    clients=3,
    tags=3,
    expenses_per_user=2,
    time_off_requests_per_user=2,
    approvals_per_user=1,
    assignments_per_user=1,
)
SEEDS = (1, 2, 3)
STEPS = 6
#: Runs are killed after this many lines of output at most (when a step kills one).
KILL_WITHIN_LINES = 600


@pytest.mark.slow
@pytest.mark.parametrize("feed_shape", ["wrapped", "flat", "bare"])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_changes_and_syncs_converge(tmp_path, make_server, feed_shape, seed):
    server = make_server(SPEC)
    server.feed_shape = feed_shape
    rng = random.Random(seed)
    mutator = Mutator(server, rng)
    config = tap_config(
        server, lookback_days=rng.choice([0, 7]), emit_activate_version_messages=True
    )
    warehouse = Warehouse()
    history: list[str] = [f"seed {seed}, feed {feed_shape}, lookback {config['lookback_days']}"]

    state = warehouse.load(run_tap_until(tmp_path, config, None)[0])
    for step in range(STEPS):
        wait_for_next_second()
        history += mutator.step(rng.randint(1, 4))
        wait_for_next_second()
        if rng.random() < 0.35:
            kill_after = rng.randint(1, KILL_WITHIN_LINES)
            lines, completed = run_tap_until(
                tmp_path, config, state, lambda lines, n=kill_after: len(lines) >= n
            )
            history.append(
                f"sync {step}, killed after {kill_after} lines"
                if not completed
                else f"sync {step}, done before its kill at line {kill_after}"
            )
            state = warehouse.load(lines) or state
            if not completed:
                wait_for_next_second()
                history += mutator.step(rng.randint(0, 2))
                wait_for_next_second()
        lines, _ = run_tap_until(tmp_path, config, state)
        history.append(f"sync {step}")
        state = warehouse.load(lines) or state
        problems = differences(server, STREAMS, warehouse.live)
        assert not problems, "\n".join(["after:", *history, "differences:", *problems[:20]])
