"""Load Singer messages into DuckDB: typed tables upserted on the stream keys, state alongside.

The one loader of the project: :mod:`tap_clockify.notebook` plugs it into the tap in the
same process (:class:`LoaderWriter` replaces the writer that would print the messages),
and ``scripts/jsonl_to_duckdb.py`` feeds it the JSON Lines files ``make sync`` writes.

Tables: one per stream, named after it, with the stream's property names as columns:

- ``string`` → ``VARCHAR``; ``date-time`` → ``TIMESTAMPTZ``; ``date`` → ``DATE``;
- ``integer`` → ``BIGINT``; ``number`` → ``DECIMAL(38, 9)`` (exact: money in Clockify's
  minor units and amounts stay exact to 9 decimal places; a value with more fractional
  digits, such as an hour count of 1/3, is rounded to 9);
- ``boolean`` → ``BOOLEAN``;
- an object with declared properties → ``STRUCT`` of the same (``e.timeInterval."end"``);
  an array → a ``LIST`` of its items' type; anything else (objects without declared
  properties, values of several types) → ``JSON``.

Bookkeeping columns: ``_sdc_deleted_at`` (``TIMESTAMPTZ``), ``_sdc_table_version``
(the version of a full-table read, for ``ACTIVATE_VERSION``) and ``_sdc_source`` (which
source wrote the row, so one source's ``ACTIVATE_VERSION`` never touches another's rows).

Rows are upserted on the stream's key properties. A record with ``_sdc_deleted_at`` set,
or a row of an older version when ``ACTIVATE_VERSION`` arrives, is deleted from the table
(``deletions="remove"``, the default) or kept with ``_sdc_deleted_at`` set
(``deletions="flag"``). A property new to a stream's schema adds a column
(``ALTER TABLE … ADD COLUMN``); a nested object that gained properties changes the
column's ``STRUCT`` type.

Everything runs in one transaction that a STATE message commits, together with that state
(table ``_sdc_state``, one row per source key), at most once a second (``COMMIT_SECONDS``;
the tap emits STATE often): a run that fails leaves the file as of its last commit, and
:meth:`DuckDBLoader.stored_state` gives the next run where to resume.

Records are gathered per stream as JSON and written in batches (``BATCH_BYTES``, and at
each commit) by one statement in which DuckDB reads and types them; a key that comes
twice in a batch has its records applied in the order they came.
"""

from __future__ import annotations

import json
import time
import typing as t
from dataclasses import dataclass

import msgspec
from singer_sdk.singerlib import (
    ActivateVersionMessage,
    RecordMessage,
    SchemaMessage,
    StateMessage,
)

from tap_clockify.writer import SingerWriter

if t.TYPE_CHECKING:
    from datetime import datetime

    import duckdb
    from singer_sdk.singerlib.encoding.simple import Message

#: The table holding each source's Singer state.
STATE_TABLE = "_sdc_state"
#: Bytes of encoded records gathered per stream before they are written (inside the open
#: transaction): some 20,000 time entries.
BATCH_BYTES = 16 * 2**20
#: Columns every table has besides the stream's properties.
BOOKKEEPING = {
    "_sdc_deleted_at": "TIMESTAMPTZ",
    "_sdc_table_version": "BIGINT",
    "_sdc_source": "VARCHAR",
}
#: Least seconds between two commits: a commit costs DuckDB a write-ahead-log write and
#: sends the rows gathered so far in a small batch, and the tap emits STATE often.
COMMIT_SECONDS = 1.0
NUMBER_TYPE = "DECIMAL(38, 9)"
Deletions = t.Literal["remove", "flag"]


