"""The notebook API in a real Jupyter kernel (nbclient), against the fake server.

A read shows one live table of each stream's records and requests, updated in place
without erasing what the cell printed before or after it; progress lines stay off the
cell (the table has them), and a failing read ends the table with the error and raises
the one-line ``ClockifyError`` inline.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from nbclient import NotebookClient

from tap_clockify.duckdb_loader import Counts
from tap_clockify.notebook_display import REDRAW_INTERVAL, ProgressTable
from tests.conftest import tap_config
from tests.test_convergence import SPEC
from tests.test_notebook import readme_block

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def kernel_env(monkeypatch, tmp_path):
    """Point the kernel's environment at a fake server; returns the server's maker."""
    for name in list(os.environ):
        if name.startswith("TAP_CLOCKIFY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no migration warning from Jupyter
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))

    def configure(server) -> None:
        for name, value in tap_config(server).items():
            monkeypatch.setenv(f"TAP_CLOCKIFY_{name.upper()}", str(value))

    return configure


def run_cell(source: str, cwd: Path) -> list[dict[str, Any]]:
    """Run one cell in a fresh kernel; return its outputs as Jupyter keeps them."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return list(notebook.cells[0].outputs)


def texts(outputs: list[dict[str, Any]], name: str) -> str:
    return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == name)


def test_the_recipe_shows_one_live_table_between_the_cells_other_output(
    make_server, tmp_path, kernel_env
):
    server = make_server(SPEC)
    kernel_env(server)
    outputs = run_cell(readme_block() + "\nprint('after', len(entries))\n", tmp_path)

    kinds = [o["output_type"] for o in outputs]
    assert "error" not in kinds, outputs
    assert kinds.count("display_data") == 1
    table = kinds.index("display_data")
    before = "".join(o.get("text", "") for o in outputs[:table] if o.get("name") == "stdout")
    after = "".join(o.get("text", "") for o in outputs[table:] if o.get("name") == "stdout")
    assert server.dataset.owner_id in before  # check()'s line, still there
    assert "time_entries: " in after  # the counts printed after the read
    assert f"after {len(server.ground_truth('time_entries'))}" in after

    final = outputs[table]["data"]
    html, plain = final["text/html"], final["text/plain"]
    assert "Clockify: done in" in html
    entries = len(server.ground_truth("time_entries"))
    row = next(line for line in plain.splitlines() if line.startswith("time_entries "))
    records, requests, inserted = row.split()[1:4]
    assert int(records.replace(",", "")) == entries
    assert int(inserted.replace(",", "")) == entries
    assert int(requests) >= 1
    for stream in ("workspaces", "projects", "time_entries"):
        assert f"<td>{stream}</td>" in html
    assert "records so far" not in texts(outputs, "stderr")
    assert ": done, " not in texts(outputs, "stderr")  # the table says it


def test_a_failing_read_ends_the_table_with_the_error_and_raises_inline(
    make_server, tmp_path, kernel_env
):
    server = make_server(SPEC)
    kernel_env(server)
    server.inject(status=401, times=1, path_contains="/projects")
    cell = (
        "from tap_clockify.notebook import Source\n"
        "print('before')\n"
        "Source().select('workspaces', 'projects').read('clockify.duckdb')\n"
    )
    outputs = run_cell(cell, tmp_path)

    assert texts(outputs, "stdout") == "before\n"
    displays = [o for o in outputs if o["output_type"] == "display_data"]
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(displays) == len(errors) == 1, outputs
    (display,), (error,) = displays, errors
    assert error["ename"] == "ClockifyError"
    assert error["evalue"].startswith("Clockify rejected the API key (HTTP 401 from 127.0.0.1:")
    assert "\n" not in error["evalue"]
    status = display["data"]["text/plain"].splitlines()[0]
    assert status.startswith("Clockify: failed while reading projects after ")
    assert status.endswith(error["evalue"])
    assert server.api_key not in str(outputs)


class _Handle:
    def __init__(self) -> None:
        self.shown: list[str] = []

    def update(self, table: ProgressTable) -> None:
        self.shown.append(repr(table))


def test_the_table_redraws_at_most_every_interval_and_always_at_the_end(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("tap_clockify.notebook_display.time.monotonic", lambda: clock[0])
    table = ProgressTable(["users", "projects"])
    table._handle = handle = _Handle()
    progress = SimpleNamespace(name="users", records=0, requests=1)
    table.watch(progress)  # type: ignore[arg-type]
    progress.records = 256
    clock[0] += REDRAW_INTERVAL / 2
    table.watch(progress)  # type: ignore[arg-type]
    assert len(handle.shown) == 1
    clock[0] += REDRAW_INTERVAL
    table.watch(progress)  # type: ignore[arg-type]
    assert handle.shown[-1].splitlines()[0] == "Clockify: reading users, 1 s"
    assert "users  256  1" in handle.shown[-1]
    table.close({"users": Counts(inserted=250, updated=6)})
    assert handle.shown[-1].splitlines()[0] == "Clockify: done in 0.8 s"
    assert "users  256  1  250  6  0" in handle.shown[-1]
    assert len(handle.shown) == 3


def test_outside_jupyter_no_table_is_shown():
    assert ProgressTable.shown(["users"]) is None
