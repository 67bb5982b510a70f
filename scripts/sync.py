"""The main job: Clockify into ``output/*.jsonl`` through Meltano and target-jsonl, then
``output/clockify.duckdb`` (one table per stream, current rows only) for pandas.

With ``TAP_CLOCKIFY_API_KEY`` set (and any other ``TAP_CLOCKIFY_*`` setting), it reads
your Clockify account. Without it, it starts the bundled fake Clockify server
(``tests/fake_clockify``) and syncs from that, so a fresh clone can be tried offline.
Run it with ``make sync``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(Path(sys.executable).with_name("meltano"))


def main() -> int:
    subprocess.run([MELTANO, "install"], cwd=ROOT, check=True)
    env = dict(os.environ)
    server = None
    if not env.get("TAP_CLOCKIFY_API_KEY"):
        print("TAP_CLOCKIFY_API_KEY is not set: syncing the demo Clockify server.", flush=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_clockify", "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        env["TAP_CLOCKIFY_API_KEY"] = info["api_key"]
        env["TAP_CLOCKIFY_API_URL"] = info["api_url"]
        env["TAP_CLOCKIFY_REPORTS_URL"] = info["reports_url"]
    try:
        run = subprocess.run([MELTANO, "run", "tap-clockify", "target-jsonl"], cwd=ROOT, env=env)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    if run.returncode != 0:
        return run.returncode
    output = ROOT / env.get("TARGET_JSONL_DESTINATION_PATH", "output")
    print(f"Done: one JSON Lines file per stream in {output}", flush=True)
    loader = ROOT / "scripts" / "jsonl_to_duckdb.py"
    database = output / "clockify.duckdb"
    return subprocess.run([sys.executable, str(loader), str(output), str(database)]).returncode


if __name__ == "__main__":
    sys.exit(main())
