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

#: Statuses retried besides 5xx: throttling, and a request timeout (reference §10).
RETRIED = frozenset({HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.REQUEST_TIMEOUT})
#: Longest excerpt of a response body quoted in an error message.
MAX_QUOTE = 200
#: Words of Clockify's 400 messages about a page size ("page-size must be less than or
#: equal to 200", "pageSize must be between 1 and 1000") and about a date range ("Date
#: range must be at most 366 days"), matched case-insensitively.
_PAGE_SIZE_WORDS = re.compile(r"size", re.IGNORECASE)
_DATE_RANGE_WORDS = re.compile(r"date|range|period|days", re.IGNORECASE)
#: A feature missing from the plan, which Clockify may answer with 400 instead of 403 (in
#: the user's language: "No active subscription", "Sin suscripción activa"; reference §10).
_PLAN_WORDS = re.compile(r"subscription|suscripci|upgrade", re.IGNORECASE)
#: An id that names nothing (any more): deleted, never existing or foreign ids answer 400
#: with code 501 rather than 404 on some endpoints (reference §3, §10).
_GONE_WORDS = re.compile(r"not found|exist|deleted|belong", re.IGNORECASE)
#: Clockify's own ``code`` in such answers.
GONE_CODE = 501


class ClockifyError(FatalAPIError):
    """A fatal, user-facing error: its message is the one line the user sees."""

    def __init__(self, message: str, status: int | None = None, *, gone: bool = False) -> None:
        super().__init__(message)
        #: The HTTP status that caused it, if any.
        self.status = status
        #: Whether it says the object asked for does not exist (any more): a 404, or a 400
        #: with code 501 that says so, or says nothing (reference §3, §10).
        self.gone = gone


class PageSizeRejectedError(ClockifyError):
    """Clockify answered 400 to a page size above the endpoint's cap (reference §4)."""


class WindowRejectedError(ClockifyError):
    """Clockify answered 400 to a date range wider than the plan allows (reference §7)."""


class AccessDeniedError(ClockifyError):
    """No permission, or a paid feature the workspace's plan lacks.

    Clockify says so with 403, 402, or a 400 that names a subscription (reference §3, §10).
    """

    def __init__(self, message: str, detail: str, status: int = HTTPStatus.FORBIDDEN) -> None:
        super().__init__(message, status)
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


def clockify_code(response: requests.Response) -> int | None:
    """Return Clockify's own ``code`` from an error body, if it sent one."""
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


Refusal = t.Literal["page size", "date range", "plan", "gone"]


def refused_part(response: requests.Response) -> Refusal | None:
    """Tell from Clockify's answer what a 400 refused; None if it cannot tell.

    Clockify answers 400 to a page size above an endpoint's cap (reference §4), to a date
    range wider than the plan allows (§7), to a feature missing from the plan and to an
    id that names nothing (§10), and its error bodies may be empty.
    """
    message = clockify_message(response)
    if _PLAN_WORDS.search(message):
        return "plan"
    page_size = bool(_PAGE_SIZE_WORDS.search(message))
    date_range = bool(_DATE_RANGE_WORDS.search(message))
    if page_size != date_range:
        return "page size" if page_size else "date range"
    if clockify_code(response) == GONE_CODE and _GONE_WORDS.search(message):
        return "gone"
    return None


def error_for(response: requests.Response) -> Exception | None:
    """Map a response to the exception the stream should raise, or None if it is fine."""
    status = response.status_code
    if status < HTTPStatus.BAD_REQUEST:
        return None
    path = endpoint(response)
    detail = clockify_message(response)
    suffix = f": {detail}" if detail else ""
    if status in RETRIED or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return RetriableAPIError(f"HTTP {status} from {path}{suffix}", response)
    if status == HTTPStatus.UNAUTHORIZED:  # about the key wherever it came: say the host
        return ClockifyError(
            f"Clockify rejected the API key (HTTP 401 from {urlparse(response.url).netloc})"
            f"{suffix}. "
            "Check the api_key setting and the region or api_url it belongs to.",
            status,
        )
    refused = refused_part(response) if status == HTTPStatus.BAD_REQUEST else None
    if status in (HTTPStatus.FORBIDDEN, HTTPStatus.PAYMENT_REQUIRED) or refused == "plan":
        return AccessDeniedError(
            f"Access denied (HTTP {status} from {path}){suffix}. The API key's user lacks "
            "permission for this workspace or resource, or the feature is not on its plan.",
            detail,
            status,
        )
    if status == HTTPStatus.NOT_FOUND:
        return ClockifyError(f"Not found (HTTP 404 from {path}){suffix}.", status, gone=True)
    # A silent 400 with code 501, once no smaller page or narrower window is left to try
    # (see transport.py), most likely names an id that is gone too.
    silent_gone = not detail and clockify_code(response) == GONE_CODE
    return ClockifyError(
        f"Clockify refused the request (HTTP {status} from {path}){suffix}.",
        status,
        gone=refused == "gone" or (status == HTTPStatus.BAD_REQUEST and silent_gone),
    )
