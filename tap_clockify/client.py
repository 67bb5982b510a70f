"""The one base stream: hosts, auth, paging, throttling, retries and error translation.

Concrete streams only declare their path, keys, schema and query parameters.
"""

from __future__ import annotations

import decimal
import email.utils
import threading
import time
import typing as t
from datetime import datetime, timezone
from functools import cached_property
from http import HTTPStatus
from urllib.parse import urlparse
from weakref import WeakKeyDictionary

import backoff
import msgspec
import requests
import urllib3
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.pagination import SinglePagePaginator
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_clockify import __version__
from tap_clockify.bookmarks import ProgressMarker
from tap_clockify.conform import RecordShaper
from tap_clockify.errors import (
    AccessDeniedError,
    ClockifyError,
    PageSizeRejectedError,
    WindowRejectedError,
    endpoint,
    error_for,
    refused_part,
)
from tap_clockify.hosts import base_urls
from tap_clockify.pagination import ClockifyPaginator, Paging
from tap_clockify.progress import Progress, quiet_console
from tap_clockify.timeutil import Width, parse_time, windows
from tap_clockify.writer import SingerWriter

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator, Sequence

    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.pagination import BaseAPIPaginator

    from tap_clockify.run_state import RunState

#: Page sizes tried, largest first, when Clockify rejects one as above its cap.
PAGE_SIZE_STEPS = (5000, 1000, 200, 50)

#: Decodes response bodies; floats become Decimal so that amounts stay exact.
JSON_DECODER = msgspec.json.Decoder(float_hook=decimal.Decimal)

#: Context key that carries one pass's extra query parameters (see ``query_passes``).
PASS_QUERY = "_pass_query"

_Stream = t.TypeVar("_Stream", bound="ClockifyStream")