def quote(name: str) -> str:
    """Quote ``name`` as a DuckDB identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def _types(schema: dict[str, t.Any]) -> set[str]:
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    return kinds - {"null"}


def column_type(schema: dict[str, t.Any]) -> tuple[str, t.Any]:
    """Return the DuckDB type of a JSON schema, and its ``from_json`` structure."""
    kinds = _types(schema)
    if len(kinds) != 1 or "anyOf" in schema:
        return "JSON", "JSON"
    (kind,) = kinds
    if kind == "string":
        sql = {"date-time": "TIMESTAMPTZ", "date": "DATE"}.get(schema.get("format", ""), "VARCHAR")
        return sql, sql
    if kind in ("integer", "number", "boolean"):
        sql = {"integer": "BIGINT", "number": NUMBER_TYPE, "boolean": "BOOLEAN"}[kind]
        return sql, sql
    if kind == "object" and schema.get("properties"):
        fields = {name: column_type(sub) for name, sub in schema["properties"].items()}
        sql = ", ".join(f"{quote(name)} {sub_sql}" for name, (sub_sql, _) in fields.items())
        return f"STRUCT({sql})", {name: structure for name, (_, structure) in fields.items()}
    if kind == "array" and isinstance(schema.get("items"), dict):
        item_sql, item_structure = column_type(schema["items"])
        return f"{item_sql}[]", [item_structure]
    return "JSON", "JSON"


def _encode_record(record: dict[str, t.Any]) -> bytes:
    """Return a record as JSON, Decimals as strings.

    DuckDB casts such a string to ``DECIMAL`` exactly, where older versions read a JSON
    number through a double.
    """
    try:
        return _encode(record)
    except (TypeError, ValueError):  # a value msgspec cannot write: its text instead
        return json.dumps(record, default=str).encode()


_encode = msgspec.json.Encoder().encode


class Batch:
    """One stream's records gathered for the next write, encoded as they arrive.

    Held as JSON, which takes a fraction of the memory of the records and which DuckDB
    reads in one statement (turning values into columns one by one in Python cost more
    CPU than the tap spent producing them), with what the write must know besides: each
    record's version, and its key, to tell whether a key came twice.
    """

    def __init__(self, keys: list[str]) -> None:
        self.names = keys
        self.chunks: list[bytes] = []
        self.versions: list[int | None] = []
        self.keys: list[t.Any] = []
        self.size = 0

    def add(self, record: dict[str, t.Any], version: int | None) -> None:
        """Encode and keep one record."""
        self._keep(_encode_record(record), version, _key(record, self.names))

    def _keep(self, chunk: bytes, version: int | None, key: t.Any) -> None:
        self.chunks.append(chunk)
        self.versions.append(version)
        self.keys.append(key)
        self.size += len(chunk)

    def rounds(self) -> list[Batch]:
        """Split the batch into batches in which no key repeats, to be written in order.

        The n-th record of each key goes to the n-th: each key's records are applied one
        after the other, as if written one by one (a record and its deletion in one batch
        leave the deleted row with the record's values when deletions are flagged).
        """
        if len(set(self.keys)) == len(self.keys):  # the common case
            return [self]
        rounds: list[Batch] = []
        seen: dict[t.Any, int] = {}
        for chunk, version, key in zip(self.chunks, self.versions, self.keys, strict=True):
            n = seen[key] = seen.get(key, -1) + 1
            if n == len(rounds):
                rounds.append(Batch(self.names))
            rounds[n]._keep(chunk, version, key)
        return rounds

    def lines(self) -> str:
        """Return the records as JSON Lines (JSON text holds no raw line break)."""
        return b"\n".join(self.chunks).decode()


def _key(record: dict[str, t.Any], names: list[str]) -> t.Any:
    """Return a record's key values as something a set holds (a missing one is null)."""
    key = tuple(map(record.get, names))
    try:
        hash(key)
    except TypeError:  # an object or a list as a key value: its JSON text
        return json.dumps(key, sort_keys=True, default=str)
    return key


@dataclass
class Counts:
    """What a load did to one table: rows inserted, changed, deleted (or flagged deleted)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass
class Table:
    """One stream's table: its columns (name -> DuckDB type, structure) and key."""

    name: str
    columns: dict[str, tuple[str, t.Any]]
    keys: list[str]


class DuckDBLoader:
    """Applies Singer messages to a DuckDB connection; see the module docstring.

    ``source`` names who writes (a hash of the account and settings, never a secret):
    it keys the stored state and tags rows for ``ACTIVATE_VERSION``. Call :meth:`begin`
    before the first message, :meth:`finish` after the last one, :meth:`abort` on failure.
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        source: str,
        *,
        deletions: Deletions = "remove",
        description: str = "",
        batch_bytes: int = BATCH_BYTES,
        commit_seconds: float = COMMIT_SECONDS,
    ) -> None:
        if deletions not in ("remove", "flag"):
            msg = f"deletions must be 'remove' or 'flag', not {deletions!r}"
            raise ValueError(msg)
        self.connection = connection
        self.source = source
        self.deletions = deletions
        self.description = description
        self.batch_bytes = batch_bytes
        self.commit_seconds = commit_seconds
        self.tables: dict[str, Table] = {}
        self.counts: dict[str, Counts] = {}
        self.state: dict[str, t.Any] | None = None
        self._pending: dict[str, Batch] = {}
        self._stored: dict[str, dict[str, str]] | None = None
        self._open = False
        self._committed_at = 0.0
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (source VARCHAR, state JSON, "
            "description VARCHAR, committed_at TIMESTAMPTZ)"
        )

    # ----------------------------------------------------------------- transactions

    def stored_state(self) -> dict[str, t.Any] | None:
        """Return the state last committed for this source, if any."""
        rows = self.connection.execute(
            f"SELECT state FROM {STATE_TABLE} WHERE source = ?", [self.source]
        ).fetchall()  # every row: an unfinished result would hold the connection
        return json.loads(rows[0][0]) if rows and rows[0][0] is not None else None

    def begin(self) -> None:
        """Open the transaction that a later STATE (or :meth:`finish`) commits."""
        self.connection.begin()
        self._open = True
        self._committed_at = time.monotonic()
        self._stored = None

    def finish(self) -> None:
        """Write what is gathered and the last state, and commit: the run ended without error."""
        self._write_state()
        self.connection.commit()
        self._open = False

    def abort(self) -> None:
        """Drop everything since the last commit: the file is as its STATE left it."""
        self._pending.clear()
        self._stored = None  # the rollback undoes this run's table changes
        if self._open:
            self.connection.rollback()
            self._open = False

    # ----------------------------------------------------------------- messages

    def write_message(self, message: Message) -> None:
        """Apply one Singer message object."""
        if isinstance(message, RecordMessage):
            self.record(message.stream, message.record, message.version)
        elif isinstance(message, SchemaMessage):
            self.schema(message.stream, message.schema, list(message.key_properties or []))
        elif isinstance(message, StateMessage):
            self.commit_state(message.value)
        elif isinstance(message, ActivateVersionMessage):
            self.activate_version(message.stream, message.version)

    def schema(
        self, stream: str, schema: dict[str, t.Any], keys: list[str], *, replace: bool = False
    ) -> None:
        """Create the stream's table (anew with ``replace``), or add the columns it gained."""
        self._flush(stream)
        columns = {name: column_type(sub) for name, sub in schema.get("properties", {}).items()}
        for name, sql in BOOKKEEPING.items():
            columns[name] = (sql, sql)
        stored = self._stored_columns()
        target = quote(stream)
        if replace:
            self.connection.execute(f"DROP TABLE IF EXISTS {target}")
            stored.pop(stream, None)
        existing = stored.get(stream, {})
        if not existing:
            definition = ", ".join(f"{quote(name)} {sql}" for name, (sql, _) in columns.items())
            self.connection.execute(f"CREATE TABLE {target} ({definition})")
        else:
            changed = self._changed_types(existing, columns)
            for name, (sql, structure) in columns.items():
                if name not in existing:
                    self.connection.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {sql}")
                elif name in changed:
                    self.connection.execute(
                        f"ALTER TABLE {target} ALTER COLUMN {quote(name)} SET DATA TYPE {sql} "
                        f"USING from_json(to_json({quote(name)}), '{_literal(structure)}')"
                    )
        stored[stream] = {**existing, **{name: sql for name, (sql, _) in columns.items()}}
        self.tables[stream] = Table(stream, columns, keys)
        self.counts.setdefault(stream, Counts())

    def _stored_columns(self) -> dict[str, dict[str, str]]:
        """Each table's columns (name -> DuckDB type), as of this run's start.

        Read in one query (one per table cost as much as loading a small table's rows)
        when a run's first schema arrives, then kept current by :meth:`schema`, the only
        place a run changes tables.
        """
        if self._stored is None:
            self._stored = {}
            for table, column, kind in self.connection.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = current_schema() "
                "ORDER BY table_name, column_index"
            ).fetchall():
                self._stored.setdefault(table, {})[column] = kind
        return self._stored

    def _changed_types(
        self, existing: dict[str, str], columns: dict[str, tuple[str, t.Any]]
    ) -> set[str]:
        """Return the columns whose stored type differs from the one the schema asks for.

        Compared as DuckDB spells types (``DECIMAL(38, 9)`` is ``DECIMAL(38,9)``), all
        in one query.
        """
        differ = {
            name: sql
            for name, (sql, _) in columns.items()
            if name in existing and existing[name].replace(" ", "") != sql.replace(" ", "")
        }
        if not differ:
            return set()
        casts = ", ".join(f"typeof(CAST(NULL AS {sql}))" for sql in differ.values())
        ((*spelled,),) = self.connection.execute(f"SELECT {casts}").fetchall()
        return {
            name
            for name, spelling in zip(differ, spelled, strict=True)
            if spelling.replace(" ", "") != existing[name].replace(" ", "")
        }

    def record(self, stream: str, record: dict[str, t.Any], version: int | None) -> None:
        """Gather a record; a full batch is written to the table (not yet committed)."""
        batch = self._pending.get(stream)
        if batch is None:
            batch = self._pending[stream] = Batch(self.tables[stream].keys)
        batch.add(record, version)
        if batch.size >= self.batch_bytes:
            self._flush(stream)

    def commit_state(self, value: t.Mapping[str, t.Any]) -> None:
        """Take ``value`` as the source's state, committed with every record before it.

        Committed now if ``commit_seconds`` have passed since the last commit, else with
        a later STATE or :meth:`finish`: a failure in between loses at most that much work,
        and the next run resumes from the state committed with the rows.
        """
        self.state = dict(value)
        if time.monotonic() - self._committed_at >= self.commit_seconds:
            self._write_state()
            if self._open:
                self.connection.commit()
                self.connection.begin()
            self._committed_at = time.monotonic()

    def _write_state(self) -> None:
        """Write every gathered record and the last state taken (uncommitted)."""
        self._flush_all()
        if self.state is None:
            return
        self.connection.execute(f"DELETE FROM {STATE_TABLE} WHERE source = ?", [self.source])
        self.connection.execute(
            f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, now())",
            [self.source, json.dumps(self.state), self.description],
        )

    def activate_version(self, stream: str, version: int) -> None:
        """Delete (or flag) this source's rows of the stream older than ``version``."""
        self._flush(stream)
        if stream not in self.tables:
            return
        older = (
            "_sdc_source = ? AND (_sdc_table_version IS NULL OR _sdc_table_version < ?) "
            "AND _sdc_deleted_at IS NULL"
        )
        if self.deletions == "remove":
            sql = f"DELETE FROM {quote(stream)} WHERE {older}"
        else:
            sql = f"UPDATE {quote(stream)} SET _sdc_deleted_at = now() WHERE {older}"
        ((deleted,),) = self.connection.execute(sql, [self.source, version]).fetchall()
        self.counts[stream].deleted += deleted

    # ----------------------------------------------------------------- batches

    def _flush_all(self) -> None:
        for stream in list(self._pending):
            self._flush(stream)

    def _flush(self, stream: str) -> None:
        """Upsert the stream's gathered records, each key's in the order they came."""
        batch = self._pending.pop(stream, None)
        if batch is None:
            return
        for part in batch.rounds():
            self._write(stream, part)

    def _write(self, stream: str, batch: Batch) -> None:
        """Upsert a batch in which no key repeats."""
        table = self.tables[stream]
        data = [name for name in table.columns if name not in ("_sdc_table_version", "_sdc_source")]
        typed, parameters = self._typed_rows(table, data, batch)
        target = quote(stream)
        connection = self.connection
        ((empty,),) = connection.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {target})").fetchall()
        if empty:  # a first read: nothing to match, compare or delete
            columns = ", ".join([*(quote(n) for n in data), "_sdc_table_version", "_sdc_source"])
            connection.execute(
                f"INSERT INTO {target} ({columns}) SELECT {columns} FROM ({typed}){self._live}",
                parameters,
            )
            ((inserted,),) = connection.execute(
                f"SELECT count(*) FROM {target} WHERE _sdc_deleted_at IS NULL"
            ).fetchall()
            self.counts[stream].inserted += inserted
            return
        connection.execute(f"CREATE OR REPLACE TEMP TABLE _sdc_batch AS {typed}", parameters)
        try:
            self._upsert(table, data)
        finally:
            connection.execute("DROP TABLE _sdc_batch")

    @property
    def _live(self) -> str:
        """The filter of rows to insert: deleted ones are kept only to be flagged."""
        return " WHERE _sdc_deleted_at IS NULL" if self.deletions == "remove" else ""

    def _typed_rows(self, table: Table, data: list[str], batch: Batch) -> tuple[str, list[t.Any]]:
        """Return the query of the batch's rows, typed, and its parameters.

        DuckDB splits the batch's lines and reads each record's own text (a ``JSON`` value
        in between would pass numbers through a double). The transform is lenient: a
        missing field is null, but so would be a value of the wrong type; a scalar column
        that came out null where the record holds a value is therefore cast again from
        that value, which fails the load with DuckDB's message. Versions are one constant
        when the rows agree (the common case) rather than a list.
        """
        structure = {name: table.columns[name][1] for name in data}
        raw: dict[str, str] = {}
        selects = []
        for name in data:
            sql = table.columns[name][0]
            column = quote(name)
            if sql in ("JSON", "VARCHAR") or sql.endswith("]") or sql.startswith("STRUCT"):
                selects.append(f"r.{column} AS {column}")
            else:
                raw[name] = "JSON"
                selects.append(f"coalesce(r.{column}, CAST(raw.{column} AS {sql})) AS {column}")
        versions = set(batch.versions)
        split = "unnest(string_split(?, chr(10))) AS j"
        if len(versions) == 1:
            (version,) = versions
            rows_sql = f"SELECT {split}, CAST(? AS BIGINT) AS v"
            parameters: list[t.Any] = [batch.lines(), version]
        else:
            rows_sql = f"SELECT {split}, unnest(CAST(? AS BIGINT[])) AS v"
            parameters = [batch.lines(), batch.versions]
        query = (
            f"SELECT {', '.join(selects)}, "
            "CAST(v AS BIGINT) AS _sdc_table_version, CAST(? AS VARCHAR) AS _sdc_source "
            f"FROM (SELECT from_json(j, '{_literal(structure)}') AS r, "
            f"from_json(j, '{_literal(raw)}') AS raw, * FROM ({rows_sql}))"
        )
        return query, [self.source, *parameters]

    def _upsert(self, table: Table, data: list[str]) -> None:
        """Apply ``_sdc_batch`` to the table, counting what it inserts, changes and deletes."""
        connection = self.connection
        target = quote(table.name)
        keys = [quote(k) for k in table.keys]
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM b.{k}" for k in keys)
        compared = [quote(n) for n in data if n != "_sdc_deleted_at"]
        differs = (
            f"row({', '.join('b.' + c for c in compared)}) IS DISTINCT FROM "
            f"row({', '.join('t.' + c for c in compared)})"
        )
        ((inserted, updated, deleted),) = connection.execute(
            "SELECT "
            "count(*) FILTER (WHERE b._sdc_deleted_at IS NULL "
            "AND (t._present IS NULL OR t._sdc_deleted_at IS NOT NULL)), "
            f"count(*) FILTER (WHERE b._sdc_deleted_at IS NULL AND t._present "
            f"AND t._sdc_deleted_at IS NULL AND {differs}), "
            "count(*) FILTER (WHERE b._sdc_deleted_at IS NOT NULL AND t._present "
            "AND t._sdc_deleted_at IS NULL) "
            f"FROM _sdc_batch AS b LEFT JOIN (SELECT *, true AS _present FROM {target}) AS t "
            f"ON {match}"
        ).fetchall()
        counts = self.counts[table.name]
        counts.inserted += inserted
        counts.updated += updated
        counts.deleted += deleted
        if self.deletions == "flag":
            # A deletion may carry the key alone: flag the stored row, keep its values.
            connection.execute(
                f"UPDATE {target} AS t SET _sdc_deleted_at = b._sdc_deleted_at "
                f"FROM _sdc_batch AS b WHERE b._sdc_deleted_at IS NOT NULL AND {match}"
            )
            connection.execute(
                f"DELETE FROM _sdc_batch AS b WHERE b._sdc_deleted_at IS NOT NULL AND EXISTS "
                f"(SELECT 1 FROM {target} AS t WHERE {match})"
            )
        connection.execute(f"DELETE FROM {target} AS t USING _sdc_batch AS b WHERE {match}")
        columns = ", ".join([*(quote(n) for n in data), "_sdc_table_version", "_sdc_source"])
        connection.execute(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM _sdc_batch{self._live}"
        )


def _literal(structure: t.Any) -> str:
    """Write a ``from_json`` structure as the body of a SQL string literal."""
    return json.dumps(structure).replace("'", "''")


class LoaderWriter(SingerWriter):
    """The tap's writer, sending messages to a :class:`DuckDBLoader` instead of stdout.

    A :class:`~tap_clockify.writer.SingerWriter`, so the streams' fast record path
    (``write_record``) hands records over directly, without encoding them.
    """

    def __init__(self, loader: DuckDBLoader) -> None:  # no atexit flush: nothing to print
        self._chunk = bytearray()
        self.loader = loader

    def write_message(self, message: Message) -> None:
        """Apply a message to the loader."""
        self.loader.write_message(message)

    def write_record(
        self, stream: str, record: dict[str, t.Any], version: int | None, extracted: datetime
    ) -> None:
        """Hand a record to the loader."""
        self.loader.record(stream, record, version)

    def flush(self) -> None:
        """Nothing is buffered here: the loader commits at each STATE."""
