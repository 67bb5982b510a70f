"""Clockify's experimental change feed: what was created, updated or deleted, and when.

``GET /workspaces/{ws}/entities/created|updated|deleted?type=…&start=…&end=…`` returns
``{"response": [...]}`` (reference §5, §8). Items come in two shapes: wrapped
(``{id, documentCode or documentType, document{…entity…}, deletedAt}``, always so for
deletions) and flat (the entity's own fields beside ``documentType`` and
``auditMetadata``, as the guide shows for created and updated). Both are read for every
kind. Within one window an entity created and updated appears only under ``created``;
one created and deleted appears nowhere; deletions show up about a minute late.

That last rule decides the windows. A sync that emitted an object read it at some moment
after its creation; if a later feed window held both the creation and the deletion, the
deletion would never be reported. So deletions are read in windows cut at every moment
a sync began or finished reading (and shortly before each, for the lag): a
:class:`FeedBookmark` keeps those moments in the partition's state.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise

from tap_clockify.client import ClockifyStream
from tap_clockify.errors import ClockifyError
from tap_clockify.pagination import Paging
from tap_clockify.timeutil import parse_time

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context

#: Clockify's query-parameter date format (reference §9).
QUERY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: The feed's own default window; longer spans are read in pieces of this size.
MAX_WINDOW = timedelta(days=30)
#: Re-read at least this much before the last sync: deletions reach the feed late.
SAFETY_OVERLAP = timedelta(minutes=10)
#: Statuses that mean the feed is not available for a workspace (plan, permission, age).
FEED_UNAVAILABLE = frozenset({400, 403, 404})
KINDS = ("created", "updated", "deleted")
#: Keys of a feed item that describe the change rather than the entity.
ITEM_KEYS = frozenset(
    {"document", "documentType", "documentCode", "auditMetadata", "deletedAt", "deletionBinId"}
)


def query_time(moment: datetime) -> str:
    """Format a moment as Clockify's query parameters expect it, in UTC."""
    return moment.astimezone(timezone.utc).strftime(QUERY_TIME_FORMAT)


@dataclass(frozen=True)
class Change:
    """The latest known state of one entity, and when it was deleted (None if it exists).

    ``document`` is None when the feed named a live entity without the fields a record
    needs; the caller then reads the entity itself.
    """

    entity_id: str
    document: dict[str, t.Any] | None
    deleted_at: str | None


def entity_of(
    item: t.Any, required: t.Sequence[str] = ()
) -> tuple[str | None, dict[str, t.Any] | None]:
    """Return the id and fields of the entity in a feed item of either shape.

    The fields are None when ``required`` ones are missing; the id is None when the item
    names no entity at all.
    """
    if not isinstance(item, dict):
        return None, None
    wrapped = item.get("document")
    if isinstance(wrapped, dict):
        document = dict(wrapped)
    else:
        document = {key: value for key, value in item.items() if key not in ITEM_KEYS}
    # In the wrapped shape the item's own id may be the deletion bin's: the entity's wins.
    entity_id = document.get("id") or item.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        return None, None
    document["id"] = entity_id
    usable = all(document.get(name) is not None for name in required)
    return entity_id, document if usable else None


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

    def extract_records(self, payload: t.Any) -> list[t.Any] | None:
        """Keep every item, even a malformed one: :func:`read_changes` reports it."""
        if not isinstance(payload, dict) or not isinstance(payload.get("response"), list):
            return None
        items = payload["response"]
        return [item if isinstance(item, dict) else {"_unreadable": item} for item in items]


def read_changes(
    stream: ClockifyStream,
    workspace_id: str,
    types: t.Sequence[str],
    since: datetime,
    until: datetime,
    *,
    boundaries: Iterable[datetime] = (),
    kinds: t.Sequence[str] = KINDS,
    required: t.Sequence[str] = (),
) -> dict[str, Change]:
    """Return every entity of ``types`` changed in ``[since, until]``, by id.

    Deletions are read in windows cut at ``boundaries`` (see the module docstring). A
    deletion wins over any other change of the same entity; otherwise the document read
    last (the newest state) wins. An item naming no entity is skipped with a warning.
    """
    requests = stream.helper(ChangeFeedRequests)
    changes: dict[str, Change] = {}
    # Query times have whole seconds: round the end up, or a change made in the last
    # fraction of a second before the read would fall outside the window.
    until = until.replace(microsecond=0) + timedelta(seconds=1)
    for kind in kinds:
        spans = deletion_windows(since, until, boundaries) if kind == "deleted" else None
        for start, end in spans or feed_windows(since, until):
            context = {
                "workspaceId": workspace_id,
                "kind": kind,
                "types": list(types),
                "start": query_time(start),
                "end": query_time(end),
            }
            for item in requests.request_records(context):
                entity_id, document = entity_of(item, () if kind == "deleted" else required)
                if entity_id is None:
                    requests.logger.warning(
                        "Skipping a %s item of the change feed in workspace %s that names "
                        "no entity (id %s)",
                        kind,
                        workspace_id,
                        item.get("id", "missing"),
                    )
                    continue
                deleted_at = None
                if kind == "deleted":
                    deleted_at = item.get("deletedAt") or query_time(end)
                previous = changes.get(entity_id)
                if previous is None or previous.deleted_at is None:
                    changes[entity_id] = Change(entity_id, document, deleted_at)
    return changes


