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
(table ``_sdc_state``, one row per source key): a run that fails leaves the file as of its
last STATE, and :meth:`DuckDBLoader.stored_state` gives the next run where to resume.
"""

from __future__ import annotations

import decimal
import json
import typing as t
from dataclasses import dataclass
from datetime import date, datetime, timezone

import msgspec
from singer_sdk.singerlib import (
    ActivateVersionMessage,
    RecordMessage,
    SchemaMessage,
    StateMessage,
)

from tap_clockify.writer import SingerWriter

if t.TYPE_CHECKING:
    import duckdb
    from singer_sdk.singerlib.encoding.simple import Message

#: The table holding each source's Singer state.
STATE_TABLE = "_sdc_state"
#: Records gathered per stream before they are written (inside the open transaction).
BATCH_ROWS = 10_000
#: Columns every table has besides the stream's properties.
BOOKKEEPING = {
    "_sdc_deleted_at": "TIMESTAMPTZ",
    "_sdc_table_version": "BIGINT",
    "_sdc_source": "VARCHAR",
}
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


def _text(value: t.Any) -> str | None:
    """Return a scalar value as the text DuckDB casts to the column's type."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, (int, float, date, decimal.Decimal)):
        return str(value)
    return json.dumps(value, default=str)


def _json(value: t.Any) -> str | None:
    """Return a value as JSON text (msgspec: several times faster than ``json``)."""
    if value is None:
        return None
    try:
        return _encode(value).decode()
    except (TypeError, ValueError):
        return json.dumps(value, default=str)


