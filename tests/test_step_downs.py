"""A 400 to a list read in date windows: a page size above the cap, or a range too wide.

Clockify answers HTTP 400 to both (reference §4, §7), saying which in its message, or
not at all. Either way the tap must cure the right one: a page-size cap must not narrow
the windows (which are never widened again), and a window limit must not leave a
guessed smaller page size behind. Every record comes once, in few requests.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tap_clockify.errors import refused_part
from tap_clockify.timeutil import Width, month_start, windows
from tests.conftest import catalog_selecting, run_tap, tap_config
from tests.fake_clockify import DatasetSpec

ASSIGNMENTS = "/workspaces/{workspaceId}/scheduling/assignments/all"
DETAILED = "/workspaces/{workspaceId}/reports/detailed"
#: Two paid workspaces, each with more assignments than the smallest page (50) holds.
MANY_ASSIGNMENTS = DatasetSpec(users_per_workspace=16, assignments_per_user=6)
#: One workspace of several hundred finished entries in two months, on a paid plan (the
#: report takes a year per request) or the Free plan (31 days per request).
ENTRIES = {"workspaces": 1, "users_per_workspace": 8, "entries_per_user": 80, "history_days": 60}
LIMITS = ["page cap", "window limit", "both"]


def sync(tmp_path, server, stream: str, **config):
    config = tap_config(server, **config)
    catalog = catalog_selecting(tmp_path, config, stream)
    server.reset_requests()
    return run_tap(tmp_path, config, catalog=catalog)


#: What one request asked: (status answered, (start, end), page size, page).
Asked = tuple[int, tuple[str, str], int, int]


def assignment_requests(server) -> dict[str, list[Asked]]:
    """What each assignments request asked, by workspace."""
    asked: dict[str, list[Asked]] = {}
    for r in server.requests:
        if r.path.endswith("/scheduling/assignments/all"):
            window = (r.query["start"][0], r.query["end"][0])
            size, page = int(r.query["page-size"][0]), int(r.query["page"][0])
            asked.setdefault(r.path.split("/")[4], []).append((r.status, window, size, page))
    return asked


def report_requests(server) -> list[Asked]:
    """What each detailed-report request asked."""
    asked = []
    for r in server.requests:
        if r.path.endswith("/reports/detailed"):
            body = json.loads(r.body)
            window = (body["dateRangeStart"], body["dateRangeEnd"])
            paging = body["detailedFilter"]
            asked.append((r.status, window, paging["pageSize"], paging["page"]))
    return asked


def assert_few_requests(asked: list[Asked], records: int) -> None:
    """No request twice, and no window read in more pages than all records would fill."""
    assert len(asked) == len(set(asked))
    pages = Counter((window, size) for status, window, size, _ in asked if status == 200)
    assert all(n <= max(1, math.ceil(records / size)) for (_, size), n in pages.items())


@pytest.mark.parametrize("messages", [True, False], ids=["messages", "no messages"])
@pytest.mark.parametrize("limit", LIMITS)
def test_assignments_cure_the_400_they_got(tmp_path, make_server, limit, messages):
    server = make_server(MANY_ASSIGNMENTS)
    server.error_messages = messages
    if limit != "window limit":
        server.page_size_caps[ASSIGNMENTS] = 50  # the tap asks 200 first
    if limit != "page cap":
        server.assignment_max_range = timedelta(days=31)
    result = sync(tmp_path, server, "scheduling_assignments", start_date=None)
    assert result.returncode == 0, result.stderr[-2000:]

    assignments = result.records["scheduling_assignments"]
    ids = [(a["workspaceId"], a["id"]) for a in assignments]
    truth = server.ground_truth("scheduling_assignments")
    assert Counter(ids) == Counter((a["workspaceId"], a["id"]) for a in truth)

    # Refused page sizes in order: per workspace, as each window width is tried.
    first, second = server.workspace_ids
    refused = {
        ("page cap", True): ([200], []),  # a page cap never narrows the window
        ("page cap", False): ([200], []),
        ("window limit", True): ([200, 200], [200, 200]),  # all, a year
        ("window limit", False): ([200, 50, 200, 50], [200, 50, 200, 50]),  # guesses undone
        ("both", True): ([200, 200, 200], [50, 50]),  # all, a year, then the page at months
        ("both", False): ([200, 50, 200, 50, 200], [50, 50]),
    }[limit, messages]
    asked = assignment_requests(server)
    for workspace_id, expected in zip((first, second), refused, strict=True):
        assert [size for status, _, size, _ in asked[workspace_id] if status == 400] == expected
        accepted = [
            (window, size) for status, window, size, _ in asked[workspace_id] if status == 200
        ]
        assert {size for _, size in accepted} == {200 if limit == "window limit" else 50}
        ranges = {window for window, _ in accepted}
        assert len(ranges) == (1 if limit == "page cap" else 25)  # the range, or its months
        if limit == "page cap":
            now = datetime.now(timezone.utc)
            whole = (month_start(now, -12), month_start(now, 13))
            assert ranges == {tuple(m.strftime("%Y-%m-%dT%H:%M:%SZ") for m in whole)}
        per_workspace = sum(1 for a in truth if a["workspaceId"] == workspace_id)
        assert_few_requests(asked[workspace_id], per_workspace)


@pytest.mark.parametrize("messages", [True, False], ids=["messages", "no messages"])
@pytest.mark.parametrize("limit", LIMITS)
def test_the_report_cures_the_400_it_got(tmp_path, make_server, limit, messages):
    free = int(limit != "page cap")  # the Free plan allows 31 days per request
    server = make_server(DatasetSpec(free_plan_workspaces=free, **ENTRIES))
    server.error_messages = messages
    if limit != "window limit":
        server.page_size_caps[DETAILED] = 200  # the tap asks 1000 first
    since = (datetime.now(timezone.utc) - timedelta(days=70)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    before = datetime.now(timezone.utc)
    result = sync(
        tmp_path, server, "detailed_report", start_date=since.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    after = datetime.now(timezone.utc)
    assert result.returncode == 0, result.stderr[-2000:]

    truth = server.ground_truth("detailed_report")
    assert Counter(r["id"] for r in result.records["detailed_report"]) == Counter(
        e["_id"] for e in truth
    )
    refused = {
        ("page cap", True): [1000],  # a page cap never narrows the window
        ("page cap", False): [1000],
        ("window limit", True): [1000],  # a year, then months
        ("window limit", False): [1000, 200, 50],  # the guesses are undone
        ("both", True): [1000, 1000],  # a year, then the page at months
        ("both", False): [1000, 200, 50, 1000],
    }[limit, messages]
    asked = report_requests(server)
    assert [size for status, _, size, _ in asked if status == 400] == refused
    accepted = [(window, size) for status, window, size, _ in asked if status == 200]
    assert {size for _, size in accepted} == {1000 if limit == "window limit" else 200}
    months = {len(windows(since, now, Width.MONTH)) for now in (before, after)}
    assert len({window for window, _ in accepted}) in ({1} if limit == "page cap" else months)
    assert_few_requests(asked, len(truth))


@pytest.mark.parametrize(
    "body",
    [{"message": "Unknown sort column", "code": 501}, ""],
    ids=["with a message", "empty"],
)
@pytest.mark.parametrize(
    ("stream", "path", "page_sizes"),
    [
        ("scheduling_assignments", "/api/v1/workspaces/{}/scheduling/assignments/all", 2),
        ("detailed_report", "/reports/v1/workspaces/{}/reports/detailed", 3),
    ],
    ids=["assignments", "report"],
)
def test_a_genuinely_bad_request_still_fails(tmp_path, make_server, stream, path, page_sizes, body):
    server = make_server(DatasetSpec(workspaces=1))
    path = path.format(server.workspace_ids[0])
    server.inject(status=400, times=100, path_contains=path, body=body)
    result = sync(tmp_path, server, stream)
    assert result.returncode == 1
    said = ": Unknown sort column." if body else "."
    assert f"Clockify refused the request (HTTP 400 from {path}){said}" in result.stderr
    assert "Traceback" not in result.stderr
    # Before giving up: every page size, from the largest, at every window width.
    asked = [r for r in server.requests if r.path == path]
    widths = 3 if stream == "scheduling_assignments" else 2
    assert len(asked) == widths * page_sizes
    assert all(r.status == 400 for r in asked)


def response(status: int, body: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer._content = status, body.encode()
    answer.url = "https://api.clockify.me/api/v1/workspaces/w/scheduling/assignments/all"
    return answer


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ('{"message": "page-size must be less than or equal to 200", "code": 501}', "page size"),
        ('{"message": "detailedFilter.pageSize must be between 1 and 1000"}', "page size"),
        ('{"message": "Page Size too large"}', "page size"),
        ('{"message": "Date range must be at most 365 days", "code": 501}', "date range"),
        ('{"message": "Date range must be positive and at most 31 days"}', "date range"),
        ('{"message": "The period is too long"}', "date range"),
        ('{"message": "Unknown sort column", "code": 501}', None),
        ('{"message": "page size and date range both too large"}', None),
        ('{"code": 501}', None),
        ("", None),
        ("<html><body>400 Bad Request</body></html>", None),
    ],
)
def test_what_a_400_refused_is_read_from_clockifys_message(body, refused):
    assert refused_part(response(400, body)) == refused
