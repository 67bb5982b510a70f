"""The tap: its settings and its streams."""

from __future__ import annotations

import logging
import sys
import typing as t
from datetime import datetime
from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_clockify import __version__
from tap_clockify.errors import ClockifyError
from tap_clockify.hosts import DEFAULT_REGION, REGIONS
from tap_clockify.progress import quiet_console, quiet_metrics
from tap_clockify.quota import RESUME_KEY, begin_cycle, stop_summary
from tap_clockify.run_state import RunState
from tap_clockify.streams import STREAM_TYPES
from tap_clockify.throttle import Throttle
from tap_clockify.writer import SingerWriter

if t.TYPE_CHECKING:
    from tap_clockify.client import ClockifyStream

#: Below Clockify's documented 50 requests/second per workspace, and near the 10/s
#: per key that older material quotes (reference §3).
DEFAULT_REQUESTS_PER_SECOND = 10.0
#: A week of changes is re-read each run: a few feed pages even for large workspaces.
DEFAULT_LOOKBACK_DAYS = 7


class TapClockify(Tap):
    """Singer tap for Clockify."""

    name = "tap-clockify"
    #: The distribution's name on PyPI, where ``tap-clockify`` is an older, unrelated tap.
    package_name = "clockify-tap"
    message_writer_class = SingerWriter

    @classmethod
    def get_plugin_version(cls) -> str:
        """``__version__``, even where stale package metadata is installed (editable installs)."""
        return __version__

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            title="API key",
            description="Clockify personal API key (Profile settings → API). Reading other "
            "members' time entries needs a workspace admin's or owner's key.",
        ),
        th.Property(
            "workspace_ids",
            th.ArrayType(th.StringType),
            title="Workspace IDs",
            description="Workspaces to extract. Omit to extract every workspace the key can see.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Earliest time entry start to extract (ISO 8601, e.g. "
            "2024-01-01T00:00:00Z). Omit for the full history.",
        ),
        th.Property(
            "region",
            th.StringType,
            default=DEFAULT_REGION,
            allowed_values=list(REGIONS),
            title="Region",
            description="Data region of the account: picks the API and reports hosts. "
            "global (default), euc1 (EU), use2 (USA), euw2 (UK) or apse2 (Australia).",
        ),
        th.Property(
            "api_url",
            th.StringType,
            title="API URL",
            description="Override of the main API base URL, e.g. "
            "https://mycompany.clockify.me/api/v1 for a subdomain workspace or "
            "https://developer.clockify.me/api/v1 for the developer sandbox.",
        ),
        th.Property(
            "reports_url",
            th.StringType,
            title="Reports URL",
            description="Override of the reports API base URL, e.g. "
            "https://mycompany.clockify.me/report/v1.",
        ),
        th.Property(
            "lookback_days",
            th.IntegerType,
            default=DEFAULT_LOOKBACK_DAYS,
            title="Lookback days",
            description="Safety net for incremental syncs: each run re-reads the change feed "
            "from this many days before the previous sync; without the feed, each user's "
            "entries of the last this-many days and the detailed report's from this many days "
            "before its bookmark.",
        ),
        th.Property(
            "use_change_feed",
            th.BooleanType,
            default=True,
            title="Use the change feed",
            description="Read Clockify's experimental change feed after the first sync to "
            "catch edits and deletions of entries of any age. Off: only the lookback window "
            "is re-read.",
        ),
        th.Property(
            "requests_per_second",
            th.NumberType,
            default=DEFAULT_REQUESTS_PER_SECOND,
            title="Requests per second",
            description="Client-side throttle shared by all streams. Clockify allows 50 "
            "requests/second per workspace on paid plans; lower it for restricted keys.",
        ),
        th.Property(
            "fail_on_unavailable_features",
            th.BooleanType,
            default=False,
            title="Fail on unavailable features",
            description="Stop with an error when Clockify refuses a paid feature (expenses, "
            "invoices, time off, approvals, scheduling, custom fields) with HTTP 403, 402, or "
            "a 400 naming a subscription. By default such a stream is skipped for that "
            "workspace with one warning.",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=False,
            title="Emit ACTIVATE_VERSION messages",
            description="Let the target remove (or flag) objects deleted in Clockify from "
            "streams read in full each run (users, expenses, invoices, time off, …): each such "
            "stream ends with an ACTIVATE_VERSION message, sent only after every stream of "
            "the run finished without error and read every workspace. Rows of any workspace "
            "the run did not read count as deleted, so jobs that each sync some workspaces "
            "into the same tables must keep this off (or load into separate schemas).",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        quiet_console(logging.getLogger(self.name))
        super().__init__(*args, **kwargs)
        quiet_metrics()
        if kwargs.get("validate_config", True):
            self._check_settings()

    def _check_settings(self) -> None:
        """Reject values the JSON schema lets through, with one clear line each."""
        errors = []
        start_date = self.config.get("start_date")
        if start_date is not None:
            try:
                datetime.fromisoformat(str(start_date).replace("Z", "+00:00"))
            except ValueError:
                errors.append(f"start_date {start_date!r} is not an ISO 8601 date-time")
        if self.config.get("lookback_days", 0) < 0:
            errors.append("lookback_days must be 0 or more")
        rate = self.config.get("requests_per_second", DEFAULT_REQUESTS_PER_SECOND)
        if not isinstance(rate, (int, float)) or rate <= 0:
            errors.append("requests_per_second must be a number greater than 0")
        if errors:
            raise ConfigValidationError("Config validation failed", errors=errors)

    @cached_property
    def run_state(self) -> RunState:
        """What every stream of this run shares, starting with one throttle for all."""
        rate = float(self.config.get("requests_per_second", DEFAULT_REQUESTS_PER_SECOND))
        return RunState(Throttle(rate))

    def sync_all(self) -> None:  # type: ignore[misc]  # final in the SDK; extended, not replaced
        """Sync every selected stream, then activate the versions of complete full reads.

        Only here, after the whole run succeeded, can a target safely drop what a full
        read did not return (see ClockifyStream.activate_version). The SDK marks this
        method final; tests/test_deletions.py pins that the override still runs. Records
        gathered after the last STATE (the SDK writes none when the state did not change)
        are written before returning, not at exit. A run the hourly quota cuts short
        saves its state, says what is left in one line and ends normally (see quota.py).
        """
        root = self.streams["workspaces"].stream_state
        begin_cycle(root, self.run_state)
        super().sync_all()
        if self.run_state.quota_stops:
            root[RESUME_KEY] = self.run_state.cycle
            self.state_writer.write_state(self.state)
            t.cast("SingerWriter", self.message_writer).flush()
            stops = self.run_state.quota_stops
            self.logger.warning("%s", stop_summary(stops, *self._partitions_finished()))
            return
        for stream in self.streams.values():
            t.cast("ClockifyStream", stream).activate_version()
        t.cast("SingerWriter", self.message_writer).flush()

    def _partitions_finished(self) -> tuple[int, int]:
        """How many of the selected streams' workspace partitions the cycle finished."""
        workspaces = len(self.run_state.workspace_ids)
        selected = [
            t.cast("ClockifyStream", s)
            for s in self.streams.values()
            if s.selected and s.name != "workspaces"
        ]
        finished = sum(
            s.cycle_progress({"workspaceId": w}).finished
            for s in selected
            for w in self.run_state.workspace_ids
        )
        return finished, len(selected) * workspaces

    def discover_streams(self) -> list[ClockifyStream]:
        """Instantiate every stream; discovery calls no API."""
        return [stream_class(self, self.run_state) for stream_class in STREAM_TYPES]

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        """Run the CLI; a Clockify error ends it with its one-line message and exit 1."""
        try:
            super().invoke(*args, **kwargs)
        except ClockifyError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TapClockify.cli()