_encode = msgspec.json.Encoder().encode


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
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        if deletions not in ("remove", "flag"):
            msg = f"deletions must be 'remove' or 'flag', not {deletions!r}"
            raise ValueError(msg)
        self.connection = connection
        self.source = source
        self.deletions = deletions
        self.description = description
        self.batch_rows = batch_rows
        self.tables: dict[str, Table] = {}
        self.counts: dict[str, Counts] = {}
        self.state: dict[str, t.Any] | None = None
        self._pending: dict[str, list[tuple[dict[str, t.Any], int | None]]] = {}
        self._open = False
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (source VARCHAR, state JSON, "
            "description VARCHAR, committed_at TIMESTAMPTZ)"
        )

    # ----------------------------------------------------------------- transactions

    def stored_state(self) -> dict[str, t.Any] | None:
        """Return the state last committed for this source, if any."""
        row = self.connection.execute(
            f"SELECT state FROM {STATE_TABLE} WHERE source = ?", [self.source]
        ).fetchone()
        return json.loads(row[0]) if row and row[0] is not None else None

    def begin(self) -> None:
        """Open the transaction the next STATE (or :meth:`finish`) commits."""
        self.connection.begin()
        self._open = True

    def finish(self) -> None:
        """Write what is gathered and commit: the run ended without error."""
        self._flush_all()
        self.connection.commit()
        self._open = False

    def abort(self) -> None:
        """Drop everything since the last STATE: the file is as that STATE left it."""
        self._pending.clear()
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

    def schema(self, stream: str, schema: dict[str, t.Any], keys: list[str]) -> None:
        """Create the stream's table, or add the columns its schema gained."""
        self._flush(stream)
        columns = {name: column_type(sub) for name, sub in schema.get("properties", {}).items()}
        for name, sql in BOOKKEEPING.items():
            columns[name] = (sql, sql)
        existing = dict(
            self.connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                [stream],
            ).fetchall()
        )
        if not existing:
            definition = ", ".join(f"{quote(name)} {sql}" for name, (sql, _) in columns.items())
            self.connection.execute(f"CREATE TABLE {quote(stream)} ({definition})")
        else:
            for name, (sql, structure) in columns.items():
                if name not in existing:
                    self.connection.execute(
                        f"ALTER TABLE {quote(stream)} ADD COLUMN {quote(name)} {sql}"
                    )
                elif not _same_type(self.connection, existing[name], sql):
                    self.connection.execute(
                        f"ALTER TABLE {quote(stream)} ALTER COLUMN {quote(name)} "
                        f"SET DATA TYPE {sql} USING "
                        f"from_json(to_json({quote(name)}), '{_literal(structure)}')"
                    )
        self.tables[stream] = Table(stream, columns, keys)
        self.counts.setdefault(stream, Counts())

    def record(self, stream: str, record: dict[str, t.Any], version: int | None) -> None:
        """Gather a record; a full batch is written to the table (not yet committed)."""
        pending = self._pending.setdefault(stream, [])
        pending.append((record, version))
        if len(pending) >= self.batch_rows:
            self._flush(stream)

    def commit_state(self, value: t.Mapping[str, t.Any]) -> None:
        """Write every record so far and ``value`` as the source's state, and commit."""
        self._flush_all()
        self.state = dict(value)
        self.connection.execute(f"DELETE FROM {STATE_TABLE} WHERE source = ?", [self.source])
        self.connection.execute(
            f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, now())",
            [self.source, json.dumps(value), self.description],
        )
        if self._open:
            self.connection.commit()
            self.connection.begin()

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
        """Upsert the stream's gathered records: the last of each key wins."""
        rows = self._pending.pop(stream, None)
        if not rows:
            return
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]  # optional

        table = self.tables[stream]
        data = [name for name in table.columns if name not in ("_sdc_table_version", "_sdc_source")]
        frame: dict[str, t.Any] = {}
        for name in data:
            sql = table.columns[name][0]
            convert = (
                _json
                if sql in ("JSON",) or sql.endswith("]") or sql.startswith("STRUCT")
                else _text
            )
            frame[name] = pd.Series([convert(r.get(name)) for r, _ in rows], dtype=object)
        frame["_sdc_table_version"] = pd.Series([v for _, v in rows], dtype=object)
        frame["_seq"] = range(len(rows))
        stage = pd.DataFrame(frame)
        connection = self.connection
        connection.register("_sdc_stage", stage)
        try:
            self._upsert(table, data, connection)
        finally:
            connection.unregister("_sdc_stage")

    def _upsert(self, table: Table, data: list[str], connection: duckdb.DuckDBPyConnection) -> None:
        target = quote(table.name)
        casts = []
        for name in data:
            sql, structure = table.columns[name]
            column = quote(name)
            if sql == "JSON":
                casts.append(f"CAST({column} AS JSON) AS {column}")
            elif sql.endswith("]") or sql.startswith("STRUCT"):
                casts.append(f"from_json({column}, '{_literal(structure)}') AS {column}")
            else:
                casts.append(f"CAST({column} AS {sql}) AS {column}")
        keys = [quote(k) for k in table.keys]
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE _sdc_batch AS SELECT "
            + ", ".join(casts)
            + ", CAST(_sdc_table_version AS BIGINT) AS _sdc_table_version, "
            + "CAST(? AS VARCHAR) AS _sdc_source FROM _sdc_stage "
            + f"QUALIFY row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY _seq DESC) = 1",
            [self.source],
        )
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
        columns = ", ".join([*(quote(n) for n in data), "_sdc_table_version", "_sdc_source"])
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
        live_only = " WHERE _sdc_deleted_at IS NULL" if self.deletions == "remove" else ""
        connection.execute(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM _sdc_batch{live_only}"
        )
        connection.execute("DROP TABLE _sdc_batch")


def _literal(structure: t.Any) -> str:
    """Write a ``from_json`` structure as the body of a SQL string literal."""
    return json.dumps(structure).replace("'", "''")


def _same_type(connection: duckdb.DuckDBPyConnection, existing: str, wanted: str) -> bool:
    """Tell whether a column's stored type is the one a schema asks for.

    Compared as DuckDB spells types: ``DECIMAL(38, 9)`` is ``DECIMAL(38,9)``.
    """
    if existing.replace(" ", "") == wanted.replace(" ", ""):
        return True
    ((spelled,),) = connection.execute(f"SELECT typeof(CAST(NULL AS {wanted}))").fetchall()
    return bool(spelled.replace(" ", "") == existing.replace(" ", ""))


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
