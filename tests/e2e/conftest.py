"""End-to-end fixtures: a real PostgreSQL server, Meltano projects, and runs through Meltano.

PostgreSQL is the server ``TAP_CLOCKIFY_TEST_PG_*`` names, or else one the session starts
with ``scripts/test_postgres.sh`` (installing Debian's package when it can) and stops at
the end. Every Meltano project here has its own system database, so no test touches the
project's own state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import sql

from tests.conftest import API_KEY, tap_config
from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
MELTANO = str(Path(sys.executable).with_name("meltano"))
TAP = str(Path(sys.executable).with_name("tap-clockify"))
SCHEMA = "tap_clockify"  # default_target_schema in meltano.yml
PG_ENV = "TAP_CLOCKIFY_TEST_PG_"
START_HINT = 'or start one with: eval "$(scripts/test_postgres.sh start)"'


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a slow end-to-end run: the full suite's, not make matrix's."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.slow)


# --------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class Postgres:
    """The test server: connection details and a few conveniences."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def connect(self, database: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database or self.database,
            autocommit=True,
        )

    def url(self, database: str) -> str:
        return (
            f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"
        )

    def create_database(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with self.connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def loader_env(self, database: str, **settings: Any) -> dict[str, str]:
        """``TARGET_POSTGRES_*`` variables that point target-postgres at ``database``."""
        env = {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": self.password,
            "TARGET_POSTGRES_DATABASE": database,
        }
        env.update({f"TARGET_POSTGRES_{k.upper()}": str(v).lower() for k, v in settings.items()})
        return env


#: Why the session could not have PostgreSQL, once it tried (None: it has one).
_POSTGRES_MISSING: list[str] = []


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI needs PostgreSQL for the end-to-end tests: {reason}")
    _POSTGRES_MISSING[:] = [reason]
    pytest.skip(f"no test PostgreSQL ({reason}); {START_HINT}")


def _start_postgres() -> dict[str, str]:
    """Start a throwaway server with scripts/test_postgres.sh; return its variables."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test_postgres.sh"), "start"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1].rstrip(".")
        raise RuntimeError(f"scripts/test_postgres.sh start failed: {last}")
    exports = [line.removeprefix("export ") for line in done.stdout.splitlines()]
    return dict(line.split("=", 1) for line in exports if line.startswith(PG_ENV))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server: the one named by ``TAP_CLOCKIFY_TEST_PG_*``, else one of our own.

    Without those variables the session starts a throwaway server the way ``.ci/run`` used
    to (installing Debian's package where it can) and stops it at the end. Only where that
    fails do these tests skip (in CI, where ``CI=true``, they fail instead).
    """
    started: dict[str, str] = {}
    if not os.environ.get(PG_ENV + "HOST"):
        try:
            started = _start_postgres()
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
            _unavailable(str(error))
        os.environ.update(started)
    server = Postgres(
        host=os.environ[PG_ENV + "HOST"],
        port=int(os.environ.get(PG_ENV + "PORT", "5432")),
        user=os.environ.get(PG_ENV + "USER", "postgres"),
        password=os.environ.get(PG_ENV + "PASSWORD", ""),
        database=os.environ.get(PG_ENV + "DATABASE", "postgres"),
    )
    try:
        server.connect().close()
    except psycopg.OperationalError as error:
        _unavailable(f"cannot connect to {server.host}:{server.port}: {error}")
    yield server
    if started:
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "test_postgres.sh"), "stop"],
            capture_output=True,
            check=False,
            timeout=120,
        )
        for name in started:
            os.environ.pop(name, None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, at the end, why the PostgreSQL tests skipped and how to run them."""
    if _POSTGRES_MISSING:
        terminalreporter.write_line(
            f"PostgreSQL tests skipped: {_POSTGRES_MISSING[0]}. They need PostgreSQL's server "
            "binaries (Debian: apt-get install postgresql) or TAP_CLOCKIFY_TEST_PG_* pointing "
            "at a server; see scripts/test_postgres.sh."
        )


@pytest.fixture(scope="module")
def warehouse(postgres: Postgres, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the test module's own, for target-postgres."""
    name = postgres.create_database(request.module.__name__.rsplit(".", 1)[-1])
    yield name
    postgres.drop_database(name)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeClockify]:
    """A fake Clockify server of the test module's own, which its tests may edit."""
    with FakeClockify(build_dataset(DatasetSpec()), api_key=API_KEY) as server:
        yield server


