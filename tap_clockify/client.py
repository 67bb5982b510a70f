"""The one base stream: what every Clockify stream does with the records it reads.

Record output (shaped once, written straight when nothing else applies), bookmarks,
ACTIVATE_VERSION held until the run succeeded, passes over a list and date windows, and
paid features a workspace lacks. What goes over the wire is in transport.py. Concrete
streams only declare their path, keys, schema and query parameters.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from functools import cached_property

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_clockify.bookmarks import ProgressMarker
from tap_clockify.conform import RecordShaper
from tap_clockify.errors import AccessDeniedError, ClockifyError, WindowRejectedError
from tap_clockify.progress import quiet_console
from tap_clockify.quota import CycleProgress, QuotaExhaustedError
from tap_clockify.timeutil import Width, parse_time, windows
from tap_clockify.transport import PASS_QUERY, ClockifyTransport
from tap_clockify.writer import SingerWriter

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_clockify.run_state import RunState

_Stream = t.TypeVar("_Stream", bound="ClockifyStream")


class ClockifyStream(ClockifyTransport):
    """Base for every Clockify stream."""

    #: Records arrive as JSON whose types already match the schemas (generated from the
    #: same spec), so only top-level properties are checked: undeclared ones are dropped
    #: with a warning, nested values pass through as they came.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY
    #: A paid feature: a 403 skips the stream for that workspace (``fail_on_unavailable_features``).
    plan_gated: t.ClassVar[bool] = False
    #: Whether one record can come back twice (several passes or windows): emitted once.
    may_repeat_records: t.ClassVar[bool] = False
    #: For lists read in date windows: the widths to try, widest first (``read_windows``).
    window_widths: t.ClassVar[tuple[Width, ...]] = ()

    def __init__(self, tap: Tap, run: RunState) -> None:
        super().__init__(tap, run)
        quiet_console(self.logger)
        self._unavailable_in: set[str] = set()
        self._pending_version: int | None = None
        #: Whether a partition was left out as finished by an earlier run of the cycle.
        self._finished_before = False

    def sync(self, context: Context | None = None) -> None:  # type: ignore[misc]  # final in the SDK; extended, not replaced
        """Sync a partition, or one object's part of it, unless its cycle finished it.

        See quota.py: a run continuing a cycle that the quota cut short skips what the
        cycle finished; every run records what it finishes. The SDK marks this method
        final; tests/test_quota.py pins that the override still runs.
        """
        if not context or "workspaceId" not in context:
            super().sync(context)
            return
        if context["workspaceId"] in self.run.quota_stops:
            return  # that workspace has no requests left this hour
        progress = self.cycle_progress(context)
        part = self._parent_of(context)
        if progress.finished or (part and progress.part_finished(part)):
            self._finished_before = True
            return
        try:
            super().sync(context)
        except QuotaExhaustedError as stop:
            # Stop this workspace, as a killed run would (its bookmark is not advanced),
            # and go on with the others: each has a quota of its own.
            self.run.quota_stops[context["workspaceId"]] = stop
            self.get_context_state(context).pop("progress_markers", None)
            self._finished_before = True
            return
        if context["workspaceId"] in self.run.quota_stops:
            return  # a stream read through this one was cut short: not finished
        if part:
            progress.finish_part(part)
        else:
            progress.finish()

    def cycle_progress(self, context: Context | None) -> CycleProgress:
        """Return what this cycle of runs finished of the context's partition (quota.py)."""
        return CycleProgress(self.get_context_state(context), self.run)

    def helper(self, stream_class: type[_Stream]) -> _Stream:
        """Make an internal stream (one endpoint read for this one) that shares the run."""
        helper = stream_class(self._tap, self.run)
        helper.progress = self.progress  # its requests are this stream's
        return helper

    def tap_streams(self) -> list[ClockifyStream]:
        """Every stream of the tap, in sync order."""
        return [t.cast("ClockifyStream", stream) for stream in self._tap.streams.values()]

    def sibling(self, name: str) -> ClockifyStream:
        """Another stream of the tap, e.g. the one whose ids this stream reads by."""
        return t.cast("ClockifyStream", self._tap.streams[name])

    @property
    def start_date(self) -> datetime | None:
        """The ``start_date`` setting as an aware datetime (UTC when it names no zone)."""
        value = self.config.get("start_date")
        return parse_time(str(value)) if value else None

    # Records

    def generate_child_contexts(
        self, record: dict[str, t.Any], context: Context | None
    ) -> Iterable[Context | None]:
        """No context for a stream without children (the SDK copies one per record)."""
        if self.child_streams:
            yield from super().generate_child_contexts(record, context)

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Stamp records with their workspace, and live ones as not deleted."""
        if context and "workspaceId" in context and not row.get("workspaceId"):
            row["workspaceId"] = context["workspaceId"]
        if self.reports_deletions:
            row.setdefault("_sdc_deleted_at", None)
        self.progress.record(row.get("workspaceId"))
        return row

    @cached_property
    def reports_deletions(self) -> bool:
        """Whether the stream's records can carry ``_sdc_deleted_at``."""
        return "_sdc_deleted_at" in self.schema.get("properties", {})

    # Writing records

    @cached_property
    def shaper(self) -> RecordShaper:
        """What each record needs before it is written (see conform.py)."""
        return RecordShaper(self.name, self.effective_schema, self.mask, self.logger)

    @cached_property
    def _plain_writer(self) -> SingerWriter | None:
        """Our writer, if records go out as they are: all selected, no stream map applies."""
        maps = self.stream_maps
        plain = (
            self.shaper.all_selected
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and maps[0].stream_alias == self.name
        )
        writer = self._tap.message_writer
        return writer if plain and isinstance(writer, SingerWriter) else None

    def _write_record_message(self, record: dict[str, t.Any]) -> None:
        """Write a record's line straight to the writer when nothing else can apply to it.

        Overrides a private SDK method (called per record); any selection or stream map
        takes the SDK's own path. tests/test_conform.py fails if the line differs from the
        one the SDK writes.
        """
        writer = self._plain_writer
        if writer is None:
            super()._write_record_message(record)
            return
        shaped = self.shaper.shape(record)
        writer.write_record(self.name, shaped, self._stream_version, datetime.now(timezone.utc))
        self.state_manager.is_flushed = False

    @cached_property
    def _progress_marker(self) -> ProgressMarker | None:
        """The replication-key marker kept at hand (unsorted incremental streams only)."""
        incremental = self.replication_method == REPLICATION_INCREMENTAL
        if incremental and self.replication_key and not self.is_sorted:
            return ProgressMarker(self.replication_key, self.get_context_state)
        return None

    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        """Advance the bookmark as the SDK does, without finding the partition every record.

        Overrides a private SDK method (the one the SDK calls per record);
        tests/test_bookmarks.py fails if the state would differ from the SDK's.
        """
        marker = self._progress_marker
        if marker is None or not marker.advance(latest_record, context):
            super()._increment_stream_state(latest_record, context=context)

    # Deletions of full-table streams: ACTIVATE_VERSION, sent last

    def _write_activate_version_message(self, full_table_version: int) -> None:
        """Hold back the ACTIVATE_VERSION that the SDK sends as a full-table sync starts.

        A target receiving it first drops or flags every row, and a run killed or failing
        before the rows came back would leave live objects removed. Records still carry the
        version; the message itself goes out from :meth:`activate_version`.
        """
        self._pending_version = full_table_version

    def activate_version(self) -> None:
        """Send the held ACTIVATE_VERSION, unless some workspace was not read in full."""
        if self._pending_version is None:
            return
        if self._finished_before:
            self.logger.info(
                "Not activating a new version of %s: an earlier run read part of it",
                self.name,
            )
            return
        if self._unavailable_in:
            self.logger.info(
                "Not activating a new version of %s: it was skipped for workspace(s) %s, "
                "so rows absent from this run are not known to be deleted",
                self.name,
                ", ".join(sorted(self._unavailable_in)),
            )
            return
        super()._write_activate_version_message(self._pending_version)
        self._pending_version = None

    def finalize_state_progress_markers(self, state: dict[str, t.Any] | None = None) -> None:
        """Finish the stream's state as the SDK does (its sync is over), then log a summary."""
        super().finalize_state_progress_markers(state)
        if self.selected and not state:
            self.progress.finish()

    def write_state_now(self) -> None:
        """Write the tap's state out at once, mid-partition (see change_feed.FeedBookmark).

        The SDK writes state between partitions; a mark that must reach the target before
        the partition's first record is written here (nothing if the state is unchanged).
        """
        _ = self.stream_state  # the stream's entry must exist in the tap's state
        self._tap.state_writer.write_state(self.tap_state)

    # Reading: passes over a list, and paid features a workspace lacks

    def query_passes(self, context: Context | None) -> Sequence[dict[str, t.Any]]:
        """Extra query parameters of each pass over the list; one plain pass by default.

        A list read in parts (each status, each month) returns one dict per part; a record
        an earlier part returned is not emitted again.
        """
        return ({},)

    def read_passes(self, context: Context | None) -> Iterator[dict[str, t.Any]]:
        """Read the list once per pass (see ``query_passes``)."""
        for extra in self.query_passes(context):
            yield from self.request_records(
                {**(context or {}), PASS_QUERY: extra} if extra else context
            )

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Read every pass; skip a workspace whose plan lacks a paid feature (reference §9)."""
        workspace_id = str((context or {}).get("workspaceId"))
        if workspace_id in self._unavailable_in:
            return
        seen: set[tuple[t.Any, ...]] = set()
        try:
            for record in self.read_passes(context):
                if self.may_repeat_records:
                    key = tuple(record.get(name) for name in self.primary_keys)
                    if key in seen:
                        continue
                    seen.add(key)
                yield record
        except AccessDeniedError as exc:
            if not self.plan_gated or self.config.get("fail_on_unavailable_features"):
                raise
            self._skip_workspace(workspace_id, exc)
        except ClockifyError as exc:
            parent = self._parent_of(context)
            if not (exc.gone and parent):
                raise
            self.logger.warning(
                "Skipping %s of %s in workspace %s: it no longer exists (%s)",
                self.name,
                parent,
                workspace_id,
                exc,
            )

    @staticmethod
    def _parent_of(context: Context | None) -> str | None:
        """Name the object a per-object read (payments of an invoice…) is read for."""
        keys = [key for key in context or {} if key not in ("workspaceId", PASS_QUERY)]
        return f"{keys[0]} {context[keys[0]]}" if context and keys else None

    def read_windows(
        self,
        workspace_id: str,
        since: datetime,
        until: datetime,
        read: Callable[[datetime, datetime], Iterable[dict[str, t.Any]]],
    ) -> Iterator[dict[str, t.Any]]:
        """Read ``[since, until)`` in windows as wide as Clockify accepts for the workspace.

        The widest of ``window_widths`` is asked first; a 400 that refused the range of a
        window (before any of its records came; see ``_step_down_or_narrow``) narrows that
        window and every later one, and the narrower width is kept for the workspace for
        the rest of the run. At the narrowest width a 400 is a page size to step down, or
        an error. Windows an earlier run of the cycle finished are not read again (see
        quota.py).
        """
        key = (self.name, workspace_id)
        step = self.run.window_steps.get(key, 0)
        progress = self.cycle_progress({"workspaceId": workspace_id})
        pending = windows(progress.windows_from(since), until, self.window_widths[step])
        while pending:
            start, end = pending.pop(0)
            self._narrower_window_left = step < len(self.window_widths) - 1
            yielded = False
            try:
                for record in read(start, end):
                    yielded = True
                    yield record
                progress.window_finished(since, end)
            except WindowRejectedError:
                if yielded:
                    raise
                step += 1
                self.run.window_steps[key] = step
                self.logger.info(
                    "Clockify refused a %s window of %s for workspace %s; asking for %s",
                    self.window_widths[step - 1].value,
                    self.name,
                    workspace_id,
                    self.window_widths[step].value,
                )
                rest_until = pending[-1][1] if pending else end  # windows are contiguous
                pending = windows(start, rest_until, self.window_widths[step])
            finally:
                self._narrower_window_left = False

    def _skip_workspace(self, workspace_id: str, refusal: AccessDeniedError) -> None:
        """Warn once that this stream, and the streams read through it, skip the workspace."""
        self._unavailable_in.add(workspace_id)
        self.logger.warning(
            "Skipping %s for workspace %s: Clockify refused it (HTTP %s%s). The feature is "
            "not on the workspace's plan or the API key lacks access; set "
            "fail_on_unavailable_features to stop instead.",
            self.name,
            workspace_id,
            refusal.status,
            f": {refusal.detail}" if refusal.detail else "",
        )
        for child in self.child_streams:
            t.cast("ClockifyStream", child)._unavailable_in.add(workspace_id)
            if child.selected or child.has_selected_descendents:
                child.logger.warning(
                    "Skipping %s for workspace %s too: it is read through a stream Clockify "
                    "refused there.",
                    child.name,
                    workspace_id,
                )
