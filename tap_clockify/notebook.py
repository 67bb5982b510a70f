"""Clockify into a DuckDB file from Python, in the same process: no Meltano, no target.

::

    from tap_clockify.notebook import Source

    source = Source({"api_key": "..."})    # or Source(): the TAP_CLOCKIFY_* environment
    print(source.check())                  # whose key, which workspaces (one line on error)
    source.select("time_entries", "projects", "workspaces")   # or leave all selected
    result = source.read("clockify.duckdb")                   # again later: incremental
    result.df("time_entries")              # a pandas DataFrame of the current rows

Needs the ``duckdb`` extra (``pip install 'clockify-tap[duckdb]'``). See
:mod:`tap_clockify.duckdb_loader` for the tables' types, deletions and state.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import signal
import sys
import typing as t
import warnings
from dataclasses import dataclass, field

import requests
from singer_sdk.exceptions import ConfigValidationError

from tap_clockify import __version__
from tap_clockify.errors import ClockifyError, error_for
from tap_clockify.hosts import base_urls

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    import duckdb
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    from tap_clockify.duckdb_loader import Counts, Deletions
    from tap_clockify.tap import TapClockify

#: Where :meth:`Source.read` writes when given no database: in the working directory.
DEFAULT_DATABASE = "clockify.duckdb"
#: Seconds to wait for Clockify in :meth:`Source.check`.
CHECK_TIMEOUT = 60
_BOOKKEEPING = ("_sdc_table_version", "_sdc_source")


@dataclass(frozen=True)
class Account:
    """Who an API key belongs to, and the ids of the workspaces it is a member of.

    With ``workspace_ids`` set, only those; their names come with the ``workspaces`` stream.
    """

    user_id: str
    name: str
    email: str
    workspaces: tuple[str, ...]

    def __str__(self) -> str:
        spaces = ", ".join(self.workspaces) or "none"
        return f"{self.name} <{self.email}>, user {self.user_id}; workspaces: {spaces}"


@dataclass(frozen=True)
class StreamInfo:
    """A stream: its key properties and whether each read is incremental."""

    name: str
    key_properties: tuple[str, ...]
    incremental: bool
    replication_key: str | None


@dataclass
class ReadResult:
    """What :meth:`Source.read` did, and its tables.

    ``counts`` maps each stream to rows inserted, updated (values changed) and deleted.
    """

    database: str | None
    counts: dict[str, Counts]
    connection: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    def __str__(self) -> str:
        lines = [
            f"{stream}: {c.inserted} inserted, {c.updated} updated, {c.deleted} deleted"
            for stream, c in sorted(self.counts.items())
        ]
        return "\n".join(lines)

    def sql(self, stream: str, *, include_deleted: bool = False) -> str:
        """Return the query :meth:`df` runs: the table without bookkeeping columns."""
        where = "" if include_deleted else " WHERE _sdc_deleted_at IS NULL"
        drop = _BOOKKEEPING if include_deleted else (*_BOOKKEEPING, "_sdc_deleted_at")
        columns = ", ".join(drop)
        return f'SELECT * EXCLUDE ({columns}) FROM "{stream}"{where}'

    def df(self, stream: str, *, include_deleted: bool = False) -> pd.DataFrame:
        """Return the stream's current rows as a pandas DataFrame (one table is read)."""
        with self._connected() as connection, warnings.catch_warnings():
            # duckdb's DataFrame conversion calls pandas' deprecated ``drop(inplace=True)``
            # for time zone columns (duckdb 2.0, pandas 3.1): not ours to act on.
            warnings.filterwarnings("ignore", "The inplace keyword", DeprecationWarning)
            return connection.sql(self.sql(stream, include_deleted=include_deleted)).df()

    def arrow(self, stream: str, *, include_deleted: bool = False) -> t.Any:
        """Return the stream's current rows as a ``pyarrow.Table`` (needs pyarrow)."""
        with self._connected() as connection:
            relation = connection.sql(self.sql(stream, include_deleted=include_deleted))
            return relation.to_arrow_table()  # ``arrow()`` is a batch reader since duckdb 1.4

    @contextlib.contextmanager
    def _connected(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.connection is not None:
            yield self.connection
            return
        import duckdb

        with duckdb.connect(str(self.database), read_only=True) as connection:
            yield connection


class Source:
    """Clockify as a source of tables, from a config dict or the ``TAP_CLOCKIFY_*`` env.

    ``config`` takes the tap's settings (``api_key``, ``workspace_ids``, ``start_date``,
    ``region``, …; see the README's Settings). Without one, settings come from
    ``TAP_CLOCKIFY_API_KEY`` and the other ``TAP_CLOCKIFY_*`` variables.
    ``emit_activate_version_messages`` is on unless set: the DuckDB file is the only
    target, so objects deleted from full-table streams are deleted there too.
    """

    def __init__(self, config: Mapping[str, t.Any] | None = None) -> None:
        from tap_clockify.tap import TapClockify  # keeps the import light

        settings = dict(config) if config is not None else {}
        if config is None:
            with _preserved():
                settings.update(_environment(TapClockify))
        settings.setdefault("emit_activate_version_messages", True)
        self.config: dict[str, t.Any] = settings
        with _preserved():
            try:
                tap = TapClockify(config=copy.deepcopy(settings))
            except ConfigValidationError as exc:  # the SDK keeps the reasons out of str()
                reasons = "; ".join(exc.errors)
                raise ConfigValidationError(f"{exc}: {reasons}", errors=exc.errors) from None
            catalog = tap.catalog_dict
        self._catalog = catalog
        self._selected: set[str] = set(self.streams)

    def __repr__(self) -> str:
        api_url, _ = base_urls(self.config)
        return f"Source({api_url}, {len(self._selected)} of {len(self.streams)} streams selected)"

    @property
    def streams(self) -> dict[str, StreamInfo]:
        """Every stream by name: key properties, and whether reads are incremental."""
        out = {}
        for entry in self._catalog["streams"]:
            key = entry.get("replication_key")
            out[entry["tap_stream_id"]] = StreamInfo(
                entry["tap_stream_id"],
                tuple(entry.get("key_properties") or ()),
                entry.get("replication_method") == "INCREMENTAL",
                key,
            )
        return out

    @property
    def selected(self) -> list[str]:
        """The streams :meth:`read` reads, in catalog order."""
        return [name for name in self.streams if name in self._selected]

    def select(self, *names: str) -> Source:
        """Read only these streams (all when none is named); returns the source.

        An unknown name raises ``ValueError`` listing the valid ones.
        """
        unknown = sorted(set(names) - set(self.streams))
        if unknown:
            msg = (
                f"Unknown stream(s) {', '.join(unknown)}; "
                f"valid streams: {', '.join(sorted(self.streams))}"
            )
            raise ValueError(msg)
        self._selected = set(names) if names else set(self.streams)
        return self

    def check(self) -> Account:
        """Ask Clockify whose key this is and which workspaces it sees: one request.

        ``GET /user`` with its memberships. Only when they leave out a workspace named
        in ``workspace_ids`` (or none come back) is the workspace list itself asked, so
        a missing id is reported only if Clockify's own list lacks it too. A wrong key,
        region or ``workspace_ids`` entry raises
        :class:`~tap_clockify.errors.ClockifyError` with the line the CLI prints.
        """
        user = self._get("/user", {"include-memberships": "true"})
        seen = _workspace_memberships(user)
        wanted = list(self.config.get("workspace_ids") or [])
        if not seen or not set(wanted) <= set(seen):
            seen = [str(w["id"]) for w in self._get("/workspaces")]
        missing = sorted(set(wanted) - set(seen))
        if missing:
            msg = (
                f"Workspace(s) {', '.join(missing)} not found among the workspaces this "
                "API key can access; check workspace_ids and the region or api_url."
            )
            raise ClockifyError(msg)
        workspaces = tuple(wanted) if wanted else tuple(dict.fromkeys(seen))
        return Account(str(user["id"]), user.get("name") or "", user.get("email") or "", workspaces)

    def _get(self, path: str, params: dict[str, str] | None = None) -> t.Any:
        api_url, _ = base_urls(self.config)
        try:
            response = requests.get(
                api_url + path,
                params=params,
                headers={
                    "X-Api-Key": self.config.get("api_key") or "",
                    "User-Agent": f"tap-clockify/{__version__}",
                },
                timeout=CHECK_TIMEOUT,
            )
        except requests.exceptions.ConnectionError as exc:
            msg = (
                f"Could not connect to {api_url} ({type(exc).__name__}): "
                "check the region or api_url."
            )
            raise ClockifyError(msg) from None
        error = error_for(response)
        if error is not None:
            raise error if isinstance(error, ClockifyError) else ClockifyError(str(error))
        return response.json()

    def source_key(self, account: Account | None = None) -> str:
        """Return the key of this source's state in a database.

        A hash of the API URLs, the configured workspaces and the key's user id (never
        the key itself).
        """
        account = account or self.check()
        api_url, reports_url = base_urls(self.config)
        identity = [
            api_url,
            reports_url,
            sorted(self.config.get("workspace_ids") or []),
            account.user_id,
        ]
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]

    def read(
        self,
        database: str | Path | duckdb.DuckDBPyConnection = DEFAULT_DATABASE,
        *,
        deletions: Deletions = "remove",
    ) -> ReadResult:
        """Sync the selected streams into a DuckDB file (or open connection).

        The first read of a source reads everything; later ones resume from the state
        stored in the same file. Committed with the STATE that covers the rows, at most
        once a second: if the read fails (raising the one-line ``ClockifyError``), the
        file stays as of the last commit and the next read resumes there.
        ``deletions="remove"`` deletes rows deleted in Clockify; ``"flag"`` keeps them
        with ``_sdc_deleted_at`` set.
        Returns per-stream counts and each table as pandas (:meth:`ReadResult.df`).
        """
        try:
            import duckdb
        except ImportError:  # pragma: no cover - the extra is installed in development
            msg = "read() needs duckdb and pandas: pip install 'clockify-tap[duckdb]'"
            raise ImportError(msg) from None
        from tap_clockify.duckdb_loader import DuckDBLoader, LoaderWriter
        from tap_clockify.notebook_display import ProgressTable
        from tap_clockify.tap import TapClockify

        account = self.check()
        key = self.source_key(account)
        api_url, _ = base_urls(self.config)
        description = f"{api_url} user {account.user_id} workspaces {','.join(account.workspaces)}"
        owned = not isinstance(database, duckdb.DuckDBPyConnection)
        connection = duckdb.connect(str(database)) if owned else t.cast("t.Any", database)
        try:
            loader = DuckDBLoader(connection, key, deletions=deletions, description=description)
            catalog = copy.deepcopy(self._catalog)
            for entry in catalog["streams"]:
                for metadata in entry["metadata"]:
                    if metadata["breadcrumb"] == []:
                        metadata["metadata"]["selected"] = entry["tap_stream_id"] in self._selected
            table = ProgressTable.shown(self.selected)
            with _preserved(console=True, quiet=table is not None):
                tap: TapClockify = TapClockify(
                    config=copy.deepcopy(self.config),
                    catalog=catalog,
                    state=loader.stored_state() or {},
                    message_writer=LoaderWriter(loader),
                )
                if table is not None:
                    tap.run_state.watch = table.watch
                loader.begin()
                try:
                    tap.sync_all()
                except BaseException as exc:
                    loader.abort()
                    if table is not None:  # no counts: some rows were rolled back
                        table.close({}, exc)
                    raise
                loader.finish()
                if table is not None:
                    table.close(loader.counts)
        finally:
            if owned:
                connection.close()
        return ReadResult(
            str(database) if owned else None, loader.counts, None if owned else connection
        )


