"""CPU per 10,000 records of ``Source.read()`` into DuckDB, next to the tap's own.

``read()`` runs the tap and the DuckDB loader in one process; the project asks that it
cost at most twice the tap's own CPU per record on the ``medium`` scenario. So that the
figures compare with ``benchmarks/run.py``'s, this takes its scenarios (``SCENARIOS``),
fake server (one workspace, no latency), config and streams (``CORE_STREAMS``); the tap
alone also gets ``emit_activate_version_messages``, which ``read()`` turns on.

Per scenario the fake server runs in its own process, and this process runs, in each of
``--repeat`` rounds, the tap with its Singer messages counted and thrown away (the
tap's own cost) and ``Source.read`` into a new DuckDB file (the tap plus the loader),
each of the two going first in every other round. CPU time (every thread, in-process, so
no start-up) wanders on a shared machine, so each keeps its least-CPU round; the
difference is the loader's. ``read()`` logs to stderr::

    .venv/bin/python benchmarks/notebook_load.py 2>/dev/null          # medium, 3 rounds
    .venv/bin/python benchmarks/notebook_load.py --scenarios small,medium --repeat 5

One line per scenario: records, requests (``read()`` also asks ``/user`` first), CPU s
per 10,000 records of the tap alone and of ``read()``, the loader's share of ``read()``,
and ``read()`` / tap alone (at most 2.0 on ``medium``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import API_KEY, CORE_STREAMS, SCENARIOS, server_requests  # noqa: E402
from tap_clockify.notebook import Source, _preserved  # noqa: E402
from tap_clockify.tap import TapClockify  # noqa: E402

RECORD = b'{"type":"RECORD"'


def cpu() -> float:
    """CPU seconds of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RecordCounter:
    """A stdout that throws the tap's output away, counting its RECORD lines.

    The tap writes whole lines in chunks of about 256 KB to ``sys.stdout.buffer``, so
    counting costs one ``bytes.count`` per chunk.
    """

    def __init__(self) -> None:
        self.records = 0
        self.buffer = self

    def write(self, data: bytes | str) -> int:
        chunk = data.encode() if isinstance(data, str) else data
        self.records += chunk.count(RECORD)
        return len(data)

    def flush(self) -> None:
        pass


def tap_alone(config: dict[str, object], catalog: dict[str, object]) -> tuple[float, int]:
    """CPU and records of one sync whose Singer messages go nowhere."""
    stdout = sys.stdout
    counter = RecordCounter()
    with _preserved():
        sys.stdout = counter  # type: ignore[assignment]
        try:
            before = cpu()
            TapClockify(config=dict(config), catalog=catalog).sync_all()
            return cpu() - before, counter.records
        finally:
            sys.stdout = stdout


def run_scenario(name: str, repeat: int, workdir: Path) -> str:
    """Start the scenario's fake server, measure both ``repeat`` times, return the line."""
    knobs = [f"--{key}={value}" for key, value in SCENARIOS[name].items()]
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_clockify", "--port=0", "--workspaces=1",
         "--latency-ms=0", f"--api-key={API_KEY}", *knobs],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        stats_url = info["base_url"] + "/_fake/stats"
        # run.py's config; Source adds emit_activate_version_messages, and the tap alone
        # gets Source's config too, so that both do the same work.
        source = Source(
            {
                "api_key": API_KEY,
                "api_url": info["api_url"],
                "reports_url": info["reports_url"],
                "start_date": "2000-01-01T00:00:00Z",
                "requests_per_second": 10_000,
            }
        ).select(*CORE_STREAMS)
        catalog = json.loads(json.dumps(source._catalog))
        for entry in catalog["streams"]:
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == []:
                    metadata["metadata"]["selected"] = entry["tap_stream_id"] in CORE_STREAMS
        alone: list[float] = []
        loaded: list[float] = []
        records = loaded_records = requests = loaded_requests = 0
        for round_ in range(repeat):
            for turn in (0, 1) if round_ % 2 == 0 else (1, 0):  # each goes first in turn
                asked = server_requests(stats_url)
                if turn == 0:
                    seconds, records = tap_alone(source.config, catalog)
                    alone.append(seconds)
                    requests = server_requests(stats_url) - asked
                else:
                    before = cpu()
                    result = source.read(workdir / f"{name}-{round_}.duckdb")
                    loaded.append(cpu() - before)
                    loaded_requests = server_requests(stats_url) - asked
                    loaded_records = sum(c.inserted + c.updated for c in result.counts.values())
    finally:
        server.terminate()
        server.wait()
    per = 10_000 / records
    tap_s, read_s = min(alone) * per, min(loaded) * per
    mismatch = "" if loaded_records == records else f" (read() stored {loaded_records})"
    return (
        f"{name}: {records} records{mismatch}, {requests} requests (read() {loaded_requests}); "
        f"CPU s per 10,000 records: tap alone {tap_s:.3f}, read() into DuckDB {read_s:.3f}, "
        f"loader's share {read_s - tap_s:.3f} ({(read_s - tap_s) / read_s:.0%}); "
        f"read()/tap alone {read_s / tap_s:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--scenarios", default="medium", help=f"comma-separated, of {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds, least CPU kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.scenarios.split(","):
            print(run_scenario(name, args.repeat, Path(workdir)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
