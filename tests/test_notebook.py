"""The notebook API (tap_clockify.notebook): Clockify into DuckDB in-process, against the fake.

The README's "In a notebook" block runs as written; reads after edits and deletions, after
a read that failed midway, and of two accounts sharing a file leave every table equal to
the fake's ground truth; the interpreter is left as it was.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_clockify.duckdb_loader import DuckDBLoader
from tap_clockify.errors import ClockifyError
from tap_clockify.notebook import Source
from tests.conftest import run_tap, tap_config
from tests.convergence import STREAMS, Mutator, differences, wait_for_next_second
from tests.fake_clockify import DatasetSpec
from tests.test_convergence import SEEDS, SPEC, STEPS

ROOT = Path(__file__).resolve().parent.parent
RECIPE_MARK = "<!-- notebook-recipe"


def readme_block() -> str:
    after_mark = (ROOT / "README.md").read_text().split(RECIPE_MARK, 1)[1]
    return after_mark.split("```python\n", 1)[1].split("```", 1)[0]


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def same(expected: Any, stored: Any) -> bool:
    """Equal values as DuckDB returns them: times as instants, decimals as numbers,
    STRUCTs as dicts (with nulls for absent fields), JSON as text."""
    if isinstance(stored, str) and expected is not None and expected != stored:
        try:  # a JSON column's text
            return same(expected, json.loads(stored))
        except ValueError:
            return False
    if isinstance(stored, datetime) and isinstance(expected, str):
        return instant(expected) == stored
    if isinstance(stored, date) and isinstance(expected, str):
        return stored.isoformat() == expected[:10]
    if isinstance(stored, Decimal) and isinstance(expected, (int, float)):
        return abs(float(stored) - expected) <= 1e-9 * max(1.0, abs(expected))
    if isinstance(expected, dict) and isinstance(stored, dict):
        return all(same(value, stored.get(name)) for name, value in expected.items())
    if isinstance(expected, list) and isinstance(stored, list):
        return len(expected) == len(stored) and all(map(same, expected, stored))
    return bool(expected == stored)


def live_rows(database: Path | str):
    """``live(stream)`` for tests.convergence.differences: the table's current rows."""

    def live(stream: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(database), read_only=True) as connection:
            tables = {row[0] for row in connection.sql("SHOW TABLES").fetchall()}
            if stream not in tables:
                return []
            relation = connection.sql(f'SELECT * FROM "{stream}" WHERE _sdc_deleted_at IS NULL')
            names = relation.columns
            return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]

    return live


def assert_converged(server, database) -> None:
    problems = differences(server, STREAMS, live_rows(database), same)
    assert not problems, "\n".join(problems[:20])


def edit_and_delete(server) -> None:
    """Edit, add and delete time entries; delete an object of a full-table stream."""
    workspace_id = server.workspace_ids[0]
    entries = server.ground_truth("time_entries", workspace_id)
    server.dataset.update("time_entries", workspace_id, entries[0]["id"], description="edited")
    template = {k: v for k, v in entries[1].items() if k != "id"}
    server.dataset.add("time_entries", workspace_id, {**template, "description": "added"})
    server.dataset.delete("time_entries", workspace_id, entries[2]["id"])
    holiday = server.ground_truth("holidays", workspace_id)[0]
    server.dataset.delete("holidays", workspace_id, holiday["id"])
    project = server.ground_truth("projects", workspace_id)[0]
    server.dataset.update("projects", workspace_id, project["id"], note="a new note")


# --------------------------------------------------------------------------- (a) README


def test_readme_recipe_runs_as_written(make_server, tmp_path, monkeypatch):
    server = make_server(SPEC)
    for name in list(os.environ):
        if name.startswith("TAP_CLOCKIFY_"):
            monkeypatch.delenv(name)
    for name, value in tap_config(server).items():
        monkeypatch.setenv(f"TAP_CLOCKIFY_{name.upper()}", str(value))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(readme_block(), "README.md", "exec"), namespace)
    assert (tmp_path / "clockify.duckdb").exists()
    entries = namespace["entries"]
    assert len(entries) == len(server.ground_truth("time_entries"))
    assert "_sdc_source" not in entries.columns
    assert set(namespace["result"].counts) == {"workspaces", "projects", "time_entries"}


# --------------------------------------------------------------------------- (b) convergence


