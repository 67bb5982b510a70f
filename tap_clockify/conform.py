"""Per-record work proportional to what can be wrong with a record.

Before a record is written, the SDK removes deselected properties (walking every nested
object) and conforms every top-level value to its schema. For this tap's records, decoded
from JSON and described by schemas generated from the same spec, almost all of that is
identity. :class:`RecordShaper` does only what can change a record: it drops top-level
fields the schema lacks (one warning per stream and field), turns non-finite numbers (in
fields that may hold numbers) into null and numbers in boolean-only fields into booleans,
as the SDK's conformance would for a record that matches its schema, and leaves selection
to the SDK whenever anything at all is deselected.
tests/test_conform.py checks that the result equals the SDK's on real records.
"""

from __future__ import annotations

import decimal
import math
import typing as t

if t.TYPE_CHECKING:
    import logging

    from singer_sdk.singerlib.catalog import SelectionMask


def _boolean_only(property_schema: dict[str, t.Any]) -> bool:
    """Whether a property may hold only booleans (and null), as the SDK decides it."""
    kind = property_schema.get("type")
    return kind in ("boolean", ["boolean"]) or (
        isinstance(kind, list) and set(kind) == {"boolean", "null"}
    )


def _numeric(property_schema: dict[str, t.Any]) -> bool:
    """Whether a property may hold a number."""
    kind = property_schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    return bool(kinds & {"number", "integer"}) or kind is None


class RecordShaper:
    """Shapes the records of one stream; built once per stream and schema."""

    def __init__(
        self,
        stream_name: str,
        schema: dict[str, t.Any],
        mask: SelectionMask,
        logger: logging.Logger,
    ) -> None:
        properties: dict[str, t.Any] = schema.get("properties", {})
        self.stream_name = stream_name
        self.logger = logger
        self.declared = frozenset(properties)
        self.keeps_undeclared = bool(schema.get("additionalProperties"))
        self.booleans = tuple(name for name, prop in properties.items() if _boolean_only(prop))
        # A schema-valid record holds numbers only where its schema allows them.
        self.numbers = tuple(name for name, prop in properties.items() if _numeric(prop))
        #: Selection needs no work when nothing is deselected, at any depth.
        self.all_selected = all(mask.values())
        self._warned: set[str] = set()

    def shape(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Return the record as the SDK would write it (selection aside, see ``all_selected``)."""
        if not self.keeps_undeclared and not self.declared.issuperset(record):
            undeclared = [name for name in record if name not in self.declared]
            self._warn(undeclared)
            record = {name: value for name, value in record.items() if name in self.declared}
        fixes: dict[str, t.Any] = {}
        for name in self.numbers:
            value = record.get(name)
            if isinstance(value, (float, decimal.Decimal)) and not math.isfinite(value):
                fixes[name] = None
        for name in self.booleans:
            value = record.get(name)
            # The SDK returns floats as they are before it looks at the schema.
            if value is not None and not isinstance(value, (bool, float, decimal.Decimal)):
                fixes[name] = value != 0
        # Copied only when something changes: nothing else holds on to the record.
        return {**record, **fixes} if fixes else record

    def _warn(self, undeclared: list[str]) -> None:
        """Warn once per stream and field that a field the schema lacks was dropped."""
        new = [name for name in undeclared if name not in self._warned]
        if new:
            self._warned.update(new)
            self.logger.warning(
                "Properties %s were present in the '%s' stream but not found in catalog "
                "schema. Ignoring.",
                tuple(new),
                self.stream_name,
            )
