"""A read's progress as one live table in a Jupyter notebook, updated in place.

Jupyter replaces a display given a ``display_id`` without touching the cell's other
output (``clear_output`` would erase it all), so the table sits below whatever the cell
printed before and above whatever it prints after. Outside a Jupyter kernel nothing is
displayed: the tap's progress lines go to stderr as on the command line.
"""

from __future__ import annotations

import html
import sys
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    from tap_clockify.duckdb_loader import Counts
    from tap_clockify.progress import Progress

#: Seconds between two redraws while a read runs (the final one is always drawn).
REDRAW_INTERVAL = 0.5
_COLUMNS = ("stream", "records", "requests", "inserted", "updated", "deleted")


def in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (terminal IPython has no ``kernel``)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


class ProgressTable:
    """Records and requests of each selected stream; the loader's counts once finished."""

    def __init__(self, streams: list[str]) -> None:
        self.rows: dict[str, dict[str, int]] = {name: {} for name in streams}
        self.current: str | None = None
        self.outcome = ""
        self._started = time.monotonic()
        self._drawn = 0.0
        self._lock = threading.Lock()
        self._handle: t.Any = None

    @classmethod
    def shown(cls, streams: list[str]) -> ProgressTable | None:
        """Display a new table in the running notebook cell; None outside Jupyter."""
        if not in_jupyter():
            return None
        from IPython.display import display  # type: ignore[import-not-found,unused-ignore]

        table = cls(streams)
        table._handle = display(table, display_id=True)  # type: ignore[no-untyped-call,unused-ignore]
        return table

    def watch(self, progress: Progress) -> None:
        """Take a stream's figures (from any thread); redraw at most every interval."""
        with self._lock:
            self.rows.setdefault(progress.name, {}).update(
                records=progress.records, requests=progress.requests
            )
            self.current = progress.name
            now = time.monotonic()
            if now - self._drawn < REDRAW_INTERVAL:
                return
            self._drawn = now
        self._redraw()

    def close(self, counts: dict[str, Counts], error: BaseException | None = None) -> None:
        """Draw the final table: the loader's counts, and the error if the read failed."""
        with self._lock:
            for stream, count in counts.items():
                self.rows.setdefault(stream, {}).update(
                    inserted=count.inserted, updated=count.updated, deleted=count.deleted
                )
            took = time.monotonic() - self._started
            if error is None:
                self.outcome = f"done in {took:.1f} s"
            else:
                where = f" while reading {self.current}" if self.current else ""
                self.outcome = f"failed{where} after {took:.1f} s: {error}"
            self.current = None
        self._redraw()

    def _redraw(self) -> None:
        if self._handle is not None:
            self._handle.update(self)

    def _status(self) -> str:
        if self.outcome:
            return self.outcome
        reading = f"reading {self.current}" if self.current else "starting"
        return f"{reading}, {time.monotonic() - self._started:.0f} s"

    def _cells(self) -> list[list[str]]:
        return [
            [name, *(f"{row[c]:,}" if c in row else "" for c in _COLUMNS[1:])]
            for name, row in self.rows.items()
        ]

    def __repr__(self) -> str:
        lines = [f"Clockify: {self._status()}", "  ".join(_COLUMNS)]
        lines += ["  ".join(cells) for cells in self._cells()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
            for cells in self._cells()
        )
        caption = html.escape(f"Clockify: {self._status()}")
        return (
            f"<table><caption style='text-align:left'>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