@contextlib.contextmanager
def _preserved(*, console: bool = False, quiet: bool = False) -> Iterator[None]:
    """Restore signal handlers, loggers' levels and handlers, and ``sys.stdout`` after.

    With ``console``, the tap's log lines (progress, summaries, warnings) go to stderr
    as on the command line when nothing else is set up to show them; with ``quiet`` only
    warnings and errors do (a notebook's live table shows the progress).
    """
    handlers = {}
    if _main_thread():
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]
    stdout = sys.stdout
    root = logging.getLogger()
    added = None
    if console and not root.handlers:
        from singer_sdk.logging import ConsoleFormatter

        added = logging.StreamHandler(sys.stderr)
        added.setFormatter(ConsoleFormatter())
        added.setLevel(logging.WARNING if quiet else logging.INFO)
        root.addHandler(added)
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        sys.stdout = stdout
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if added is not None:
            root.removeHandler(added)
        known = {lg.name for lg in loggers}
        for lg, level, old_handlers, propagate, disabled in saved:
            lg.setLevel(level)
            lg.handlers[:] = old_handlers
            lg.propagate = propagate
            lg.disabled = disabled
        for name in list(logging.root.manager.loggerDict):
            if name not in known:
                new = logging.getLogger(name)
                new.handlers[:] = []


def _workspace_memberships(user: Mapping[str, t.Any]) -> list[str]:
    """Ids of the workspaces a ``/user`` body names as the user's active memberships."""
    return [
        str(m["targetId"])
        for m in user.get("memberships") or []
        if isinstance(m, dict)
        and m.get("targetId")
        and str(m.get("membershipType") or "WORKSPACE").upper() == "WORKSPACE"
        and str(m.get("membershipStatus") or "ACTIVE").upper() == "ACTIVE"
    ]


def _environment(tap_class: type[TapClockify]) -> dict[str, t.Any]:
    """Read settings from ``TAP_CLOCKIFY_*`` variables, numbers as numbers.

    The SDK leaves ``number`` settings as text, which its own validation then rejects.
    """
    settings = dict(tap_class._env_var_config)
    properties = tap_class.config_jsonschema.get("properties", {})
    for name, value in settings.items():
        kind = properties.get(name, {}).get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "number" in kinds and isinstance(value, str):
            settings[name] = float(value)
    return settings


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
