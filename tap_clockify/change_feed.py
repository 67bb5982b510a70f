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

One read serves every stream of a run (:func:`shared_changes`): ``type`` is repeatable,
so the first stream of a workspace that needs the feed reads it once for all the types
the run's selected streams follow, from the earliest point any of them needs, and with
deletion windows cut at the marks of every one of them. A cut another stream needs
only splits a window in two, and a window that no cut of a stream's own divides would
have been read whole for that stream alone: so every stream sees each deletion in a
window at least as narrow as its own marks allow, and the guarantee is the one above
(what no window can separate is an object created and deleted within one stream's
read). A stream that reads its list after the shared read also keeps the read's moment
as a mark and starts its next read there: what changed between the two moments is
read again next run. Each stream keeps its own bookmark, so a stream selected later, or
a run killed midway, still starts where that stream left off. The streams that follow
the feed are read one after the other in each workspace, so their marks fall within a
few seconds and, in whole seconds, mostly together.
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
#: Fields without which a created or updated document is not a usable record, by type
#: (the entity is then re-read from its own endpoint).
DOCUMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "TIME_ENTRY": ("userId", "timeInterval"),
    "TASKS": ("projectId",),
    "SCHEDULED_ASSIGNMENT": ("userId", "projectId", "period"),
}
#: Keys of a feed item that describe the change rather than the entity.
ITEM_KEYS = frozenset(
    {"document", "documentType", "documentCode", "auditMetadata", "deletedAt", "deletionBinId"}
)


def item_type(item: dict[str, t.Any], asked: t.Sequence[str]) -> str | None:
    """Which of the ``asked`` types an item is: its ``documentType`` or ``documentCode``.

    Spellings vary (``TIME_ENTRY``, ``TimeEntry``, ``PROJECT``…), so both are compared
    without case, separators or a plural ``S``. With one type asked, that is the answer.
    """
    if len(asked) == 1:
        return asked[0]
    code = item.get("documentType") or item.get("documentCode")
    if not isinstance(code, str):
        return None
    wanted = _type_key(code)
    return next((name for name in asked if _type_key(name) == wanted), None)


def _type_key(name: str) -> str:
    letters = "".join(char for char in name.upper() if char.isalpha())
    return letters.removesuffix("S").removeprefix("SCHEDULED")


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
        """Keep every item, even a malformed one: :func:`read_changes` reports it.

        Bodies come as ``{"response": [...]}`` (the spec) or as a bare array (reported by
        other clients, reference §10).
        """
        items = payload.get("response") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            return None
        return [item if isinstance(item, dict) else {"_unreadable": item} for item in items]


#: Changes by entity type, then by entity id.
Changes = dict[str, dict[str, Change]]


class UntypedItemError(Exception):
    """A feed item of a several-type read did not say which type it is."""


def read_changes(
    stream: ClockifyStream,
    workspace_id: str,
    types: t.Sequence[str],
    since: datetime,
    until: datetime,
    *,
    boundaries: Iterable[datetime] = (),
    kinds: t.Sequence[str] = KINDS,
    document_types: t.Collection[str] | None = None,
) -> Changes:
    """Return every entity of ``types`` changed in ``[since, until]``, by type and id.

    Created and updated items are asked for ``document_types`` only (all ``types`` when
    None); deletions for every type, in windows cut at ``boundaries`` (see the module
    docstring). A deletion wins over any other change of the same entity; otherwise the
    document read last (the newest state) wins. An item naming no entity is skipped with
    a warning. Should an item of a several-type read not say its type, each type is read
    on its own instead.
    """
    try:
        return _read_changes(
            stream, workspace_id, types, since, until, boundaries, kinds, document_types
        )
    except UntypedItemError:
        stream.logger.warning(
            "The change feed of workspace %s sent items without their type; reading each "
            "type on its own",
            workspace_id,
        )
    changes: Changes = {}
    for name in types:
        changes.update(
            _read_changes(
                stream, workspace_id, [name], since, until, boundaries, kinds, document_types
            )
        )
    return changes