@pytest.mark.parametrize("deletions", ["remove", "flag"])
def test_second_read_after_edits_and_deletions_converges(make_server, tmp_path, deletions):
    server = make_server(SPEC)
    database = tmp_path / "clockify.duckdb"
    source = Source(tap_config(server))
    first = source.read(database, deletions=deletions)
    assert first.counts["time_entries"].inserted == len(server.ground_truth("time_entries"))
    assert_converged(server, database)
    wait_for_next_second()
    edit_and_delete(server)
    wait_for_next_second()
    second = source.read(database, deletions=deletions)
    assert_converged(server, database)
    counts = second.counts
    assert counts["time_entries"].inserted == 1
    assert counts["time_entries"].updated >= 1
    assert counts["time_entries"].deleted == 1
    assert counts["holidays"].deleted == 1
    assert counts["projects"].updated == 1
    assert counts["users"].updated == 0  # re-read in full, unchanged
    with duckdb.connect(str(database), read_only=True) as connection:
        ((flagged,),) = connection.sql(
            "SELECT count(*) FROM holidays WHERE _sdc_deleted_at IS NOT NULL"
        ).fetchall()
        types = dict(
            connection.sql(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'expenses'"
            ).fetchall()
        )
    assert flagged == (1 if deletions == "flag" else 0)
    assert types["total"] == "DECIMAL(38,9)"
    assert types["date"] in ("DATE", "TIMESTAMP WITH TIME ZONE", "VARCHAR")


#: Reads are interrupted after this many messages at most: an incremental read of the
#: convergence dataset writes about a hundred (a schema per stream, states, changes).
INTERRUPT_WITHIN = 150


class Interrupted(KeyboardInterrupt):
    """What a notebook's stop button raises, here after a set number of Singer messages."""


def interrupt_after(monkeypatch, messages: int) -> None:
    """Make the next read stop with ``Interrupted`` after this many messages reach the file."""
    write = DuckDBLoader.write_message
    seen = [0]

    def counting(loader: DuckDBLoader, message: Any) -> None:
        seen[0] += 1
        if seen[0] > messages:
            raise Interrupted
        write(loader, message)

    monkeypatch.setattr(DuckDBLoader, "write_message", counting)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "feed_shape", "deletions"),
    list(zip(SEEDS, ["wrapped", "flat", "bare"], ["remove", "flag", "remove"], strict=True)),
)
def test_random_changes_and_interrupted_reads_converge_through_the_api(
    make_server, tmp_path, monkeypatch, seed, feed_shape, deletions
):
    """tests/test_convergence.py's sequences, read through the API; kills are interrupts.

    The same seeds, steps and changes, each seed with one of the feed shapes (all nine
    pairs would take seven minutes); where a CLI run is killed, a read here is
    interrupted after some Singer messages (KeyboardInterrupt, as a notebook's stop
    button raises), at least once per sequence, and the file keeps only what was
    committed.
    """
    server = make_server(SPEC)
    server.feed_shape = feed_shape
    rng = random.Random(seed)
    mutator = Mutator(server, rng)
    database = tmp_path / "clockify.duckdb"
    source = Source(tap_config(server, lookback_days=rng.choice([0, 7])))
    source.read(database, deletions=deletions)
    history = [f"seed {seed}, feed {feed_shape}, deletions {deletions}"]
    for step in range(STEPS):
        wait_for_next_second()
        history += mutator.step(rng.randint(1, 4))
        wait_for_next_second()
        if step == 0 or rng.random() < 0.35:
            kill_after = rng.randint(1, INTERRUPT_WITHIN)
            with monkeypatch.context() as patch:
                interrupt_after(patch, kill_after)
                try:
                    source.read(database, deletions=deletions)
                    history.append(f"read {step}, done before its interrupt at {kill_after}")
                except Interrupted:
                    history.append(f"read {step}, interrupted after {kill_after} messages")
                    wait_for_next_second()
                    history += mutator.step(rng.randint(0, 2))
                    wait_for_next_second()
        source.read(database, deletions=deletions)
        history.append(f"read {step}")
        problems = differences(server, STREAMS, live_rows(database), same)
        assert not problems, "\n".join([*history, "differences:", *problems[:20]])
    assert any("interrupted" in line for line in history), history


# --------------------------------------------------------------------------- (c) failure