class FeedUnavailableError(Exception):
    """The change feed is switched off, or Clockify refused it for the workspace."""


def changes_since(
    stream: ClockifyStream,
    workspace_id: str,
    types: t.Sequence[str],
    read: FeedRead,
    *,
    kinds: t.Sequence[str] = KINDS,
    required: t.Sequence[str] = (),
) -> dict[str, Change]:
    """Read :func:`read_changes` from where ``read`` says earlier reads leave off to now.

    Raises :class:`FeedUnavailableError`, saying why, when ``use_change_feed`` is off or the
    feed answers 400, 403 or 404 (plan, permission, age).
    """
    if not stream.config.get("use_change_feed"):
        msg = "use_change_feed is off"
        raise FeedUnavailableError(msg)
    assert read.since is not None
    try:
        return read_changes(
            stream,
            workspace_id,
            types,
            read.since,
            datetime.now(timezone.utc),
            boundaries=read.boundaries,
            kinds=kinds,
            required=required,
        )
    except ClockifyError as error:
        if error.status not in FEED_UNAVAILABLE:
            raise
        msg = f"the change feed is unavailable for workspace {workspace_id}: {error}"
        raise FeedUnavailableError(msg) from error


def feed_windows(since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Split ``[since, until]`` into consecutive pieces of at most ``MAX_WINDOW``."""
    start = since
    while start < until:
        end = min(start + MAX_WINDOW, until)
        yield start, end
        start = end


def deletion_windows(
    since: datetime, until: datetime, boundaries: Iterable[datetime]
) -> list[tuple[datetime, datetime]]:
    """Split ``[since, until]`` at each boundary, and ``SAFETY_OVERLAP`` before it.

    The earlier cut separates a deletion that reached the feed late (after a read that
    still saw the object) from the object's creation; it is left out where another cut
    already lies that close before the boundary. Cuts are whole seconds, as queries are.
    """
    marks = sorted({mark.replace(microsecond=0) for mark in boundaries})
    cuts = set(marks)
    for index, mark in enumerate(marks):
        if index == 0 or mark - marks[index - 1] > SAFETY_OVERLAP:
            cuts.add(mark - SAFETY_OVERLAP)
    edges = [since, *sorted(cut for cut in cuts if since < cut < until), until]
    return [piece for start, end in pairwise(edges) for piece in feed_windows(start, end)]


class FeedBookmark:
    """The change-feed part of a partition's state.

    ``changes_since``: when the last complete read of the partition began; the next one
    asks the feed for changes from then (less the lookback). ``boundaries``: when every
    read since began, finished reads and interrupted ones alike; deletions are read in
    windows cut there. A read's start is recorded (and written out in a STATE message)
    before its first record, so a sync killed midway still leaves its mark.
    """

    def __init__(self, state: dict[str, t.Any]) -> None:
        self.state = state

    @property
    def last_read(self) -> datetime | None:
        """When the last complete read began, if there was one."""
        value = self.state.get("changes_since")
        return parse_time(value) if value else None

    @property
    def boundaries(self) -> list[datetime]:
        """Moments a deletion window must not span (see the class docstring).

        ``changes_since`` counts too: states written before ``boundaries`` existed have
        only that.
        """
        marks = [parse_time(value) for value in self.state.get("boundaries") or ()]
        return [*marks, *([self.last_read] if self.last_read else [])]

    def begin(self, lookback: timedelta) -> FeedRead:
        """Record that a read begins now; the caller writes the state out before any record."""
        started = datetime.now(timezone.utc)
        marks = self.boundaries
        if self.last_read is not None:
            since: datetime | None = self.last_read - max(lookback, SAFETY_OVERLAP)
        else:  # only interrupted reads (if any) emitted records before
            since = min(marks) - SAFETY_OVERLAP if marks else None
        self.state["boundaries"] = [*self.state.get("boundaries", ()), query_time(started)]
        return FeedRead(self, started, since, marks)


@dataclass(frozen=True)
class FeedRead:
    """One read of a partition: when it began, and what earlier reads leave to check."""

    bookmark: FeedBookmark
    started: datetime
    #: Where changes worth reading begin; None when no earlier read emitted anything.
    since: datetime | None
    #: Where earlier reads began and finished: the cuts of the deletion windows.
    boundaries: list[datetime]

    def complete(self) -> None:
        """Record the read as complete: the next one starts from it."""
        finished = datetime.now(timezone.utc)
        self.bookmark.state["changes_since"] = query_time(self.started)
        self.bookmark.state["boundaries"] = [query_time(self.started), query_time(finished)]
