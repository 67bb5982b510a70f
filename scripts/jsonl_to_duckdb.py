"""Load target-jsonl's files into DuckDB: one table per stream, the current rows only.

target-jsonl appends each run's records to ``output/<stream>.jsonl``: an object appears
once per run that emitted it, and a deleted one once more with ``_sdc_deleted_at`` set.
This rebuilds each stream's table from its files, oldest first, with the same loader the
notebook API uses (``tap_clockify.duckdb_loader``): columns typed from the stream's
schema (``tap-clockify --discover``: times ``TIMESTAMPTZ``, numbers ``DECIMAL(38, 9)``,
objects ``STRUCT``), rows upserted on the stream's key, deleted ones removed::

    .venv/bin/python scripts/jsonl_to_duckdb.py                # output/ -> output/clockify.duckdb
    .venv/bin/python scripts/jsonl_to_duckdb.py DIR DATABASE

target-jsonl keeps no ACTIVATE_VERSION messages, so an object that disappeared from a
full-table stream (users, workspaces, ...) stays until you sync into an empty directory;
the notebook API (``tap_clockify.notebook``) removes those too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from tap_clockify.duckdb_loader import DuckDBLoader

TAP = str(Path(sys.executable).with_name("tap-clockify"))
#: The loader's source name for rows loaded from files (no state is kept for them).
SOURCE = "jsonl"


def catalog() -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Each stream's schema and key properties (discovery calls no API)."""
    found = json.loads(
        subprocess.run([TAP, "--discover"], capture_output=True, text=True, check=True).stdout
    )
    return {
        entry["tap_stream_id"]: (entry["schema"], entry["key_properties"])
        for entry in found["streams"]
    }


def stream_files(source: Path, stream: str) -> list[Path]:
    """target-jsonl writes <stream>.jsonl, or <stream>-<timestamp>.jsonl per run."""
    return sorted(source.glob(f"{stream}.jsonl")) + sorted(source.glob(f"{stream}-*.jsonl"))


def load(source: Path, database: Path) -> dict[str, int]:
    """Rebuild one table per stream found in ``source``; return each one's row count."""
    counts = {}
    with duckdb.connect(str(database)) as connection:
        loader = DuckDBLoader(connection, SOURCE)
        loader.begin()
        try:
            for stream, (schema, keys) in catalog().items():
                files = stream_files(source, stream)
                if not files:
                    continue
                loader.schema(stream, schema, keys, replace=True)
                for path in files:
                    with path.open(encoding="utf-8") as lines:
                        for line in lines:
                            loader.record(stream, json.loads(line, parse_float=Decimal), None)
            loader.finish()
        except BaseException:
            loader.abort()
            raise
        for stream, numbers in loader.counts.items():
            counts[stream] = numbers.inserted
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("source", nargs="?", type=Path, default=Path("output"))
    parser.add_argument("database", nargs="?", type=Path, default=Path("output/clockify.duckdb"))
    args = parser.parse_args()
    counts = load(args.source, args.database)
    if not counts:
        print(f"no stream files in {args.source}", file=sys.stderr)
        return 1
    for stream, count in counts.items():
        print(f"{stream}: {count} rows")
    print(f"Done: {args.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
