"""Clockify's page-number pagination (reference §4).

Lists are paged with ``page`` (from 1) and ``page-size``. Newer responses carry a
``Last-Page: true|false`` header; older ones, and some lists still (the shared-reports
list, reference §10), do not, and then a short page is the end. Some lists may not page
at all: custom fields and holidays were seen to ignore ``page`` and the page size and
answer every item on every page (§4, §10), which :class:`ClockifyPaginator` notices.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from singer_sdk.pagination import PageNumberPaginator

if t.TYPE_CHECKING:
    from collections.abc import Callable

    import requests

#: Page sizes a server might silently clamp to. When a page without ``Last-Page``
#: holds exactly one of these (and fewer than we asked for), it may be a clamped full
#: page rather than the last one: asking once more costs one request, stopping could
#: lose every later record.
COMMON_PAGE_CAPS = frozenset({50, 100, 200, 250, 500, 1000, 2000, 2500})


class ClockifyPaginator(PageNumberPaginator):
    """Pages 1, 2, … until a page shows that the list has ended.

    The rules, in the order :meth:`has_more` applies them:

    1. A page that repeats the previous one, byte for byte, ends the list. Only a list
       that ignores ``page`` answers the same records twice (records have ids, a paged
       list never repeats one), and such a list would answer them for every page after.
       It comes first because nothing else stops such a list when each answer fills the
       page size, whether or not it says ``Last-Page: false``.
    2. ``Last-Page``, when sent, is trusted.
    3. A page holding more records than the page size asked for is everything: a list
       that ignores paging answered all of it, and asking on would fetch it again.
    4. A full page may be followed by more; a short one is the end, unless it holds
       exactly one of the :data:`COMMON_PAGE_CAPS` (a page size a server may clamp to).

    Rule 1 needs a second request to notice (after a page exactly as large as asked, or
    a common cap): the SDK has already emitted that request's records by the time the
    paginator sees it, so whoever parses pages should drop them; see :meth:`repeats`.
    """

    def __init__(
        self,
        page_size: Callable[[], int],
        count_records: Callable[[requests.Response], int],
        first_page: int = 1,
    ) -> None:
        super().__init__(start_value=first_page)
        self._page_size = page_size
        self._count_records = count_records
        self._previous: bytes | None = None  # the body of the page before, while paging on

    def repeats(self, response: requests.Response) -> bool:
        """Whether the response is the previous page again: its records are no news.

        Compared as raw bodies: a list answering the same records again answers the same
        bytes, and comparing them costs nothing next to decoding (unequal ones differ
        early, or in length).
        """
        return self._previous is not None and response.content == self._previous

    def has_more(self, response: requests.Response) -> bool:
        """Apply the rules of the class docstring to the page just read."""
        more = not self.repeats(response) and self._more_after(response)
        self._previous = response.content if more else None
        return more

    def _more_after(self, response: requests.Response) -> bool:
        last_page = response.headers.get("Last-Page")
        if last_page is not None:
            return last_page.strip().lower() != "true"
        count = self._count_records(response)
        page_size = self._page_size()
        if count > page_size:
            return False
        if count == page_size:
            return True
        return count > 0 and count in COMMON_PAGE_CAPS


@dataclass(frozen=True)
class Paging:
    """Where an endpoint takes its page number and size (reference §4 lists the variants).

    ``page`` and ``size`` name query parameters, or dotted paths into the JSON body when
    ``in_body`` (e.g. ``detailedFilter.page`` for the detailed report).
    """

    page: str = "page"
    size: str = "page-size"
    in_body: bool = False
    first_page: int = 1

    def place(self, target: dict[str, t.Any], page: int, size: int) -> None:
        """Write the page number and size into query params or a request body."""
        _set_path(target, self.page if self.in_body else [self.page], page)
        _set_path(target, self.size if self.in_body else [self.size], size)

    def size_of(self, request: requests.PreparedRequest) -> int | None:
        """Read the page size a prepared request asked for."""
        if self.in_body:
            node: t.Any = json.loads(request.body or b"{}")
            for key in self.size.split("."):
                node = node.get(key) if isinstance(node, dict) else None
            return int(node) if node is not None else None
        value = dict(parse_qsl(urlparse(request.url or "").query)).get(self.size)
        return int(value) if value is not None else None

    def resized(self, request: requests.PreparedRequest, size: int) -> requests.PreparedRequest:
        """Copy a prepared request with another page size."""
        retry = request.copy()
        if self.in_body:
            body = json.loads(request.body or b"{}")
            _set_path(body, self.size, size)
            retry.prepare_body(data=None, files=None, json=body)
        else:
            url = urlparse(request.url or "")
            query = [(k, str(size) if k == self.size else v) for k, v in parse_qsl(url.query)]
            retry.prepare_url(urlunparse(url._replace(query=urlencode(query))), None)
        return retry


def _set_path(target: dict[str, t.Any], path: str | list[str], value: object) -> None:
    keys = path.split(".") if isinstance(path, str) else path
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value