def test_a_read_failing_midway_leaves_the_file_consistent_and_the_next_resumes(
    make_server, tmp_path
):
    server = make_server(SPEC)
    database = tmp_path / "clockify.duckdb"
    source = Source(tap_config(server))
    source.read(database)
    wait_for_next_second()
    edit_and_delete(server)
    wait_for_next_second()
    server.inject(status=401, times=1, path_contains="/shared-reports")
    with pytest.raises(ClockifyError) as failure:
        source.read(database)
    message = str(failure.value)
    assert message.startswith("Clockify rejected the API key (HTTP 401 from ")
    assert "\n" not in message
    with duckdb.connect(str(database), read_only=True) as connection:
        ((states,),) = connection.sql("SELECT count(*) FROM _sdc_state").fetchall()
        ((entries,),) = connection.sql("SELECT count(*) FROM time_entries").fetchall()
    assert states == 1
    assert entries > 0
    source.read(database)
    assert_converged(server, database)


def test_a_first_read_failing_midway_is_resumed(make_server, tmp_path):
    server = make_server(SPEC)
    database = tmp_path / "clockify.duckdb"
    source = Source(tap_config(server))
    server.inject(status=401, times=1, path_contains="/shared-reports")
    with pytest.raises(ClockifyError):
        source.read(database)
    source.read(database)
    assert_converged(server, database)


# --------------------------------------------------------------------------- (d) two sources


def test_two_accounts_in_one_file_keep_their_own_state_and_rows(make_server, tmp_path):
    one = make_server(SPEC)
    other = make_server(DatasetSpec(**{**SPEC.__dict__, "seed": 8}))
    assert not set(one.workspace_ids) & set(other.workspace_ids)
    database = tmp_path / "clockify.duckdb"
    first, second = Source(tap_config(one)), Source(tap_config(other))
    assert first.source_key() != second.source_key()
    first.read(database)
    second.read(database)
    with duckdb.connect(str(database), read_only=True) as connection:
        keys = {row[0] for row in connection.sql("SELECT source FROM _sdc_state").fetchall()}
    assert keys == {first.source_key(), second.source_key()}
    wait_for_next_second()
    edit_and_delete(one)
    wait_for_next_second()
    again = first.read(database)
    assert again.counts["time_entries"].inserted == 1  # incremental: its own state
    assert_converged(one, database)
    assert_converged(other, database)  # the other account's rows were not deactivated
    assert second.read(database).counts["users"].inserted == 0


# --------------------------------------------------------------------------- (e) errors


@pytest.mark.parametrize("memberships", [True, False], ids=["memberships", "none"])
def test_check_names_the_account_and_its_workspaces_in_one_request(make_server, memberships):
    """One ``GET /user``; the workspace list only when the memberships are left out."""
    server = make_server(SPEC)
    server.user_memberships = memberships
    account = Source(tap_config(server)).check()
    assert set(account.workspaces) == set(server.workspace_ids)
    assert account.user_id == server.dataset.owner_id
    assert account.email
    assert account.email in str(account)
    paths = [record.path.rsplit("/", 1)[-1] for record in server.requests]
    assert paths == (["user"] if memberships else ["user", "workspaces"])
    chosen = server.workspace_ids[1]
    server.requests.clear()
    assert Source(tap_config(server, workspace_ids=[chosen])).check().workspaces == (chosen,)
    assert len(server.requests) == (1 if memberships else 2)


def test_check_with_a_wrong_key_raises_the_clis_message(make_server, tmp_path):
    server = make_server(SPEC)
    config = tap_config(server, api_key="not-the-key-123")
    with pytest.raises(ClockifyError) as failure:
        Source(config).check()
    cli = run_tap(tmp_path, config)
    assert cli.returncode == 1
    assert str(failure.value) in cli.stderr


def test_check_with_an_unknown_workspace_raises_the_clis_message(make_server, tmp_path):
    server = make_server(SPEC)
    config = tap_config(server, workspace_ids=["000000000000000000000000"])
    with pytest.raises(ClockifyError) as failure:
        Source(config).check()
    cli = run_tap(tmp_path, config)
    assert cli.returncode == 1
    assert str(failure.value) in cli.stderr


def test_streams_and_selection(make_server):
    source = Source(tap_config(make_server(SPEC)))
    entries = source.streams["time_entries"]
    assert entries.key_properties == ("workspaceId", "id")
    assert entries.incremental
    assert not source.streams["users"].incremental
    assert source.select("users").selected == ["users"]
    assert len(source.select().selected) == len(STREAMS)
    with pytest.raises(ValueError, match=r"valid streams: .*time_entries") as failure:
        source.select("time_entry")
    assert "time_entry" in str(failure.value)


# --------------------------------------------------------------------------- (f) interpreter


