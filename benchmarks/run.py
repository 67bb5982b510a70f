"""Benchmark the tap against the standalone fake Clockify server, next to a bare loop.

For each scenario (dataset size) and latency, the fake server runs in its own process;
the tap syncs the core streams into a pipe that this script drains, and
``benchmarks/bare_loop.py`` fetches the same pages with plain requests + json. Both
are measured the same way: wall time, CPU time and peak RSS of that process alone
(``os.wait4``), records written, and HTTP requests the server answered. CPU per 10,000
records leaves out each program's start-up (measured alone: ``tap-clockify --about``,
and the bare loop's imports), so the ratio of the two is the cost of our per-record
work next to a plain loop's. CPU time on a shared machine wanders from run to run, so
each program runs ``--repeat`` times, in turns, and its least-CPU run is kept.

    python benchmarks/run.py                              # every scenario, 0 and 50 ms
    python benchmarks/run.py --scenarios medium --latencies 0 --repeat 9

Writes a table to stdout and the figures to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORE_STREAMS = (
    "workspaces",
    "users",
    "user_groups",
    "clients",
    "projects",
    "tasks",
    "tags",
    "custom_fields",
    "time_entries",
)
#: Dataset knobs per scenario; 5 of every 7 members track time in the fake's data.
SCENARIOS: dict[str, dict[str, int]] = {
    "small": {"users-per-workspace": 10, "entries-per-user": 100, "projects": 6},
    "medium": {"users-per-workspace": 70, "entries-per-user": 400, "projects": 30},
    "large": {"users-per-workspace": 350, "entries-per-user": 2000, "projects": 30},
}
API_KEY = "benchmark-key"


@dataclass
class Measure:
    """One process's run."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    records: int
    requests: int

    @property
    def records_per_s(self) -> float:
        return self.records / self.wall_s if self.wall_s else 0.0


def measured(command: list[str], stats_url: str, count: bytes) -> Measure:
    """Run ``command``, count ``count`` in its stdout, and measure it alone."""
    before = server_requests(stats_url)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    records, tail = 0, b""
    while chunk := process.stdout.read(1 << 20):
        data = tail + chunk
        records += data.count(count)
        tail = data[-len(count) :]
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.stdout.close()
    if status != 0:
        raise SystemExit(f"{command[0]} failed with status {status}")
    return Measure(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        records=records,
        requests=server_requests(stats_url) - before,
    )


def startup_cpu(command: list[str], runs: int = 3) -> float:
    """The least CPU seconds ``command`` takes over a few runs (its start-up alone)."""
    best = float("inf")
    for _ in range(runs):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(process.pid, 0)
        best = min(best, usage.ru_utime + usage.ru_stime)
    return best


STARTUP = {
    "tap": [str(BIN / "tap-clockify"), "--about"],
    "bare_loop": [sys.executable, "-c", "import json, sys, requests"],
}


def cpu_per_10k(measure: dict[str, float], startup: float) -> float:
    """CPU seconds per 10,000 records, start-up left out."""
    return (measure["cpu_s"] - startup) / measure["records"] * 10_000 if measure["records"] else 0.0


def server_requests(stats_url: str) -> int:
    with urllib.request.urlopen(stats_url) as response:
        return int(json.load(response)["requests"])


def least_cpu(runs: list[Measure]) -> Measure:
    """The run that spent the least CPU: the one least disturbed by the rest of the machine."""
    return min(runs, key=lambda run: run.cpu_s)