#: Failures worth another try: throttling, 5xx and network trouble.
RETRIABLE_EXCEPTIONS = (
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def retry_after_seconds(exception: BaseException | None) -> float | None:
    """Read a ``Retry-After`` header (seconds or HTTP date) off a failed response."""
    response = getattr(exception, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value.strip() else None
        return max(0.0, when.timestamp() - time.time()) if when else None


def could_not_connect(exception: requests.exceptions.ConnectionError) -> bool:
    """Tell "nothing answers at that address" from a connection that broke midway."""
    if isinstance(exception, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exception.args[0] if exception.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def plan_limit_message(response: requests.Response) -> str:
    """Explain a 429 that retries did not cure: most likely a plan's hourly quota."""
    wait = response.headers.get("Retry-After")
    asked = f", asked to wait {wait} s" if wait else ""
    return (
        f"Clockify keeps answering HTTP 429 Too Many Requests at {endpoint(response)}{asked}. "
        "Workspaces created recently on the Free plan may make only 30 requests per hour "
        "in total, which rules out a full sync; upgrade the workspace's plan, or sync less "
        "at a time (workspace_ids, start_date, fewer streams) with a lower "
        "requests_per_second."
    )


def _json_in_any_encoding(response: requests.Response) -> t.Any:
    """Decode a body that is not UTF-8 JSON as requests does; a one-line error if not JSON."""
    try:
        return response.json(parse_float=decimal.Decimal)
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown content type")
        msg = f"Clockify sent a body that is not JSON ({kind}) from {endpoint(response)}"
        raise ClockifyError(msg) from None


class ClockifyStream(RESTStream[int]):
    """Base for every Clockify stream."""

    #: Largest page size the endpoint documents (reference §4); None: not paginated.
    max_page_size: t.ClassVar[int | None] = PAGE_SIZE_STEPS[0]
    #: Which Clockify host serves the endpoint.
    host: t.ClassVar[t.Literal["api", "reports"]] = "api"
    #: Query parameters sent with every request of the stream.
    query: t.ClassVar[dict[str, t.Any]] = {}
    #: Where the endpoint takes its page number and size.
    paging: t.ClassVar[Paging] = Paging()
    #: Records arrive as JSON whose types already match the schemas (generated from the
    #: same spec), so only top-level properties are checked: undeclared ones are dropped
    #: with a warning, nested values pass through as they came.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY
    #: A paid feature: a 403 skips the stream for that workspace (``fail_on_unavailable_features``).
    plan_gated: t.ClassVar[bool] = False
    #: POST bodies are JSON (reference §2).
    payload_as_json = True
    #: Whether one record can come back twice (several passes or windows): emitted once.
    may_repeat_records: t.ClassVar[bool] = False
    #: For lists read in date windows: the widths to try, widest first (``read_windows``).
    window_widths: t.ClassVar[tuple[Width, ...]] = ()

    #: Retry policy: exponential backoff from ``backoff_base`` seconds, capped per wait
    #: and in total, honouring ``Retry-After`` when Clockify sends it.
    backoff_base: t.ClassVar[float] = 1.0
    backoff_cap: t.ClassVar[float] = 60.0
    max_tries: t.ClassVar[int] = 8
    max_total_wait: t.ClassVar[float] = 600.0
    longest_retry_after: t.ClassVar[float] = 300.0
    #: Seconds to wait for Clockify to connect and answer before retrying.
    timeout = 120

    def __init__(self, tap: Tap, run: RunState) -> None:
        super().__init__(tap=tap)
        self.run = run
        self.progress = Progress(self.name, self.logger, run)
        quiet_console(self.logger)
        # Pages may be fetched from several threads at once (see prefetch.py).
        self._records_by_response: WeakKeyDictionary[requests.Response, list[dict[str, t.Any]]] = (
            WeakKeyDictionary()
        )
        self._records_lock = threading.Lock()
        self._unavailable_in: set[str] = set()
        self._pending_version: int | None = None
        self._narrower_window_left = False
        #: Page sizes stepped down to after a 400 that did not say why, not yet confirmed
        #: by a request that succeeded: endpoint path -> the cap in force before the guess
        #: (None: ``max_page_size``).
        self._cap_before_guess: dict[str, int | None] = {}

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
    def url_base(self) -> str:
        """The main API or the reports API, per region or explicit override."""
        api_url, reports_url = base_urls(self.config)
        return api_url if self.host == "api" else reports_url

    @cached_property
    def authenticator(self) -> APIKeyAuthenticator:
        """Clockify's personal API key header (reference §2)."""
        return APIKeyAuthenticator(key="X-Api-Key", value=self.config["api_key"])

    @cached_property
    def user_agent(self) -> str:
        """Identify ourselves to Clockify."""
        return f"tap-clockify/{__version__}"

    @property
    def start_date(self) -> datetime | None:
        """The ``start_date`` setting as an aware datetime (UTC when it names no zone)."""
        value = self.config.get("start_date")
        return parse_time(str(value)) if value else None

    # Paging

    @property
    def page_size(self) -> int:
        """The page size to ask for: the documented cap, or a smaller one learned."""
        return self.run.page_size_caps.get(self.path or "", self.max_page_size or 0)

    def get_new_paginator(self) -> BaseAPIPaginator[t.Any]:
        """Page through lists; single request for unpaginated endpoints."""
        if self.max_page_size is None:
            return SinglePagePaginator()
        return ClockifyPaginator(
            page_size=lambda: self.page_size,
            count_records=lambda response: len(self.page_records(response)),
            first_page=self.paging.first_page,
        )

    def get_url_params(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """Send the stream's fixed query and the pass's, plus the page number and size."""
        params = {**self.query, **(context or {}).get(PASS_QUERY, {})}
        if next_page_token is not None and not self.paging.in_body:
            self.paging.place(params, next_page_token, self.page_size)
        return params

    def request_body(self, context: Context | None) -> dict[str, t.Any] | None:
        """Return the JSON body of a POST endpoint (without paging), or None."""
        return None

    def prepare_request_payload(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any] | None:
        """Send the stream's body, plus the page number and size if they go there."""
        body = self.request_body(context)
        if body is not None and next_page_token is not None and self.paging.in_body:
            self.paging.place(body, next_page_token, self.page_size)
        return body

    # Responses

    def validate_response(self, response: requests.Response) -> None:
        """Raise the error a status deserves; decode and check the body once."""
        if response.status_code == HTTPStatus.BAD_REQUEST:
            self._step_down_or_narrow(response)
        if error := error_for(response):
            raise error
        self._cap_before_guess.pop(self.path or "", None)  # the page size asked is accepted
        records = self._decode(response)
        with self._records_lock:
            self._records_by_response[response] = records
        self.run.reached_clockify = True

    def _step_down_or_narrow(self, response: requests.Response) -> None:
        """Raise for a 400 that a smaller page size or a narrower window may cure.

        Clockify answers 400 both to a page size above the endpoint's cap and to a date
        range wider than the plan allows, and only its message (when it sends one) tells
        which. A 400 that says neither is first taken for the page size: a wrong guess costs
        a few requests, a window narrowed wrongly a request per month for the rest of the
        run. If every smaller size is refused too, it was the window: the guessed page size
        is undone (a guess counts only once a request with it succeeded), lest every later
        window be read in needlessly small pages. Returns if neither is left to try: the
        400 is an error.
        """
        path = self.path or ""
        refused = refused_part(response)
        if refused != "date range" and self._smaller_page_size(response.request):
            if refused is None:
                self._cap_before_guess.setdefault(path, self.run.page_size_caps.get(path))
            else:  # a page-size message confirms the sizes guessed before it too
                self._cap_before_guess.pop(path, None)
            msg = f"Page size rejected by {endpoint(response)}"
            raise PageSizeRejectedError(msg)
        if refused != "page size" and self._narrower_window_left:
            self._undo_page_size_guess(path)
            msg = f"Date range rejected by {endpoint(response)}"
            raise WindowRejectedError(msg, response.status_code)

    def _undo_page_size_guess(self, path: str) -> None:
        """Restore the page size in force before an unconfirmed guess, if one was made."""
        if path not in self._cap_before_guess:
            return
        cap = self._cap_before_guess.pop(path)
        if cap is None:
            self.run.page_size_caps.pop(path, None)
        else:
            self.run.page_size_caps[path] = cap
        self.logger.info(
            "The 400s from %s refused the date range; page size %d again", path, self.page_size
        )

    def _decode(self, response: requests.Response) -> list[dict[str, t.Any]]:
        """Parse JSON (floats as Decimal: money stays exact) and find the records.

        msgspec reads UTF-8 bodies (all Clockify sends) in a third less time than
        ``response.json``, which still reads any other encoding a body might come in.
        """
        try:
            payload = JSON_DECODER.decode(response.content)
        except msgspec.DecodeError:
            payload = _json_in_any_encoding(response)
        records = self.extract_records(payload)
        if records is None or not all(isinstance(record, dict) for record in records):
            msg = (
                f"Unexpected response shape from {endpoint(response)}: "
                f"expected records at {self.records_jsonpath}, got {type(payload).__name__}"
            )
            raise ClockifyError(msg)
        return records

    def extract_records(self, payload: t.Any) -> list[t.Any] | None:
        """Find the records in a decoded body (``records_jsonpath``); None if misshapen."""
        if self.records_jsonpath == "$[*]":
            return payload if isinstance(payload, list) else None
        if isinstance(payload, dict):
            return list(extract_jsonpath(self.records_jsonpath, payload))
        return None

    def page_records(self, response: requests.Response) -> list[dict[str, t.Any]]:
        """Return a validated page's records (decoded once, shared with the paginator)."""
        with self._records_lock:
            records = self._records_by_response.get(response)
        if records is None:
            records = self._decode(response)
            with self._records_lock:
                self._records_by_response[response] = records
        return records

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """Yield the page's records."""
        yield from self.page_records(response)

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
            self._skip_workspace(workspace_id, exc.detail)

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
        an error.
        """
        key = (self.name, workspace_id)
        step = self.run.window_steps.get(key, 0)
        pending = windows(since, until, self.window_widths[step])
        while pending:
            start, end = pending.pop(0)
            self._narrower_window_left = step < len(self.window_widths) - 1
            yielded = False
            try:
                for record in read(start, end):
                    yielded = True
                    yield record
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

    def _skip_workspace(self, workspace_id: str, detail: str) -> None:
        """Warn once that this stream, and the streams read through it, skip the workspace."""
        self._unavailable_in.add(workspace_id)
        self.logger.warning(
            "Skipping %s for workspace %s: Clockify refused it (HTTP 403%s). The feature is "
            "not on the workspace's plan or the API key lacks access; set "
            "fail_on_unavailable_features to stop instead.",
            self.name,
            workspace_id,
            f": {detail}" if detail else "",
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

    # Requests: throttle, retry, adapt the page size

    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Throttle every attempt, retry transient failures, step down rejected page sizes."""

        def throttled(prepared_request: requests.PreparedRequest, context: Context | None) -> t.Any:
            self.progress.request(throttled=self.run.throttle.wait())
            return func(prepared_request, context)

        retrying = backoff.on_exception(
            self._wait_times,
            RETRIABLE_EXCEPTIONS,
            max_tries=self.max_tries,
            max_time=self.max_total_wait,
            giveup=self._give_up_at_once,
            jitter=backoff.random_jitter,
            on_backoff=self.backoff_handler,
            logger=None,
        )(throttled)

        def send(prepared_request: requests.PreparedRequest, context: Context | None) -> t.Any:
            while True:
                try:
                    return retrying(prepared_request, context)
                except PageSizeRejectedError:
                    prepared_request = self._retry_with_smaller_page(prepared_request)
                except RetriableAPIError as exc:
                    if exc.response is not None and exc.response.status_code == 429:
                        raise ClockifyError(plan_limit_message(exc.response), 429) from exc
                    msg = f"Giving up after {self.max_tries} tries: {exc}"
                    raise ClockifyError(msg) from exc
                except RETRIABLE_EXCEPTIONS as exc:
                    where = urlparse(prepared_request.url or "")
                    msg = (
                        f"Could not reach Clockify at {where.scheme}://{where.netloc}{where.path}"
                        f" ({type(exc).__name__}); check api_url, reports_url or the network"
                    )
                    raise ClockifyError(msg) from exc

        return send

    def _give_up_at_once(self, exception: Exception) -> bool:
        """Spot failures that waiting will not cure.

        Failing to open the very first connection means a wrong URL (once Clockify has
        answered in this run, it is network trouble, worth retrying). A 429 that
        asks for a wait of more than ``longest_retry_after`` is an hourly quota, such as
        the Free plan's 30 requests per hour (reference §3).
        """
        if isinstance(exception, requests.exceptions.ConnectionError):
            return could_not_connect(exception) and not self.run.reached_clockify
        wait = retry_after_seconds(exception)
        return wait is not None and wait > self.longest_retry_after

    def _smaller_page_size(self, request: requests.PreparedRequest) -> int | None:
        """Return the page size to try after a 400, or None if none is smaller."""
        asked = self.paging.size_of(request) if self.max_page_size is not None else None
        if asked is None:
            return None
        return next((size for size in PAGE_SIZE_STEPS if size < asked), None)

    def _retry_with_smaller_page(
        self, request: requests.PreparedRequest
    ) -> requests.PreparedRequest:
        """Remember the smaller page size for this endpoint and rebuild the request."""
        smaller = self._smaller_page_size(request)
        if smaller is None:  # pragma: no cover - validate_response checked this
            msg = f"Page size rejected by {self.path}"
            raise ClockifyError(msg)
        self.run.page_size_caps[self.path or ""] = smaller
        self.logger.info("Clockify capped the page size of %s; using %d", self.path, smaller)
        return self.paging.resized(request, smaller)

    def _wait_times(self) -> Generator[float, BaseException | None, None]:
        """Backoff waits: ``Retry-After`` when given, else doubling up to the cap."""
        exception = yield 0.0  # primed by backoff; this value is discarded
        attempt = 0
        while True:
            delay = retry_after_seconds(exception)
            if delay is None:
                delay = min(self.backoff_cap, self.backoff_base * 2**attempt)
            attempt += 1
            exception = yield delay

    def backoff_handler(self, details: Details) -> None:
        """Log each retry with the path and reason only (never headers or query)."""
        exception = details.get("exception")
        response = getattr(exception, "response", None)
        reason = (
            f"HTTP {response.status_code}" if response is not None else type(exception).__name__
        )
        self.progress.retry(details.get("wait", 0.0))
        self.logger.warning(
            "Retrying %s in %.1fs after %s (attempt %d of %d)",
            self.path,
            details.get("wait", 0.0),
            reason,
            details.get("tries", 0),
            self.max_tries,
        )