def test_reading_twice_in_one_process_leaves_the_interpreter_as_it_was(make_server, tmp_path):
    server = make_server(SPEC)
    source = Source(tap_config(server))
    root = logging.getLogger()
    before = (
        signal.getsignal(signal.SIGINT),
        signal.getsignal(signal.SIGTERM),
        root.level,
        list(root.handlers),
    )
    connection = duckdb.connect(str(tmp_path / "mine.duckdb"))
    try:
        source.read(tmp_path / "clockify.duckdb")
        result = source.read(connection)  # an open connection, left open
        assert result.df("workspaces").shape[0] == len(server.workspace_ids)
        after = (
            signal.getsignal(signal.SIGINT),
            signal.getsignal(signal.SIGTERM),
            root.level,
            list(root.handlers),
        )
        assert after == before
        assert connection.sql("SELECT count(*) FROM users").fetchall()[0][0] > 0
        entries = result.arrow("time_entries")  # an open connection's table as Arrow
        assert entries.num_rows == len(server.ground_truth("time_entries"))
        assert "_sdc_source" not in entries.column_names
        interval = entries.schema.field("timeInterval").type
        start = interval.field("start").type
        assert str(start).startswith("timestamp[us, tz=")  # an instant, in the session's zone
    finally:
        connection.close()
    assert (
        Source(tap_config(server))
        .read(tmp_path / "clockify.duckdb")
        .counts["time_entries"]
        .inserted
        == 0
    )


# --------------------------------------------------------------------------- the loader


def test_a_schema_that_gained_properties_migrates_the_table():
    connection = duckdb.connect()
    loader = DuckDBLoader(connection, "test")
    string = {"type": ["string", "null"]}
    schema = {"properties": {"id": string, "span": {"type": "object", "properties": {"a": string}}}}
    loader.begin()
    loader.schema("things", schema, ["id"])
    loader.record("things", {"id": "1", "span": {"a": "x"}}, None)
    loader.commit_state({"bookmarks": {}})
    schema["properties"]["note"] = string
    schema["properties"]["span"]["properties"]["b"] = {"type": "integer"}
    loader.schema("things", schema, ["id"])
    loader.record("things", {"id": "2", "span": {"a": "y", "b": 3}, "note": "n"}, None)
    loader.finish()
    rows = connection.sql("SELECT id, span, note FROM things ORDER BY id").fetchall()
    assert rows == [("1", {"a": "x", "b": None}, None), ("2", {"a": "y", "b": 3}, "n")]
    assert loader.stored_state() == {"bookmarks": {}}


def test_a_state_commits_the_rows_before_it_and_a_failure_keeps_only_those():
    connection = duckdb.connect()
    loader = DuckDBLoader(connection, "test", commit_seconds=0)
    schema = {"properties": {"id": {"type": ["string", "null"]}}}
    loader.begin()
    loader.schema("things", schema, ["id"])
    loader.record("things", {"id": "1"}, None)
    loader.commit_state({"at": 1})
    loader.record("things", {"id": "2"}, None)
    loader.abort()
    assert connection.sql("SELECT id FROM things").fetchall() == [("1",)]
    assert DuckDBLoader(connection, "test").stored_state() == {"at": 1}
    assert DuckDBLoader(connection, "other").stored_state() is None


@pytest.mark.parametrize("deletions", ["remove", "flag"])
def test_activate_version_touches_only_its_own_sources_older_rows(deletions):
    connection = duckdb.connect()
    schema = {"properties": {"id": {"type": ["string", "null"]}}}
    mine, theirs = (DuckDBLoader(connection, s, deletions=deletions) for s in ("a", "b"))
    for loader, ids, version in ((theirs, "xy", 1), (mine, "pq", 1), (mine, "p", 2)):
        loader.begin()
        loader.schema("things", schema, ["id"])
        for record_id in ids:
            loader.record("things", {"id": record_id}, version)
        loader.finish()
    mine.begin()
    mine.activate_version("things", 2)
    mine.finish()
    live = connection.sql("SELECT id FROM things WHERE _sdc_deleted_at IS NULL ORDER BY id")
    assert live.fetchall() == [("p",), ("x",), ("y",)]
    assert mine.counts["things"].deleted == 1
    ((rows,),) = connection.sql("SELECT count(*) FROM things").fetchall()
    assert rows == (4 if deletions == "flag" else 3)


def test_importing_the_package_or_the_api_loads_neither_duckdb_nor_pandas():
    code = (
        "import sys, tap_clockify, tap_clockify.tap, tap_clockify.notebook; "
        "print(sorted({'duckdb', 'pandas'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_config_error_names_its_reason():
    with pytest.raises(ConfigValidationError, match="lookback_days must be 0 or more"):
        Source({"api_key": "some-key", "lookback_days": -1})