def run_scenario(
    name: str, latency_ms: float, workdir: Path, startups: dict[str, float], repeat: int
) -> dict[str, object]:
    """Start a fake server for the scenario and measure the tap and the bare loop on it."""
    knobs = [f"--{key}={value}" for key, value in SCENARIOS[name].items()]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_clockify",
            "--port=0",
            "--workspaces=1",
            f"--latency-ms={latency_ms}",
            f"--api-key={API_KEY}",
            *knobs,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        stats_url = info["base_url"] + "/_fake/stats"
        config = workdir / "config.json"
        config.write_text(
            json.dumps(
                {
                    "api_key": API_KEY,
                    "api_url": info["api_url"],
                    "reports_url": info["reports_url"],
                    "start_date": "2000-01-01T00:00:00Z",
                    "requests_per_second": 10_000,
                }
            )
        )
        catalog = workdir / "catalog.json"
        catalog.write_text(json.dumps(core_catalog(config)))
        taps, bares = [], []
        for _ in range(repeat):
            taps.append(
                measured(
                    [str(BIN / "tap-clockify"), "--config", str(config), "--catalog", str(catalog)],
                    stats_url,
                    b'{"type":"RECORD"',
                )
            )
            bares.append(
                measured(
                    [
                        sys.executable,
                        str(ROOT / "benchmarks" / "bare_loop.py"),
                        info["api_url"],
                        API_KEY,
                    ],
                    stats_url,
                    b"\n",
                )
            )
        tap, bare = least_cpu(taps), least_cpu(bares)
    finally:
        server.terminate()
        server.wait()
    tap_per_10k = cpu_per_10k(asdict(tap), startups["tap"])
    bare_per_10k = cpu_per_10k(asdict(bare), startups["bare_loop"])
    return {
        "scenario": name,
        "latency_ms": latency_ms,
        "tap": asdict(tap) | {"records_per_s": tap.records_per_s},
        "bare_loop": asdict(bare) | {"records_per_s": bare.records_per_s},
        "throughput_ratio": tap.records_per_s / bare.records_per_s,
        "startup_cpu_s": startups,
        "tap_cpu_per_10k": tap_per_10k,
        "bare_cpu_per_10k": bare_per_10k,
        "cpu_ratio": tap_per_10k / bare_per_10k if bare_per_10k else 0.0,
    }


def core_catalog(config: Path) -> dict[str, object]:
    """The tap's catalog with only the core streams selected."""
    discovered = subprocess.run(
        [str(BIN / "tap-clockify"), "--config", str(config), "--discover"],
        capture_output=True,
        check=True,
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in CORE_STREAMS
    return catalog


def table(results: list[dict[str, object]]) -> str:
    header = (
        f"{'scenario':8} {'lat ms':>6} {'records':>8} {'requests':>8} {'wall s':>7} "
        f"{'rec/s':>8} {'cpu s':>6} {'rss MB':>7} | {'bare rec/s':>10} {'bare wall':>9} "
        f"{'ratio':>6} | {'cpu/10k':>7} {'bare':>6} {'x':>5}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        tap, bare = result["tap"], result["bare_loop"]
        assert isinstance(tap, dict)
        assert isinstance(bare, dict)
        lines.append(
            f"{result['scenario']:8} {result['latency_ms']:>6.0f} {tap['records']:>8} "
            f"{tap['requests']:>8} {tap['wall_s']:>7.2f} {tap['records_per_s']:>8.0f} "
            f"{tap['cpu_s']:>6.2f} {tap['peak_rss_mb']:>7.1f} | {bare['records_per_s']:>10.0f} "
            f"{bare['wall_s']:>9.2f} {result['throughput_ratio']:>6.2f} | "
            f"{result['tap_cpu_per_10k']:>7.3f} {result['bare_cpu_per_10k']:>6.3f} "
            f"{result['cpu_ratio']:>5.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="small,medium,large")
    parser.add_argument("--latencies", default="0,50")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each program, least CPU kept"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    results = []
    startups = {
        program: startup_cpu(command, runs=max(3, args.repeat))
        for program, command in STARTUP.items()
    }
    print(f"start-up CPU s: tap {startups['tap']:.2f}, bare loop {startups['bare_loop']:.2f}")
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.scenarios.split(","):
            for latency in args.latencies.split(","):
                results.append(
                    run_scenario(name, float(latency), Path(workdir), startups, args.repeat)
                )
                print(table(results[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(results))
    machine = {
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "system": platform.platform(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "repeat": args.repeat, "results": results}
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {args.out}")


if __name__ == "__main__":
    main()