def _read_changes(
    stream: ClockifyStream,
    workspace_id: str,
    types: t.Sequence[str],
    since: datetime,
    until: datetime,
    boundaries: Iterable[datetime],
    kinds: t.Sequence[str],
    document_types: t.Collection[str] | None,
) -> Changes:
    requests = stream.helper(ChangeFeedRequests)
    changes: Changes = {name: {} for name in types}
    # Query times have whole seconds: round the end up, or a change made in the last
    # fraction of a second before the read would fall outside the window.
    until = until.replace(microsecond=0) + timedelta(seconds=1)
    for kind in kinds:
        asked = [
            name
            for name in types
            if kind == "deleted" or document_types is None or name in document_types
        ]
        if not asked:
            continue
        spans = deletion_windows(since, until, boundaries) if kind == "deleted" else None
        for start, end in spans or feed_windows(since, until):
            context = {
                "workspaceId": workspace_id,
                "kind": kind,
                "types": asked,
                "start": query_time(start),
                "end": query_time(end),
            }
            for item in requests.request_records(context):
                name = item_type(item, asked)
                required = () if kind == "deleted" else DOCUMENT_FIELDS.get(name or "", ())
                entity_id, document = entity_of(item, required)
                if entity_id is not None and name is None:
                    raise UntypedItemError
                if entity_id is None or name is None:
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
                previous = changes[name].get(entity_id)
                if previous is None or previous.deleted_at is None:
                    changes[name][entity_id] = Change(entity_id, document, deleted_at)
    return changes


class FeedUnavailableError(Exception):
    """The change feed is switched off, or Clockify refused it for the workspace."""


@dataclass(frozen=True)
class SharedRead:
    """The one feed read of a workspace in this run (see the module docstring)."""

    #: The moment the read asked up to: the feed's changes until then are in ``changes``.
    at: datetime
    changes: Changes


def shared_changes(stream: FeedConsumer, workspace_id: str, read: FeedRead) -> Changes:
    """Return the changes of each of ``stream.feed_types`` since ``read.since``, by type.

    The first call in a workspace reads the feed for every selected stream that follows
    it (:func:`_read_for_all`); later calls of the run share that read, so a stream may
    get changes from before its own ``since`` (the same objects, in their newest state).
    Raises :class:`FeedUnavailableError`, saying why, when ``use_change_feed`` is off or
    the feed answers 400, 403 or 404 (plan, permission, age).
    """
    reads = stream.run.feed_reads
    if workspace_id not in reads:
        reads[workspace_id] = _read_for_all(stream, workspace_id, read)
    shared = reads[workspace_id]
    if isinstance(shared, FeedUnavailableError):
        raise shared
    read.consume(shared.at)
    return {name: shared.changes.get(name, {}) for name in stream.feed_types}


