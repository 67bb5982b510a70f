"""The DuckDB loader (tap_clockify.duckdb_loader) on its own: types, batches, commits.

The notebook tests drive it through whole syncs; these pin what a sync rarely shows: values
at the edges of their types, keys repeated within and across batches, the first-read path
(an empty table) against the upsert path, and when a STATE is committed.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from tap_clockify.duckdb_loader import DuckDBLoader

TEXT = {"type": ["string", "null"]}
SCHEMA: dict[str, Any] = {
    "properties": {
        "id": TEXT,
        "name": TEXT,
        "start": {"type": ["string", "null"], "format": "date-time"},
        "amount": {"type": ["number", "null"]},
        "count": {"type": ["integer", "null"]},
        "billable": {"type": ["boolean", "null"]},
        "interval": {
            "type": ["object", "null"],
            "properties": {"start": {"type": "string", "format": "date-time"}, "hours": TEXT},
        },
        "tags": {"type": ["array", "null"], "items": TEXT},
        "extra": {},
        "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
    }
}


def loader_for(connection: duckdb.DuckDBPyConnection, **options: Any) -> DuckDBLoader:
    loader = DuckDBLoader(connection, "test", **options)
    loader.begin()
    loader.schema("things", SCHEMA, ["id"])
    return loader


def test_values_keep_their_types_exactly():
    connection = duckdb.connect()
    loader = loader_for(connection)
    loader.record(
        "things",
        {
            "id": "1",
            "name": 5,  # a number where text is declared is kept as its text
            "start": "2024-03-01T23:30:00+02:00",
            "amount": Decimal("12345678901234567890.123456789"),
            "count": 9007199254740993,  # beyond a double's exact integers
            "billable": True,
            "interval": {"start": "2024-03-01T21:30:00Z"},  # "hours" absent
            "tags": ["a", "b"],
            "extra": {"nested": [1, {"deep": None}]},
        },
        None,
    )
    loader.record("things", {"id": "2"}, None)  # every other property absent
    loader.finish()
    rows = connection.sql(
        "SELECT id, name, start, amount, count, billable, interval.start, interval.hours, "
        "tags, extra->>'$.nested[1].deep', typeof(amount) FROM things ORDER BY id"
    ).fetchall()
    utc = datetime(2024, 3, 1, 21, 30, tzinfo=timezone.utc)
    assert rows[0][:10] == (
        "1", "5", utc, Decimal("12345678901234567890.123456789"), 9007199254740993, True,
        utc, None, ["a", "b"], None,
    )  # fmt: skip
    assert rows[0][10] == "DECIMAL(38,9)"
    assert rows[1][:10] == ("2", *[None] * 9)


def test_a_value_of_the_wrong_type_fails_the_load_instead_of_becoming_null():
    connection = duckdb.connect()
    loader = loader_for(connection)
    loader.record("things", {"id": "1", "count": "many"}, None)
    with pytest.raises(duckdb.ConversionException):
        loader.finish()


def load(
    batches: list[list[tuple[dict[str, Any], int | None]]],
    *,
    batch_bytes: int,
    deletions: str = "remove",
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, int]]]:
    """Load runs of records (one run per list, each committed), return rows and counts."""
    connection = duckdb.connect()
    counts = []
    for run in batches:
        loader = loader_for(connection, batch_bytes=batch_bytes, deletions=deletions)
        for record, version in run:
            loader.record("things", record, version)
        loader.finish()
        numbers = loader.counts["things"]
        counts.append((numbers.inserted, numbers.updated, numbers.deleted))
    rows = connection.sql(
        "SELECT id, name, amount, _sdc_deleted_at IS NOT NULL, _sdc_table_version "
        "FROM things ORDER BY id"
    ).fetchall()
    return rows, counts


def expected_load(
    runs: list[list[tuple[dict[str, Any], int | None]]], deletions: str
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, int]]]:
    """What ``load`` must give: the records applied one by one, rows and each run's counts."""
    stored: dict[str, tuple[dict[str, Any], int | None]] = {}
    counts = []
    for run in runs:
        inserted = updated = deleted = 0
        for record, version in run:
            key = record["id"]
            before = stored.get(key)
            live = before is not None and "_sdc_deleted_at" not in before[0]
            if "_sdc_deleted_at" not in record:
                inserted += not live
                updated += live and before is not None and before[0] != record
                stored[key] = (record, version)
                continue
            deleted += live
            if deletions == "remove":
                stored.pop(key, None)
            elif before is not None:  # flagged: the stored values stay
                flagged = {**before[0], "_sdc_deleted_at": record["_sdc_deleted_at"]}
                stored[key] = (flagged, before[1])
            else:
                stored[key] = (record, version)
        counts.append((inserted, updated, deleted))
    rows = [
        (key, record.get("name"), record.get("amount"), "_sdc_deleted_at" in record, version)
        for key, (record, version) in sorted(stored.items())
    ]
    return rows, counts


