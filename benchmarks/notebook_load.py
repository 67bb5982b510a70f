"""CPU per 10,000 records of ``Source.read()`` into DuckDB, next to the tap's own.

The fake Clockify server runs in its own process; this process runs the tap twice per
round, in turns: once writing Singer messages to /dev/null (the tap's own cost), once
through ``tap_clockify.notebook.Source.read`` into a new DuckDB file (the tap plus the
loader). Each keeps its least-CPU round; the difference is the loader's cost::

    .venv/bin/python benchmarks/notebook_load.py [--entries-per-user 2500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tap_clockify.notebook import Source, _preserved  # noqa: E402
from tap_clockify.tap import TapClockify  # noqa: E402

STREAMS = ("workspaces", "users", "projects", "clients", "tags", "tasks", "time_entries")


def cpu() -> float:
    """CPU seconds of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tap_alone(config: dict, catalog: dict) -> float:
    """CPU of one sync whose Singer messages go to /dev/null."""
    stdout = sys.stdout
    with Path(os.devnull).open("w") as null, _preserved():
        sys.stdout = null
        try:
            before = cpu()
            TapClockify(config=dict(config), catalog=catalog).sync_all()
            return cpu() - before
        finally:
            sys.stdout = stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries-per-user", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_clockify", "--port", "0", "--users-per-workspace",
         "10", "--entries-per-user", str(args.entries_per_user)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        start = datetime.now(timezone.utc) - timedelta(days=410)
        config = {
            "api_key": info["api_key"],
            "api_url": info["api_url"],
            "reports_url": info["reports_url"],
            "start_date": start.strftime("%Y-%m-%dT00:00:00Z"),
            "requests_per_second": 1000,
            "emit_activate_version_messages": True,
        }
        source = Source(config).select(*STREAMS)
        catalog = json.loads(json.dumps(source._catalog))
        for entry in catalog["streams"]:
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == []:
                    metadata["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
        alone, loaded, records = [], [], 0
        with tempfile.TemporaryDirectory() as tmp:
            for round_ in range(args.repeat):
                alone.append(tap_alone(config, catalog))
                before = cpu()
                result = source.read(Path(tmp, f"round{round_}.duckdb"))
                loaded.append(cpu() - before)
                records = sum(counts.inserted for counts in result.counts.values())
    finally:
        server.terminate()
        server.wait()
    per = 10_000 / records
    print(
        f"{records} records: tap alone {min(alone) * per:.2f} s CPU per 10,000 records, "
        f"read() into DuckDB {min(loaded) * per:.2f} s, "
        f"the loader's share {(min(loaded) - min(alone)) * per:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
