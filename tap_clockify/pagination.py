"""Clockify's page-number pagination (reference §4).

Lists are paged with ``page`` (from 1) and ``page-size``. Newer responses carry a
``Last-Page: true|false`` header; older ones do not, and then a short page is the end.
"""

from __future__ import annotations

import typing as t

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
    ) -> None:
        super().__init__(start_value=1)
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
