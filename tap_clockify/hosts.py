"""Clockify base URLs per region (reference §1).

The main API and the reports API live on different hosts, and the regional reports
host is spelled ``/report/v1`` (singular), so both are derived from one ``region``
setting and can each be overridden for subdomain workspaces, the developer sandbox
or tests.
"""

from __future__ import annotations

import typing as t

REGIONS: dict[str, tuple[str, str]] = {
    "global": ("https://api.clockify.me/api/v1", "https://reports.api.clockify.me/v1"),
    "euc1": ("https://euc1.clockify.me/api/v1", "https://euc1.clockify.me/report/v1"),
    "use2": ("https://use2.clockify.me/api/v1", "https://use2.clockify.me/report/v1"),
    "euw2": ("https://euw2.clockify.me/api/v1", "https://euw2.clockify.me/report/v1"),
    "apse2": ("https://apse2.clockify.me/api/v1", "https://apse2.clockify.me/report/v1"),
}
DEFAULT_REGION = "global"


def base_urls(config: t.Mapping[str, t.Any]) -> tuple[str, str]:
    """Return ``(api_url, reports_url)`` for a tap config, overrides first."""
    region = config.get("region") or DEFAULT_REGION
    api_url, reports_url = REGIONS[region]
    return (
        (config.get("api_url") or api_url).rstrip("/"),
        (config.get("reports_url") or reports_url).rstrip("/"),
    )
