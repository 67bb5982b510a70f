"""The request side of every stream: what goes over the wire to Clockify and what comes back.

One place answers every question a response raises: hosts and the API key header, page
numbers and sizes (stepped down when Clockify refuses one, told apart from a refused
date range), the shared throttle, retries with backoff that honour ``Retry-After``,
decoding (amounts stay exact), and the translation of Clockify's errors into one-line
messages (errors.py). Its entry point is the SDK's ``request_records(context)``, which
:class:`ClockifyTransport` shapes through ``validate_response`` and
``request_decorator``; the stream base class (client.py) is about streams.
"""

from __future__ import annotations

import decimal
import email.utils
import threading
import time
import typing as t
from functools import cached_property
from http import HTTPStatus
from urllib.parse import urlparse
from weakref import WeakKeyDictionary, WeakSet

import backoff
import msgspec
import requests
import urllib3
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.pagination import SinglePagePaginator

from tap_clockify import __version__
from tap_clockify.errors import (
    ClockifyError,
    PageSizeRejectedError,
    WindowRejectedError,
    endpoint,
    error_for,
    refused_part,
)
from tap_clockify.hosts import base_urls
from tap_clockify.pagination import ClockifyPaginator, Paging
from tap_clockify.progress import Progress
from tap_clockify.quota import QUOTA_AFTER_429S, QuotaExhaustedError

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable

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


def _status(exception: BaseException) -> int | None:
    response = getattr(exception, "response", None)
    return response.status_code if response is not None else None


def could_not_connect(exception: requests.exceptions.ConnectionError) -> bool:
    """Tell "nothing answers at that address" from a connection that broke midway."""
    if isinstance(exception, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exception.args[0] if exception.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def plan_limit_message(response: requests.Response) -> str:
    """Say where a 429 that retries did not cure came from (see quota.py)."""
    wait = response.headers.get("Retry-After")
    asked = f", asked to wait {wait} s" if wait else ""
    return f"HTTP 429 Too Many Requests at {endpoint(response)}{asked}"


def _json_in_any_encoding(response: requests.Response) -> t.Any:
    """Decode a body that is not UTF-8 JSON as requests does; a one-line error if not JSON."""
    try:
        return response.json(parse_float=decimal.Decimal)
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown content type")
        msg = f"Clockify sent a body that is not JSON ({kind}) from {endpoint(response)}"
        raise ClockifyError(msg) from None


class ClockifyTransport(RESTStream[int]):
    """Requests and responses for one Clockify endpoint (see the module docstring)."""

    #: Largest page size the endpoint documents (reference §4); None: not paginated.
    max_page_size: t.ClassVar[int | None] = PAGE_SIZE_STEPS[0]
    #: Which Clockify host serves the endpoint.
    host: t.ClassVar[t.Literal["api", "reports"]] = "api"
    #: Query parameters sent with every request of the stream.
    query: t.ClassVar[dict[str, t.Any]] = {}
    #: Where the endpoint takes its page number and size.
    paging: t.ClassVar[Paging] = Paging()
    #: POST bodies are JSON (reference §2).
    payload_as_json = True

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
        # Pages may be fetched from several threads at once (see prefetch.py).
        self._records_by_response: WeakKeyDictionary[requests.Response, list[dict[str, t.Any]]] = (
            WeakKeyDictionary()
        )
        self._records_lock = threading.Lock()
        #: The paginators of the lists being read (one per list, several in threads).
        self._paginators: WeakSet[ClockifyPaginator] = WeakSet()
        #: Set while a narrower date window is left to ask for (see ``read_windows``).
        self._narrower_window_left = False
        #: Page sizes stepped down to after a 400 that did not say why, not yet confirmed
        #: by a request that succeeded: endpoint path -> the cap in force before the guess
        #: (None: ``max_page_size``).
        self._cap_before_guess: dict[str, int | None] = {}

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
    def page_size(self) -> int:
        """The page size to ask for: the documented cap, or a smaller one learned."""
        return self.run.page_size_caps.get(self.path or "", self.max_page_size or 0)

    def get_new_paginator(self) -> BaseAPIPaginator[t.Any]:
        """Page through lists; single request for unpaginated endpoints."""
        if self.max_page_size is None:
            return SinglePagePaginator()
        paginator = ClockifyPaginator(
            page_size=lambda: self.page_size,
            count_records=lambda response: len(self.page_records(response)),
            first_page=self.paging.first_page,
        )
        with self._records_lock:
            self._paginators.add(paginator)
        return paginator

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

    def validate_response(self, response: requests.Response) -> None:
        """Raise the error a status deserves; decode and check the body once."""
        if response.status_code == HTTPStatus.BAD_REQUEST:
            self._step_down_or_narrow(response)
        if error := error_for(response):
            raise error
        self._cap_before_guess.pop(self.path or "", None)  # the page size asked is accepted
        self.run.consecutive_429s = 0
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
        if refused in ("plan", "gone"):
            return  # an answer no page size or window changes (see errors.error_for)
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
        """Yield the page's records, unless it repeats the page before (no news).

        The SDK yields a page's records before its paginator sees the page, so the page
        that shows a list ignores paging (``ClockifyPaginator.repeats``) is dropped here;
        the paginator then ends the list. Only a list's own page before is the same bytes.
        """
        with self._records_lock:
            paginators = list(self._paginators)
        if not any(paginator.repeats(response) for paginator in paginators):
            yield from self.page_records(response)

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
                        wait = retry_after_seconds(exc)
                        message = plan_limit_message(exc.response)
                        raise QuotaExhaustedError(message, wait) from exc
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
        asks for a wait of more than ``longest_retry_after``, or that keeps coming without
        saying how long to wait, is an hourly quota, such as the Free plan's 30 requests per
        hour (reference §3): the run stops there (see quota.py).
        """
        if isinstance(exception, requests.exceptions.ConnectionError):
            return could_not_connect(exception) and not self.run.reached_clockify
        wait = retry_after_seconds(exception)
        if wait is None and _status(exception) == HTTPStatus.TOO_MANY_REQUESTS:
            self.run.consecutive_429s += 1  # longer than a burst: a quota (see quota.py)
            return self.run.consecutive_429s >= QUOTA_AFTER_429S
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
