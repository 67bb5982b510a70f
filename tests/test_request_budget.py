"""The request budget of full-catalog syncs of the fake's default dataset.

Two workspaces, all 24 streams, ``start_date`` 410 days back: a first sync, then an
incremental one after a handful of changes. The budget is what the tap needs today,
stream by stream (see benchmarks/catalog.py for the six-year scenarios): a change that
makes it ask more fails here and must say why in these tables.
"""

from __future__ import annotations

import re
from collections import Counter

from tap_clockify.change_feed import FeedBookmark
from tests.conftest import run_tap, tap_config
from tests.convergence import wait_for_next_second
from tests.fake_clockify.edits import edit
from tests.test_shared_feed import FEED_STREAMS

#: Requests by endpoint (ids folded) for the default dataset's first full sync.
BUDGET = {
    "/workspaces": 1,
    "/workspaces/{id}/users": 2,
    "/workspaces/{id}/member-profile/{id}": 16,  # one per member
    "/workspaces/{id}/user-groups": 2,
    "/workspaces/{id}/clients": 2,
    "/workspaces/{id}/projects": 2,
    "/workspaces/{id}/projects/{id}/tasks": 12,  # one per project
    "/workspaces/{id}/tags": 2,
    "/workspaces/{id}/custom-fields": 2,
    "/workspaces/{id}/user/{id}/time-entries": 16,  # one per member
    "/workspaces/{id}/time-entries/status/in-progress": 2,
    "/workspaces/{id}/reports/detailed": 4,  # 410 days: a year and the rest
    "/workspaces/{id}/expenses": 2,
    "/workspaces/{id}/expenses/categories": 4,  # active, then archived
    "/workspaces/{id}/invoices": 2,
    "/workspaces/{id}/invoices/{id}/payments": 4,  # paid invoices only
    "/workspaces/{id}/holidays": 2,
    "/workspaces/{id}/time-off/policies": 2,
    "/workspaces/{id}/time-off/balance/policy/{id}": 6,  # one per policy
    "/workspaces/{id}/time-off/requests": 2,
    "/workspaces/{id}/approval-requests": 6,  # one per status
    "/workspaces/{id}/scheduling/assignments/all": 2,  # the whole range at once
    "/workspaces/{id}/webhooks": 2,
    "/workspaces/{id}/shared-reports": 2,
}
#: Requests by endpoint for an incremental sync after ``edit(server, 8)``: entries edited,
#: moved, added and deleted, tasks and scheduled assignments added, edited and deleted, a
#: project, a tag and a client changed, all in the first workspace. What grows with what:
#: members (profiles, one per member), changes (tasks, report months, the feed's pages),
#: workspaces (every list once); nothing with projects or months of history.
INCREMENTAL_BUDGET = {
    "/workspaces": 1,
    "/workspaces/{id}/users": 2,
    "/workspaces/{id}/member-profile/{id}": 16,  # one per member: no feed reports them
    "/workspaces/{id}/user-groups": 2,
    "/workspaces/{id}/clients": 2,
    "/workspaces/{id}/projects": 2,
    "/workspaces/{id}/projects/{id}/tasks": 5,  # projects with changed tasks or tracked time
    "/workspaces/{id}/tags": 2,
    "/workspaces/{id}/custom-fields": 2,
    "/workspaces/{id}/user/{id}/time-entries": 2,  # users whose timer was running
    "/workspaces/{id}/time-entries/status/in-progress": 2,
    "/workspaces/{id}/reports/detailed": 8,  # months with changed entries, their users only
    "/workspaces/{id}/entities/created": 2,  # one feed read per workspace, every type at once
    "/workspaces/{id}/entities/updated": 2,
    # /entities/deleted: one window per distinct second among the marks, counted below
    "/workspaces/{id}/expenses": 2,
    "/workspaces/{id}/expenses/categories": 4,
    "/workspaces/{id}/invoices": 2,
    "/workspaces/{id}/invoices/{id}/payments": 4,
    "/workspaces/{id}/holidays": 2,
    "/workspaces/{id}/time-off/policies": 2,
    "/workspaces/{id}/time-off/balance/policy/{id}": 6,
    "/workspaces/{id}/time-off/requests": 2,
    "/workspaces/{id}/approval-requests": 6,
    "/workspaces/{id}/scheduling/assignments/all": 0,  # the feed names what changed
    "/workspaces/{id}/webhooks": 2,
    "/workspaces/{id}/shared-reports": 2,
}
_ID = re.compile(r"/[0-9a-f]{24}(?=/|$)")


def by_endpoint(requests) -> Counter:
    return Counter(_ID.sub("/{id}", r.path.split("/v1", 1)[-1]) for r in requests)


def over_budget(asked: Counter, budget: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {e: (n, budget.get(e, 0)) for e, n in asked.items() if n > budget.get(e, 0)}


def test_a_full_sync_stays_within_its_request_budget(full_sync):
    asked = by_endpoint(full_sync.requests)
    over = over_budget(asked, BUDGET)
    assert not over, f"asked more than the budget (asked, budget): {over}"
    assert sum(asked.values()) <= sum(BUDGET.values()) == 99


def deletion_windows_allowed(state: dict, workspace_ids: list[str]) -> int:
    """One window per distinct second among the feed streams' marks, plus two, per workspace.

    The marks are those of the first run (each stream's read start and end): the cuts,
    ten minutes before the first of them, and the window's two ends.
    """
    allowed = 0
    for workspace_id in workspace_ids:
        marks = set()
        for stream in FEED_STREAMS:
            partitions = state["bookmarks"][stream]["partitions"]
            (partition,) = [p for p in partitions if p["context"]["workspaceId"] == workspace_id]
            marks |= {mark.replace(microsecond=0) for mark in FeedBookmark(partition).boundaries}
        allowed += len(marks) + 2
    return allowed


def test_an_incremental_sync_costs_what_changed(tmp_path, make_server):
    server = make_server()
    config = tap_config(server)
    first = run_tap(tmp_path, config)
    assert first.returncode == 0, first.stderr[-3000:]
    first_requests = len(server.requests)
    wait_for_next_second()
    edit(server, 8)
    wait_for_next_second()
    server.reset_requests()
    second = run_tap(tmp_path, config, state=first.final_state)
    assert second.returncode == 0, second.stderr[-3000:]

    asked = by_endpoint(server.requests)
    deleted = asked.pop("/workspaces/{id}/entities/deleted")
    over = over_budget(asked, INCREMENTAL_BUDGET)
    assert not over, f"asked more than the budget (asked, budget): {over}"
    assert deleted <= deletion_windows_allowed(first.final_state, server.workspace_ids)
    assert sum(asked.values()) <= sum(INCREMENTAL_BUDGET.values()) == 84
    assert sum(asked.values()) + deleted < first_requests