def query(connection: psycopg.Connection, statement: str, *params: Any) -> list[tuple]:
    return connection.execute(statement, params).fetchall()


def tables(connection: psycopg.Connection, schema: str = SCHEMA) -> set[str]:
    rows = query(
        connection,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        schema,
    )
    return {name for (name,) in rows}


def columns(connection: psycopg.Connection, table: str, schema: str = SCHEMA) -> dict[str, str]:
    """Column name -> type, arrays as ``text[]``/``jsonb[]``."""
    rows = query(
        connection,
        "SELECT column_name, data_type, udt_name FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s",
        schema,
        table,
    )
    return {
        name: (udt.lstrip("_") + "[]" if data_type == "ARRAY" else data_type)
        for name, data_type, udt in rows
    }


def primary_key(connection: psycopg.Connection, table: str, schema: str = SCHEMA) -> set[str]:
    rows = query(
        connection,
        "SELECT kcu.column_name FROM information_schema.table_constraints tc"
        " JOIN information_schema.key_column_usage kcu"
        "   ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema"
        " WHERE tc.table_schema = %s AND tc.table_name = %s AND tc.constraint_type = 'PRIMARY KEY'",
        schema,
        table,
    )
    return {name for (name,) in rows}


def count(
    connection: psycopg.Connection, table: str, where: str = "TRUE", schema: str = SCHEMA
) -> int:
    statement = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
        sql.Identifier(schema, table), sql.SQL(where)
    )
    return int(connection.execute(statement).fetchone()[0])


# --------------------------------------------------------------------------- Meltano


def catalog_keys() -> dict[str, set[str]]:
    """Every stream of the tap and its primary key, from discovery (no API call)."""
    catalog = json.loads(
        subprocess.run([TAP, "--discover"], capture_output=True, text=True, check=True).stdout
    )
    return {entry["tap_stream_id"]: set(entry["key_properties"]) for entry in catalog["streams"]}


def clockify_env(server: Any, **settings: Any) -> dict[str, str]:
    """``TAP_CLOCKIFY_*`` variables that point the extractor at a fake Clockify server."""
    config = tap_config(server, **settings)
    return {
        f"TAP_CLOCKIFY_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in config.items()
    }


@dataclass
class MeltanoProject:
    """A Meltano project directory and the environment its commands run with."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, system_db: str, **env: str) -> MeltanoProject:
        clean = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TAP_CLOCKIFY_", "TARGET_", "MELTANO_"))
        }
        clean.update(MELTANO_DATABASE_URI=system_db, MELTANO_SEND_ANONYMOUS_USAGE_STATS="false")
        return cls(root, {**clean, **env})

    def meltano(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [MELTANO, *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if check:
            assert done.returncode == 0, f"meltano {' '.join(args)}:\n{done.stderr[-4000:]}"
        return done

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [MELTANO, *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def state(self, state_id: str) -> dict[str, Any]:
        """The Singer state Meltano stored under ``state_id``."""
        stored = json.loads(self.meltano("state", "get", state_id).stdout)
        return stored["singer_state"]


def copy_project(destination: Path) -> Path:
    """A fresh project directory with this project's meltano.yml (for tests that edit it)."""
    destination.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "meltano.yml").read_text()
    assert "pip_url: -e .\n" in text
    text = text.replace("pip_url: -e .\n", f"pip_url: -e {ROOT}\n")
    (destination / "meltano.yml").write_text(text)
    shutil.copytree(ROOT / "scripts", destination / "scripts")
    return destination


def time_entry_partitions(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``time_entries`` state partitions by workspace id."""
    partitions = state["bookmarks"]["time_entries"]["partitions"]
    return {partition["context"]["workspaceId"]: partition for partition in partitions}
