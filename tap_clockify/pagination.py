"""Clockify's page-number pagination (reference §4).

Lists are paged with ``page`` (from 1) and ``page-size``. Newer responses carry a
``Last-Page: true|false`` header; older ones do not, and then a short page is the end.
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
    """Pages 1, 2, … until ``Last-Page: true`` or, without that header, a short page."""

    def __init__(
        self,
        page_size: Callable[[], int],
        count_records: Callable[[requests.Response], int],
        first_page: int = 1,
    ) -> None:
        super().__init__(start_value=first_page)
        self._page_size = page_size
        self._count_records = count_records

    def has_more(self, response: requests.Response) -> bool:
        """Trust ``Last-Page`` when present, otherwise compare the page to its size."""
        last_page = response.headers.get("Last-Page")
        if last_page is not None:
            return last_page.strip().lower() != "true"
        count = self._count_records(response)
        page_size = self._page_size()
        if count >= page_size:
            return True
        return 0 < count < page_size and count in COMMON_PAGE_CAPS


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
