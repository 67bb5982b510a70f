"""Turn Clockify's HTTP errors into one-line messages a user can act on.

Messages name the endpoint by path only (never the query string or headers, so the
API key cannot leak) and quote Clockify's own ``message`` when it sends one.
"""

from __future__ import annotations

import re
import typing as t
from http import HTTPStatus
from urllib.parse import urlparse

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

if t.TYPE_CHECKING:
    import requests

#: Longest excerpt of a response body quoted in an error message.
MAX_QUOTE = 200
#: Words of Clockify's 400 messages about a page size ("page-size must be less than or
#: equal to 200", "pageSize must be between 1 and 1000") and about a date range ("Date
#: range must be at most 366 days"), matched case-insensitively.
_PAGE_SIZE_WORDS = re.compile(r"size", re.IGNORECASE)
_DATE_RANGE_WORDS = re.compile(r"date|range|period|days", re.IGNORECASE)


class ClockifyError(FatalAPIError):
    """A fatal, user-facing error: its message is the one line the user sees."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        #: The HTTP status that caused it, if any.
        self.status = status


class PageSizeRejectedError(ClockifyError):
    """Clockify answered 400 to a page size above the endpoint's cap (reference §4)."""


class WindowRejectedError(ClockifyError):
    """Clockify answered 400 to a date range wider than the plan allows (reference §7)."""


class AccessDeniedError(ClockifyError):
    """HTTP 403: no permission, or a paid feature the workspace's plan lacks (reference §3)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message, HTTPStatus.FORBIDDEN)
        #: Clockify's own message, if it sent one.
        self.detail = detail


def endpoint(response: requests.Response) -> str:
    """Return the request path, without query string, for messages."""
    return urlparse(response.url).path or "/"


def clockify_message(response: requests.Response) -> str:
    """Extract Clockify's ``{"message": ..., "code": ...}`` text, or a body excerpt."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return text[:MAX_QUOTE]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:MAX_QUOTE]
    return ""


def refused_part(response: requests.Response) -> t.Literal["page size", "date range"] | None:
    """Tell from Clockify's message what a 400 refused; None if it names neither, or both.

    Clockify answers 400 both to a page size above an endpoint's cap (reference §4) and to
    a date range wider than the plan allows (§7), and its error bodies may be empty.
    """
    message = clockify_message(response)
    page_size = bool(_PAGE_SIZE_WORDS.search(message))
    date_range = bool(_DATE_RANGE_WORDS.search(message))
    if page_size == date_range:
        return None
    return "page size" if page_size else "date range"


def error_for(response: requests.Response) -> Exception | None:
    """Map a response to the exception the stream should raise, or None if it is fine."""
    status = response.status_code
    if status < HTTPStatus.BAD_REQUEST:
        return None
    path = endpoint(response)
    detail = clockify_message(response)
    suffix = f": {detail}" if detail else ""
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return RetriableAPIError(f"HTTP {status} from {path}{suffix}", response)
    if status == HTTPStatus.UNAUTHORIZED:
        return ClockifyError(
            f"Clockify rejected the API key (HTTP 401 from {path}){suffix}. "
            "Check the api_key setting and the region or api_url it belongs to.",
            status,
        )
    if status == HTTPStatus.FORBIDDEN:
        return AccessDeniedError(
            f"Access denied (HTTP 403 from {path}){suffix}. The API key's user lacks "
            "permission for this workspace or resource, or the feature is not on its plan.",
            detail,
        )
    if status == HTTPStatus.NOT_FOUND:
        return ClockifyError(f"Not found (HTTP 404 from {path}){suffix}.", status)
    return ClockifyError(
        f"Clockify refused the request (HTTP {status} from {path}){suffix}.", status
    )
