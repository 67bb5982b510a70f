"""The replication-key bookmark, advanced per record as the SDK does, without its lookups.

For every record the SDK finds the partition's state (rebuilding the partition context and
scanning the state's list of partitions), converts the old and new values and compares
them. The records of one partition share one state dict, so :class:`ProgressMarker` finds
it once per partition and compares two strings. Whatever it cannot treat exactly as the
SDK would (no marker yet, a value that is not a string) goes the SDK's own way.
tests/test_bookmarks.py requires the states of both ways to be equal.
"""

from __future__ import annotations

import typing as t

from singer_sdk.helpers._state import PROGRESS_MARKERS

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk.helpers.types import Context


class ProgressMarker:
    """The progress marker of the partition being read, kept at hand between records.

    Only for unsorted streams, whose records advance ``progress_markers`` to the greatest
    replication-key value seen, as the SDK's ``increment_state`` does for them.
    """

    def __init__(
        self, replication_key: str, context_state: Callable[[Context | None], dict[str, t.Any]]
    ) -> None:
        self.replication_key = replication_key
        self._context_state = context_state
        self._context: Context | None = None
        self._state: dict[str, t.Any] = {}

    def advance(self, record: dict[str, t.Any], context: Context | None) -> bool:
        """Advance the marker to the record's value if greater; False if the SDK must do it."""
        value = record.get(self.replication_key)
        if not isinstance(value, str):
            return False
        if context is not self._context:
            self._context = context
            self._state = self._context_state(context)
        markers = self._state.get(PROGRESS_MARKERS)
        # The SDK creates the marker (and warns) on the partition's first record, and
        # drops it when it finalizes the partition: both are left to it.
        if markers is None:
            return False
        current = markers.get("replication_key_value")
        if current is not None and not isinstance(current, str):
            return False
        if current is None or value >= current:
            markers["replication_key"] = self.replication_key
            markers["replication_key_value"] = value
        return True
