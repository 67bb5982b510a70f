"""Remove the rows the tap flagged as deleted from target-postgres's tables.

target-postgres (MeltanoLabs variant) honours ``hard_delete`` only for ACTIVATE_VERSION
messages: rows that arrive with ``_sdc_deleted_at`` set (time entries, clients, projects,
tags and tasks deleted in Clockify) are upserted and keep the flag. This step completes
``hard_delete`` for them. Meltano runs it as a command of the loader, in the loader's
virtualenv, with the loader's settings in ``TARGET_POSTGRES_*`` variables::

    meltano run tap-clockify target-postgres target-postgres:hard-delete

It does nothing unless ``hard_delete`` is on; then it deletes every row with
``_sdc_deleted_at`` set from each table of ``default_target_schema`` that has the column.
"""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql

PREFIX = "TARGET_POSTGRES_"


def setting(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name.upper(), default)


def connect() -> psycopg.Connection:
    url = setting("sqlalchemy_url")
    if url:
        # SQLAlchemy's "postgresql+psycopg://" is a libpq URL once the driver is dropped.
        scheme, rest = url.split("://", 1)
        return psycopg.connect(scheme.split("+", 1)[0] + "://" + rest)
    return psycopg.connect(
        host=setting("host", "localhost"),
        port=setting("port", "5432"),
        user=setting("user") or None,
        password=setting("password") or None,
        dbname=setting("database") or None,
    )


def main() -> int:
    if setting("hard_delete", "false").lower() not in {"true", "1", "yes"}:
        print("hard_delete is off: rows flagged with _sdc_deleted_at are kept.")
        return 0
    schema = setting("default_target_schema")
    if not schema:
        print("default_target_schema is not set", file=sys.stderr)
        return 1
    with connect() as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = %s AND column_name = '_sdc_deleted_at' ORDER BY table_name",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            deleted = connection.execute(
                sql.SQL("DELETE FROM {} WHERE _sdc_deleted_at IS NOT NULL").format(
                    sql.Identifier(schema, table)
                )
            ).rowcount
            print(f"{schema}.{table}: removed {deleted} deleted rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
