"""The request budget of a full-catalog sync of the fake's default dataset.

Two workspaces, all 24 streams, ``start_date`` 410 days back. The budget is what the tap
needs today, stream by stream (see benchmarks/catalog.py for the six-year scenario): a
change that makes it ask more fails here and must say why in this table.
"""

from __future__ import annotations

import re
from collections import Counter

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
_ID = re.compile(r"/[0-9a-f]{24}(?=/|$)")


def test_a_full_sync_stays_within_its_request_budget(full_sync):
    asked = Counter(_ID.sub("/{id}", r.path.split("/v1", 1)[-1]) for r in full_sync.requests)
    over = {e: (n, BUDGET.get(e, 0)) for e, n in asked.items() if n > BUDGET.get(e, 0)}
    assert not over, f"asked more than the budget (asked, budget): {over}"
    assert sum(asked.values()) <= sum(BUDGET.values()) == 99