def _read_for_all(
    stream: FeedConsumer, workspace_id: str, read: FeedRead
) -> SharedRead | FeedUnavailableError:
    """Read the feed once for every selected stream of the tap that follows it."""
    if not stream.config.get("use_change_feed"):
        return FeedUnavailableError("use_change_feed is off")
    lookback = timedelta(days=stream.config.get("lookback_days", 0))
    needs: list[tuple[FeedConsumer, datetime, list[datetime]]] = []
    consumers = stream.feed_consumers()
    for consumer in consumers if stream in consumers else [stream, *consumers]:
        if consumer is stream:
            since, marks = read.since, read.boundaries
        else:
            bookmark = FeedBookmark(consumer.get_context_state({"workspaceId": workspace_id}))
            since, marks = bookmark.since(lookback), bookmark.boundaries
        if since is not None:
            needs.append((consumer, since, marks))
    assert needs, "only a read that follows an earlier one asks for changes"
    types = sorted({name for consumer, _, _ in needs for name in consumer.feed_types})
    documents = {
        name for consumer, _, _ in needs if consumer.feed_documents for name in consumer.feed_types
    }
    at = datetime.now(timezone.utc)
    try:
        changes = read_changes(
            stream,
            workspace_id,
            types,
            min(since for _, since, _ in needs),
            at,
            boundaries=[mark for _, _, marks in needs for mark in marks],
            document_types=documents,
        )
    except ClockifyError as error:
        if error.status not in FEED_UNAVAILABLE:
            raise
        msg = f"the change feed is unavailable for workspace {workspace_id}: {error}"
        return FeedUnavailableError(msg)
    return SharedRead(at, changes)


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

    def since(self, lookback: timedelta) -> datetime | None:
        """Where changes worth reading begin; None when no earlier read emitted anything."""
        if self.last_read is not None:
            return self.last_read - max(lookback, SAFETY_OVERLAP)
        marks = self.boundaries  # only interrupted reads (if any) emitted records before
        return min(marks) - SAFETY_OVERLAP if marks else None

    def begin(self, lookback: timedelta) -> FeedRead:
        """Record that a read begins now; the caller writes the state out before any record."""
        started = datetime.now(timezone.utc)
        read = FeedRead(self, started, self.since(lookback), self.boundaries)
        self.state["boundaries"] = [*self.state.get("boundaries", ()), query_time(started)]
        return read


@dataclass
class FeedRead:
    """One read of a partition: when it began, and what earlier reads leave to check."""

    bookmark: FeedBookmark
    started: datetime
    #: Where changes worth reading begin; None when no earlier read emitted anything.
    since: datetime | None
    #: Where earlier reads began and finished: the cuts of the deletion windows.
    boundaries: list[datetime]
    #: When the shared feed read this one used asked up to, if it used one.
    feed_read_at: datetime | None = None
    #: When an earlier run of the cycle began the parts of this read it finished, if
    #: this read left them out (see quota.py): changes since then are still to come.
    resumed_from: datetime | None = None

    def resume(self) -> None:
        """Note that parts an earlier, cut-short read finished are left out."""
        self.resumed_from = min(self.boundaries, default=None)

    def consume(self, moment: datetime) -> None:
        """Note that this read took the feed's changes up to ``moment``."""
        self.feed_read_at = moment

    def complete(self) -> None:
        """Record the read as complete: the next one starts from it.

        When the feed was read before this read began (for an earlier stream), changes
        between the two moments are still to come: the next read starts at the feed's
        moment, which is also a cut.
        """
        finished = datetime.now(timezone.utc)
        marks = [self.started, finished]
        if self.feed_read_at is not None and self.feed_read_at < self.started:
            marks.insert(0, self.feed_read_at)
        if self.resumed_from is not None:
            marks = sorted({self.resumed_from, *marks})
        self.bookmark.state["changes_since"] = query_time(marks[0])
        self.bookmark.state["boundaries"] = [query_time(mark) for mark in marks]


class FeedConsumer(ClockifyStream):
    """What :func:`shared_changes` needs of a stream that follows the feed."""

    #: The feed's entity types the stream follows (reference §5): its own first, whose
    #: deletions it reports, then any whose changes tell it what to re-read.
    feed_types: t.ClassVar[tuple[str, ...]] = ()
    #: Whether it needs what was created and updated, or deletions only.
    feed_documents: t.ClassVar[bool] = False

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never for a stream that later reads only what the feed names.

        Its later runs leave out what did not change, so a target must not take absence
        for deletion; its deletions come from the feed, as ``_sdc_deleted_at``.
        """
        return not self.feed_documents and super().emit_activate_version_messages

    def feed_consumers(self) -> list[FeedConsumer]:
        """Return the tap's selected streams that follow the feed, this one included."""
        return [
            stream
            for stream in self.tap_streams()
            if isinstance(stream, FeedConsumer) and stream.feed_types and stream.selected
        ]
