"""Load target-jsonl's files into DuckDB: one table per stream, the current rows only.

target-jsonl appends each run's records to ``output/<stream>.jsonl``: an object appears
once per run that emitted it, and a deleted one once more with ``_sdc_deleted_at`` set.
This keeps the last version of every primary key (keys from ``tap-clockify --discover``)
and leaves the deleted ones out, then lets DuckDB infer the column types::

    .venv/bin/python scripts/jsonl_to_duckdb.py                # output/ -> output/clockify.duckdb
    .venv/bin/python scripts/jsonl_to_duckdb.py DIR DATABASE

Full-table streams (users, workspaces, ...) carry no deletion flags, so an object that
disappeared from Clockify stays until you sync into an empty directory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

TAP = str(Path(sys.executable).with_name("tap-clockify"))


def primary_keys() -> dict[str, list[str]]:
    """Each stream's key properties, from the tap's catalog (discovery calls no API)."""
    catalog = json.loads(
        subprocess.run([TAP, "--discover"], capture_output=True, text=True, check=True).stdout
    )
    return {entry["tap_stream_id"]: entry["key_properties"] for entry in catalog["streams"]}


def current_rows(files: list[Path], keys: list[str]) -> list[dict]:
    """The last version of each key across ``files`` (oldest first), minus deleted ones."""
    latest: dict[tuple, dict] = {}
    for path in files:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                latest[tuple(record.get(key) for key in keys)] = record
    rows = [row for row in latest.values() if not row.get("_sdc_deleted_at")]
    for row in rows:
        row.pop("_sdc_deleted_at", None)
    return rows


def load(source: Path, database: Path) -> dict[str, int]:
    """Replace one table per stream found in ``source``; return the row count of each."""
    counts = {}
    with duckdb.connect(str(database)) as connection, tempfile.TemporaryDirectory() as tmp:
        for stream, keys in primary_keys().items():
            # target-jsonl writes <stream>.jsonl, or <stream>-<timestamp>.jsonl per run.
            files = sorted(source.glob(f"{stream}.jsonl")) + sorted(
                source.glob(f"{stream}-*.jsonl")
            )
            rows = current_rows(files, keys)
            if not rows:
                continue
            staged = Path(tmp, f"{stream}.jsonl")
            staged.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
            connection.execute(
                f'CREATE OR REPLACE TABLE "{stream}" AS '
                "SELECT * FROM read_json(?, format = 'newline_delimited', sample_size = -1)",
                [str(staged)],
            )
            counts[stream] = len(rows)
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