@pytest.mark.parametrize("deletions", ["remove", "flag"])
@pytest.mark.parametrize("seed", range(6))
def test_batches_of_any_size_apply_each_keys_records_in_order(seed, deletions):
    """One record per batch, a few, or all at once: the first read's path (an empty table)
    and the upsert path agree, each key's records apply in the order they came within and
    across batches (a record and its deletion in one batch too), versions may differ
    within a batch, and the counts are the same."""
    chance = random.Random(seed)
    runs = []
    for _ in range(3):
        run = []
        for _ in range(chance.randint(0, 30)):
            record: dict[str, Any] = {"id": str(chance.randint(1, 12))}
            if chance.random() < 0.2:
                record["_sdc_deleted_at"] = "2024-01-01T00:00:00Z"
            else:
                record["name"] = chance.choice(["a", "b", None])
                record["amount"] = Decimal(chance.randint(0, 3)) / 4
            run.append((record, chance.choice([None, 1, 2])))
        runs.append(run)
    expected = expected_load(runs, deletions)
    for batch_bytes in (1 << 30, 200, 1):
        assert load(runs, batch_bytes=batch_bytes, deletions=deletions) == expected, batch_bytes


def test_a_state_is_committed_at_most_once_per_commit_seconds():
    connection = duckdb.connect()
    loader = loader_for(connection, commit_seconds=3600)
    loader.record("things", {"id": "1"}, None)
    loader.commit_state({"at": 1})  # within the hour since begin(): not yet committed
    loader.abort()
    assert DuckDBLoader(connection, "test").stored_state() is None
    tables = connection.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'things'")
    assert tables.fetchall() == [(0,)]  # created in the transaction rolled back

    loader = loader_for(connection, commit_seconds=3600)
    loader.record("things", {"id": "2"}, None)
    loader.commit_state({"at": 2})
    loader.finish()  # commits the last state taken, with the rows before it
    assert DuckDBLoader(connection, "test").stored_state() == {"at": 2}
    assert connection.sql("SELECT id FROM things").fetchall() == [("2",)]


class Statements:
    """A connection that keeps the SQL the loader sends it."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.sent: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        self.sent.append(sql)
        return self.connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def test_a_later_run_alters_only_what_the_schema_changed():
    connection = duckdb.connect()
    first = loader_for(connection)
    first.record("things", {"id": "1", "amount": Decimal("1.5"), "interval": {"hours": "2"}}, None)
    first.finish()

    statements = Statements(connection)
    loader_for(statements).finish()  # type: ignore[arg-type]
    changes = [sql for sql in statements.sent if sql.startswith(("ALTER", 'CREATE TABLE "'))]
    assert not changes  # the stored types, spelled DuckDB's way, are the schema's

    grown = {**SCHEMA, "properties": {**SCHEMA["properties"], "note": TEXT}}
    grown["properties"]["interval"] = {
        "type": "object",
        "properties": {**SCHEMA["properties"]["interval"]["properties"], "more": TEXT},
    }
    loader = DuckDBLoader(statements, "test")  # type: ignore[arg-type]
    loader.begin()
    statements.sent.clear()
    loader.schema("things", grown, ["id"])
    loader.record("things", {"id": "2", "note": "n", "interval": {"more": "m"}}, None)
    loader.finish()
    altered = [sql.split(" SET ")[0] for sql in statements.sent if sql.startswith("ALTER")]
    assert altered == [
        'ALTER TABLE "things" ALTER COLUMN "interval"',
        'ALTER TABLE "things" ADD COLUMN "note" VARCHAR',
    ]
    rows = connection.sql("SELECT id, amount, interval, note FROM things ORDER BY id").fetchall()
    assert rows == [
        ("1", Decimal("1.5"), {"start": None, "hours": "2", "more": None}, None),
        ("2", None, {"start": None, "hours": None, "more": "m"}, "n"),
    ]

    loader = DuckDBLoader(connection, "test")
    loader.begin()
    loader.schema("things", SCHEMA, ["id"], replace=True)
    loader.finish()
    assert connection.sql("SELECT count(*) FROM things").fetchall() == [(0,)]
    assert "note" not in connection.sql("SELECT * FROM things").columns
