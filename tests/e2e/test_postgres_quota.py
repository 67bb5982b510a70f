"""Through Meltano into PostgreSQL on workspaces limited to 30 requests an hour.

Scheduled runs (``meltano run tap-clockify target-postgres``, Meltano keeping the state)
finish a first sync of every stream over several hours, each run continuing where the
last one stopped, and then keep up; after the last run every table equals Clockify, each
object once.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from tests.conftest import API_KEY
from tests.convergence import KEYS, STREAMS, differences, wait_for_next_second
from tests.e2e.conftest import ROOT, MeltanoProject, clockify_env
from tests.e2e.test_postgres_convergence import same
from tests.fake_clockify import FakeClockify, build_dataset
from tests.test_quota import QUOTA, SPEC, STOPPED

RUNS_AT_MOST = 6


def scheduled_runs(project: MeltanoProject, clockify: FakeClockify) -> list[int]:
    """Run the pipeline an hour apart until a run is not cut short; requests per run."""
    requests = []
    for _ in range(RUNS_AT_MOST):
        clockify.reset_requests()
        done = project.meltano("run", "tap-clockify", "target-postgres")
        requests.append(len(clockify.requests))
        if STOPPED not in done.stdout + done.stderr:
            return requests
        clockify.pass_hour()
    raise AssertionError(f"no run finished within {RUNS_AT_MOST} runs: {requests}")


def test_a_quota_limited_first_sync_finishes_in_postgres(postgres, tmp_path):
    database = postgres.create_database("quota")
    try:
        with FakeClockify(build_dataset(SPEC), api_key=API_KEY) as clockify:
            clockify.hourly_quota = QUOTA
            project = MeltanoProject.create(
                ROOT,
                f"sqlite:///{tmp_path / 'meltano.db'}",
                **clockify_env(clockify),
                **postgres.loader_env(database),
            )
            project.meltano("install", "tap-clockify", "target-postgres")
            with postgres.connect(database) as connection:

                def rows(stream: str, live_only: bool = True) -> list[dict[str, Any]]:
                    where = " WHERE _sdc_deleted_at IS NULL" if live_only else ""
                    statement = sql.SQL("SELECT to_jsonb(t) FROM {} t" + where).format(
                        sql.Identifier("tap_clockify", stream)
                    )
                    return [row for (row,) in connection.execute(statement).fetchall()]

                first = scheduled_runs(project, clockify)
                print(f"first sync: {first} requests")
                assert len(first) > 1, "the quota never cut a run short"
                assert not differences(clockify, STREAMS, rows, same)

                wait_for_next_second()
                entry = clockify.ground_truth("time_entries")[0]
                clockify.dataset.update(
                    "time_entries", entry["workspaceId"], entry["id"], description="kept up"
                )
                wait_for_next_second()
                clockify.pass_hour()
                later = scheduled_runs(project, clockify)
                print(f"then: {later} requests")
                assert not differences(clockify, STREAMS, rows, same)
                for stream in STREAMS:  # each object once, whatever the runs re-read
                    keys = [tuple(r[k] for k in KEYS[stream]) for r in rows(stream, False)]
                    assert len(keys) == len(set(keys)), stream
    finally:
        postgres.drop_database(database)
