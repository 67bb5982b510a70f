"""Paging: stop on Last-Page or a short page, never a page twice, largest page size."""

from __future__ import annotations

import json
import math
import re

import pytest
import requests

from tap_clockify.pagination import ClockifyPaginator
from tests.conftest import catalog_selecting, run_tap, tap_config
from tests.fake_clockify import DatasetSpec


def response(records: int, last_page: str | None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = 200
    if last_page is not None:
        resp.headers["Last-Page"] = last_page
    resp._content = b"[" + b",".join(b"{}" for _ in range(records)) + b"]"
    return resp


def has_more(records: int, last_page: str | None, page_size: int = 100) -> bool:
    paginator = ClockifyPaginator(
        page_size=lambda: page_size, count_records=lambda resp: len(resp.json())
    )
    return paginator.has_more(response(records, last_page))


@pytest.mark.parametrize(
    ("records", "last_page", "expected"),
    [
        (100, "false", True),
        (100, "true", False),
        (3, "false", True),  # the header wins over the page length
        (100, None, True),  # full page without the header: there may be more
        (99, None, False),  # short page: the end
        (50, None, True),  # a round number below the ask: maybe a silently capped page
        (101, None, False),  # more than asked: the list ignores paging, this is all of it
        (101, "false", True),
    ],
)
def test_paginator_end_detection(records, last_page, expected):
    assert has_more(records, last_page) is expected


def page_of(ids: range, last_page: str | None = None) -> requests.Response:
    resp = response(0, last_page)
    resp._content = json.dumps([{"id": str(i)} for i in ids]).encode()
    return resp


@pytest.mark.parametrize("last_page", [None, "false"])
def test_a_page_that_repeats_the_previous_one_ends_the_list(last_page):
    """A list that ignores ``page`` answers page 1 again: that is the end, header or not."""
    paginator = ClockifyPaginator(page_size=lambda: 2, count_records=lambda r: len(r.json()))
    paginator.advance(page_of(range(2), last_page))
    assert (paginator.finished, paginator.current_value) == (False, 2)
    assert paginator.repeats(page_of(range(2)))
    assert not paginator.repeats(page_of(range(2, 4)))
    paginator.advance(page_of(range(2), last_page))
    assert paginator.finished


def test_only_the_page_just_before_counts_as_a_repeat():
    paginator = ClockifyPaginator(page_size=lambda: 2, count_records=lambda r: len(r.json()))
    assert not paginator.repeats(page_of(range(2)))  # nothing read yet
    paginator.advance(page_of(range(2)))
    paginator.advance(page_of(range(2, 4)))
    assert not paginator.repeats(page_of(range(2)))
    paginator.advance(page_of(range(4, 5)))  # short: the end, and nothing more to compare
    assert paginator.finished
    assert not paginator.repeats(page_of(range(4, 5)))


def test_paginator_counts_pages_from_one():
    paginator = ClockifyPaginator(page_size=lambda: 10, count_records=lambda resp: 10)
    assert paginator.current_value == 1
    paginator.advance(response(10, "false"))
    assert paginator.current_value == 2


def tag_requests(server):
    return [r for r in server.requests if r.path.endswith("/tags")]


def sync_tags(tmp_path, server):
    """Sync only the tags stream (and its parent) of one workspace."""
    workspace_id = server.workspace_ids[0]
    config = tap_config(server, workspace_ids=[workspace_id])
    catalog = catalog_selecting(tmp_path, config, "tags")
    server.reset_requests()
    result = run_tap(tmp_path, config, catalog=catalog)
    assert result.returncode == 0, result.stderr[-2000:]
    return result, workspace_id


@pytest.mark.parametrize("last_page_header", [True, False])
@pytest.mark.parametrize("tags", [0, 49, 50, 51, 100, 101])
def test_page_boundaries(tmp_path, make_server, tags, last_page_header):
    server = make_server(DatasetSpec(tags=tags), last_page_header=last_page_header)
    server.page_size_caps["/workspaces/{workspaceId}/tags"] = 50
    result, workspace_id = sync_tags(tmp_path, server)

    expected = {tag["id"] for tag in server.ground_truth("tags", workspace_id)}
    assert {tag["id"] for tag in result.records["tags"]} == expected
    assert len(result.records["tags"]) == len(expected)

    requests_made = tag_requests(server)
    rejected = [r for r in requests_made if r.status == 400]
    assert [r.query["page-size"][0] for r in rejected] == ["5000", "1000", "200"]
    pages = [r.query["page"][0] for r in requests_made if r.status == 200]
    assert pages == [str(page) for page in range(1, len(pages) + 1)], "a page was read twice"
    if last_page_header:
        assert len(pages) == max(1, math.ceil(tags / 50))
    else:  # without the header only a short page proves the end
        assert len(pages) == tags // 50 + 1


#: Page sizes the tap must ask for first, by endpoint (reference §4): (path ending, where
#: the size goes, size). Anything else is an ordinary list: page-size 5000.
FIRST_PAGE_SIZES = [
    (r"/workspaces$|/user$|/webhooks$|/member-profile/\w+$", "page-size", None),
    (r"/custom-fields$|/expenses$|/expenses/categories$|/holidays$", "page-size", "200"),
    (r"/time-off/policies$|/time-off/balance/policy/\w+$|/approval-requests$", "page-size", "200"),
    (r"/time-off/requests$", "body:pageSize", 200),
    (r"/scheduling/assignments/all$", "page-size", "200"),
    (r"/reports/detailed$", "body:detailedFilter.pageSize", 1000),
    (r"/entities/\w+$", "page-size", None),  # the change feed pages with limit
    (r"/time-entries/status/in-progress$", "page-size", "1000"),
    (r"/shared-reports$", "pageSize", "5000"),
]


def test_largest_page_size_is_asked_first(full_sync):
    for request in full_sync.requests:
        where, expected = next(
            (
                (where, size)
                for ending, where, size in FIRST_PAGE_SIZES
                if re.search(ending, request.path)
            ),
            ("page-size", "5000"),
        )
        if where.startswith("body:"):
            asked = json.loads(request.body)
            for key in where.removeprefix("body:").split("."):
                asked = asked.get(key)
        else:
            asked = request.query.get(where, [None])[0]
        assert asked == expected, request.path


def test_no_request_is_repeated_in_a_full_sync(full_sync):
    seen = [(r.method, r.path, sorted(r.query.items()), r.body) for r in full_sync.requests]
    seen = [repr(request) for request in seen]
    assert len(seen) == len(set(seen))
