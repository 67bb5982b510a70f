"""Convergence through Meltano into PostgreSQL: deletions of every kind leave the live rows.

A seeded random sequence of changes (tests/convergence.py) alternates with
``meltano run tap-clockify target-postgres`` with ``emit_activate_version_messages`` on;
after each successful run the rows without ``_sdc_deleted_at`` equal Clockify for every
stream, values included. One run fails midway: it must not flag any live object.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from psycopg import sql

from tests.conftest import API_KEY
from tests.convergence import STREAMS, Mutator, differences, identity, wait_for_next_second
from tests.e2e.conftest import ROOT, MeltanoProject, clockify_env
from tests.fake_clockify import FakeClockify, build_dataset
from tests.test_convergence import SPEC

SEED = 11
STEPS = 4
FAILING_STEP = 2
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def same(expected: Any, stored: Any) -> bool:
    """Equal values; times equal as instants (PostgreSQL prints them its own way)."""
    if isinstance(expected, str) and _TIME.match(expected) and isinstance(stored, str):
        return instant(expected) == instant(stored)
    return bool(expected == stored)


def keys_of(stream: str, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {identity(stream, row) for row in rows}


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@pytest.fixture
def clockify():
    with FakeClockify(build_dataset(SPEC), api_key=API_KEY) as server:
        server.feed_shape = "flat"
        yield server


def test_random_changes_converge_in_postgres(clockify, postgres, tmp_path):
    database = postgres.create_database("convergence")
    try:
        project = MeltanoProject.create(
            ROOT,
            f"sqlite:///{tmp_path / 'meltano.db'}",
            **clockify_env(clockify, emit_activate_version_messages=True, lookback_days=0),
            **postgres.loader_env(database),
        )
        project.meltano("install", "tap-clockify", "target-postgres")
        rng = random.Random(SEED)
        mutator = Mutator(clockify, rng)
        history = [f"seed {SEED}"]
        with postgres.connect(database) as connection:

            def live(stream: str) -> list[dict[str, Any]]:
                statement = sql.SQL(
                    "SELECT to_jsonb(t) FROM {} t WHERE _sdc_deleted_at IS NULL"
                ).format(sql.Identifier("tap_clockify", stream))
                return [row for (row,) in connection.execute(statement).fetchall()]

            project.meltano("run", "tap-clockify", "target-postgres")
            assert not differences(clockify, STREAMS, live, same)
            for step in range(STEPS):
                wait_for_next_second()
                history += mutator.step(4)
                wait_for_next_second()
                if step == FAILING_STEP:
                    # A wrong key for the last stream's endpoint: the run dies after the rest.
                    # No object live before it and still in Clockify may lose its row (what
                    # the steps added may still be missing: the run died before reading it).
                    before = {stream: keys_of(stream, live(stream)) for stream in STREAMS}
                    clockify.inject(401, times=1, path_contains="/shared-reports")
                    failed = project.meltano("run", "tap-clockify", "target-postgres", check=False)
                    assert failed.returncode != 0
                    lost = {
                        stream: sorted(
                            before[stream]
                            & keys_of(stream, clockify.ground_truth(stream))
                            - keys_of(stream, live(stream))
                        )[:3]
                        for stream in STREAMS
                    }
                    lost = {stream: keys for stream, keys in lost.items() if keys}
                    assert not lost, f"a failed run flagged live objects: {lost}"
                project.meltano("run", "tap-clockify", "target-postgres")
                history.append(f"meltano run {step}")
                problems = differences(clockify, STREAMS, live, same)
                assert not problems, "\n".join([*history, "differences:", *problems[:20]])
    finally:
        postgres.drop_database(database)
