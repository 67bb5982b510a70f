"""detailed_report: month windows in UTC, every user, paged bodies, incremental with lookback."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from tap_clockify.timeutil import Width, month_windows, parse_time, windows
from tests.conftest import catalog_selecting, run_tap, tap_config
from tests.fake_clockify import DatasetSpec

#: Over 1,000 finished entries a month, so months take several pages.
BUSY = DatasetSpec(workspaces=1, users_per_workspace=10, entries_per_user=300, history_days=60)
DETAILED = "/workspaces/{workspaceId}/reports/detailed"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_windows_are_calendar_months_of_at_most_31_days():
    windows = list(month_windows(utc(2024, 1, 15, 8), utc(2024, 3, 3)))
    assert windows == [
        (utc(2024, 1, 15, 8), utc(2024, 2, 1)),
        (utc(2024, 2, 1), utc(2024, 3, 1)),
        (utc(2024, 3, 1), utc(2024, 3, 3)),
    ]
    assert all(end - start <= timedelta(days=31) for start, end in windows)


def sync_report(tmp_path, server, state=None, **config):
    config = tap_config(server, **config)
    catalog = catalog_selecting(tmp_path, config, "detailed_report")
    server.reset_requests()
    result = run_tap(tmp_path, config, catalog=catalog, state=state)
    assert result.returncode == 0, result.stderr[-3000:]
    bodies = [json.loads(r.body) for r in server.requests if r.path.endswith("/detailed")]
    return result, bodies


@pytest.mark.parametrize("spelling", ["docs", "spec"])
def test_every_finished_entry_once_with_names_and_amounts(tmp_path, make_server, spelling):
    server = make_server(BUSY)
    server.report_spelling = spelling
    start_date = (datetime.now(timezone.utc) - timedelta(days=70)).strftime("%Y-%m-%dT00:00:00Z")
    result, bodies = sync_report(tmp_path, server, start_date=start_date)
    records = result.records["detailed_report"]
    truth = server.ground_truth("detailed_report")
    assert len(truth) > 2000
    assert Counter(r["id"] for r in records) == Counter(e["_id"] for e in truth)
    assert all(r["userName"] and r["amounts"] for r in records)
    assert all(isinstance(r["timeInterval"]["duration"], int) for r in records)

    assert {b["timeZone"] for b in bodies} == {"UTC"}
    assert {b["users"]["status"] for b in bodies} == {"ALL"}
    assert {b["detailedFilter"]["pageSize"] for b in bodies} == {1000}
    pages = Counter(b["dateRangeStart"] for b in bodies)
    assert max(pages.values()) >= 2, "a busy month should take several pages"


def test_inactive_members_entries_are_included(tmp_path, make_server):
    server = make_server(BUSY)
    start_date = (datetime.now(timezone.utc) - timedelta(days=70)).strftime("%Y-%m-%dT00:00:00Z")
    result, _ = sync_report(tmp_path, server, start_date=start_date)
    inactive = {
        user["id"]
        for user in server.ground_truth("users")
        for membership in user["memberships"]
        if membership["membershipStatus"] == "INACTIVE"
    }
    assert inactive & {r["userId"] for r in result.records["detailed_report"]}


def test_a_smaller_page_cap_is_learned_from_the_400(tmp_path, make_server):
    # Clockify's message names the page size: it steps down at once, the window stays a
    # year (tests/test_step_downs.py covers 400s without a message).
    server = make_server(BUSY)
    server.page_size_caps[DETAILED] = 200
    start_date = (datetime.now(timezone.utc) - timedelta(days=70)).strftime("%Y-%m-%dT00:00:00Z")
    result, bodies = sync_report(tmp_path, server, start_date=start_date)
    assert len(result.records["detailed_report"]) == len(server.ground_truth("detailed_report"))
    assert [b["detailedFilter"]["pageSize"] for b in bodies].count(1000) == 1
    assert len({b["dateRangeStart"] for b in bodies}) == 1


def test_windows_of_a_width():
    since, until = utc(2020, 3, 15), utc(2022, 1, 10)
    assert windows(since, until, Width.ALL) == [(since, until)]
    years = windows(since, until, Width.YEAR)
    assert [end - start for start, end in years[:-1]] == [timedelta(days=366)]
    assert years[0][0] == since
    assert years[-1][1] == until
    assert windows(since, until, Width.MONTH) == list(month_windows(since, until))


SIX_YEARS = DatasetSpec(workspaces=2, free_plan_workspaces=1, history_days=6 * 365)


def test_reports_ask_a_year_at_a_time_and_months_where_the_plan_refuses(tmp_path, make_server):
    server = make_server(SIX_YEARS)
    since = (datetime.now(timezone.utc) - timedelta(days=6 * 365)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    before = datetime.now(timezone.utc)
    result, _ = sync_report(tmp_path, server, start_date=since.strftime("%Y-%m-%dT%H:%M:%SZ"))
    after = datetime.now(timezone.utc)
    records = result.records["detailed_report"]
    assert Counter(r["id"] for r in records) == Counter(
        e["_id"] for e in server.ground_truth("detailed_report")
    )
    paid, free = server.workspace_ids
    starts: dict[tuple[str, int], set[str]] = {}  # workspace, status -> window starts
    for r in server.requests:
        if r.path.endswith("/detailed"):
            key = (r.path.split("/")[4], r.status)
            starts.setdefault(key, set()).add(json.loads(r.body)["dateRangeStart"])
    # How many windows the range holds depends on the calendar (months), not the verdict.
    years = {len(windows(since, now, Width.YEAR)) for now in (before, after)}
    months = {len(windows(since, now, Width.MONTH)) for now in (before, after)}
    assert years == {6}  # six years and some hours, a year at a time
    assert len(starts[paid, 200]) in years
    assert (paid, 400) not in starts
    assert len(starts[free, 400]) == 1  # learned once, kept for the workspace
    assert len(starts[free, 200]) in months  # then calendar months (72 or 73)


def test_without_the_feed_a_second_run_starts_lookback_days_before_the_bookmark(
    tmp_path, make_server
):
    # With the feed, only the months it names are read (tests/test_shared_feed.py).
    server = make_server(DatasetSpec(workspaces=1))
    first, _ = sync_report(tmp_path, server)
    bookmark = first.final_state["bookmarks"]["detailed_report"]["partitions"][0]
    second, bodies = sync_report(
        tmp_path, server, state=first.final_state, lookback_days=3, use_change_feed=False
    )
    newest = parse_time(bookmark["replication_key_value"])
    assert parse_time(bodies[0]["dateRangeStart"]) == newest - timedelta(days=3)
    assert all(
        parse_time(r["start"]) >= newest - timedelta(days=3)
        for r in second.records["detailed_report"]
    )
