"""Clockify's experimental change feed: what was created, updated or deleted, and when.

``GET /workspaces/{ws}/entities/created|updated|deleted?type=…&start=…&end=…`` returns
``{"response": [{"id", "documentCode", "document", "deletedAt"}]}`` (reference §5, §8).
Within one window an entity created and updated appears only under ``created``; one
created and deleted appears nowhere; deletions show up about a minute late.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tap_clockify.client import ClockifyStream
from tap_clockify.pagination import Paging

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

    from tap_clockify.tap import TapClockify

#: Clockify's query-parameter date format (reference §9).
QUERY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: The feed's own default window; longer spans are read in pieces of this size.
MAX_WINDOW = timedelta(days=30)
#: Re-read at least this much before the last sync: deletions reach the feed late.
SAFETY_OVERLAP = timedelta(minutes=10)
#: Statuses that mean the feed is not available for a workspace (plan, permission, age).
FEED_UNAVAILABLE = frozenset({400, 403, 404})
KINDS = ("created", "updated", "deleted")


def query_time(moment: datetime) -> str:
    """Format a moment as Clockify's query parameters expect it, in UTC."""
    return moment.astimezone(timezone.utc).strftime(QUERY_TIME_FORMAT)


@dataclass(frozen=True)
class Change:
    """The latest known state of one entity, and when it was deleted (None if it exists)."""

    document: dict[str, t.Any]
    deleted_at: str | None


class ChangeFeedRequests(ClockifyStream):
    """Reads one of the three feed endpoints; an internal helper, never a tap stream."""

    name = "change_feed"
    path = "/workspaces/{workspaceId}/entities/{kind}"
    records_jsonpath = "$.response[*]"
    paging = Paging(size="limit", first_page=0)
    primary_keys = ("id",)
    schema: t.ClassVar[dict[str, t.Any]] = {"type": "object", "properties": {}}

    def get_url_params(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """Ask for the context's entity types within its window."""
        params = super().get_url_params(context, next_page_token)
        assert context is not None
        params.update(type=context["types"], start=context["start"], end=context["end"])
        return params


def read_changes(
    tap: TapClockify,
    workspace_id: str,
    types: t.Sequence[str],
    since: datetime,
    until: datetime,
    kinds: t.Sequence[str] = KINDS,
) -> dict[str, Change]:
    """Return every entity of ``types`` changed in ``[since, until]``, by id.

    A deletion wins over any other change of the same entity; otherwise the document
    read last (the newest state) wins.
    """
    requests = ChangeFeedRequests(tap)
    changes: dict[str, Change] = {}
    # Query times have whole seconds: round the end up, or a change made in the last
    # fraction of a second before the read would fall outside the window.
    until = until.replace(microsecond=0) + timedelta(seconds=1)
    for start, end in windows(since, until):
        for kind in kinds:
            context = {
                "workspaceId": workspace_id,
                "kind": kind,
                "types": list(types),
                "start": query_time(start),
                "end": query_time(end),
            }
            for item in requests.request_records(context):
                entity_id = str(item.get("id") or (item.get("document") or {}).get("id"))
                document = dict(item.get("document") or {"id": entity_id})
                deleted_at = item.get("deletedAt") if kind == "deleted" else None
                if kind == "deleted" and not deleted_at:
                    deleted_at = query_time(end)
                previous = changes.get(entity_id)
                if previous is None or previous.deleted_at is None:
                    changes[entity_id] = Change(document, deleted_at)
    return changes


def windows(since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Split ``[since, until]`` into consecutive pieces of at most ``MAX_WINDOW``."""
    start = since
    while start < until:
        end = min(start + MAX_WINDOW, until)
        yield start, end
        start = end
