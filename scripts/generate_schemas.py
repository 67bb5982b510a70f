"""Generate the tap's Singer JSON schemas from Clockify's OpenAPI document.

Why: Clockify publishes an OpenAPI 3.0 file, but Singer targets need plain JSON Schema in which
every field is nullable, and the file is wrong in places (clockify-api.md §9). Converting it here,
with the corrections written down once, keeps `tap_clockify/schemas/*.json` reproducible:
fix this script and regenerate, never edit the output by hand.

Run from anywhere (paths are relative to the repository root):

    python scripts/generate_schemas.py [--spec spec/clockify-openapi.json]

spec/clockify-openapi.json is the copy of Clockify's OpenAPI description the schemas are
made from; replace it when Clockify publishes a new one, then regenerate.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT / "spec" / "clockify-openapi.json"
SCHEMA_DIR = REPO_ROOT / "tap_clockify" / "schemas"


@dataclass(frozen=True)
class Stream:
    """Where a stream's records are described in the spec, and what the tap changes about them."""

    component: str
    # Property names leading from the component down to the record, for responses that wrap
    # their records (e.g. ("expenses", "expenses") for `expenses.expenses[]`). Empty: the
    # component is the record.
    records_at: tuple[str, ...] = ()
    # Top-level properties the tap injects or the spec omits; added unless the spec has them.
    extra_properties: Schema = field(default_factory=dict)
    # Top-level properties that must never be emitted (secrets).
    drop: tuple[str, ...] = ()
    # Other components the spec uses for the same object (e.g. ProjectDtoImplV1 beside
    # ProjectDtoV1): their fields are added where the component lacks them, at any depth,
    # since real responses carry them (clockify-api.md §6) and a field the schema lacks is
    # dropped. "Component.property" takes that one property only.
    variants: tuple[str, ...] = ()


WORKSPACE_ID: Schema = {
    "workspaceId": {
        "type": ["string", "null"],
        "description": "Workspace the record was read from (injected by the tap).",
    },
}

# Set on records the change feed reports deleted: the Singer soft-delete convention.
DELETED_AT: Schema = {
    "_sdc_deleted_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "When Clockify deleted the record; null while it exists.",
    },
}

NUMBER: Schema = {"type": ["number", "null"]}
STRING: Schema = {"type": ["string", "null"]}
# Rate, amount and entry fields that detailed-report entries carry beyond the spec's
# TimeEntryDto (reference §7: "plus rate/amount/custom-field data"). Amounts stay numbers.
REPORT_AMOUNTS: Schema = {
    "type": {"type": ["string", "null"], "description": "REGULAR, BREAK, HOLIDAY or TIME_OFF."},
    "isLocked": {"type": ["boolean", "null"], "description": "Whether the entry is locked."},
    "kioskId": {"type": ["string", "null"], "description": "Kiosk the entry came from."},
    "currency": {"type": ["string", "null"], "description": "Currency of the amounts."},
    "rate": {**NUMBER, "description": "Billable hourly rate, in minor units."},
    "earnedRate": {**NUMBER, "description": "Earned hourly rate, in minor units."},
    "costRate": {**NUMBER, "description": "Cost hourly rate, in minor units."},
    "amount": {**NUMBER, "description": "Billable amount, in minor units."},
    "costAmount": {**NUMBER, "description": "Cost amount, in minor units."},
    "amounts": {
        "type": ["array", "null"],
        "description": "Amounts by type (EARNED, COST, PROFIT).",
        "items": {
            "type": ["object", "null"],
            "properties": {"type": {"type": ["string", "null"]}, "value": NUMBER},
        },
    },
    "customFields": {
        "type": ["array", "null"],
        "description": "Custom field values of the entry.",
        "items": {
            "type": ["object", "null"],
            "properties": {
                **{key: STRING for key in ("customFieldId", "name", "timeEntryId", "type")},
                "value": {"type": ["string", "number", "boolean", "object", "array", "null"]},
            },
        },
    },
}

# The spec's other time-entry components. TimeEntryInfoDto (an entry as an approval
# request lists it) has the entry's approvalRequestId, and its TimeIntervalDto the
# timeZone, zonedStart/End and offsetStart/End that real entries carry (reference §10);
# its project, task and tags objects come only with hydrated=true, which the tap never asks.
TIME_ENTRY_VARIANTS = (
    "TimeEntryDtoImplV1",
    "TimeEntryDtoV1",
    "TimeEntryInfoDto.approvalRequestId",
    "TimeEntryInfoDto.timeInterval",
)

STREAMS: dict[str, Stream] = {
    "workspaces": Stream("WorkspaceDtoV1"),
    # Not UserDto: it flattens the settings this one nests (timeZone, weekStart, ...).
    "users": Stream("UserDtoV1", extra_properties=WORKSPACE_ID),
    "user_groups": Stream("UserGroupDtoV1", extra_properties=WORKSPACE_ID),
    "clients": Stream(
        "ClientWithCurrencyDtoV1",
        extra_properties={**WORKSPACE_ID, **DELETED_AT},
        variants=("ClientDtoV1",),
    ),
    "projects": Stream(
        "ProjectDtoV1",
        extra_properties={**WORKSPACE_ID, **DELETED_AT},
        # clientId, clientName (§9) and estimateReset (§6) are in real lists, and only here.
        variants=("ProjectDtoImplV1",),
    ),
    "tasks": Stream("TaskDtoV1", extra_properties={**WORKSPACE_ID, **DELETED_AT}),
    "tags": Stream(
        "TagDtoV1", extra_properties={**WORKSPACE_ID, **DELETED_AT}, variants=("TagDto",)
    ),
    "custom_fields": Stream("CustomFieldDtoV1", extra_properties=WORKSPACE_ID),
    "time_entries": Stream(
        "TimeEntryWithRatesDtoV1",
        extra_properties={
            "start": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Copy of timeInterval.start: the tap's replication key.",
            },
            **WORKSPACE_ID,
            **DELETED_AT,
        },
        variants=TIME_ENTRY_VARIANTS,
    ),
    "in_progress_time_entries": Stream(
        "TimeEntryWithRatesDtoV1",
        extra_properties=WORKSPACE_ID,
        variants=TIME_ENTRY_VARIANTS,
    ),
    "detailed_report": Stream(
        "TimeEntryDto",
        extra_properties={
            "id": {"type": ["string", "null"], "description": "The entry's id (sent as _id)."},
            "start": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Copy of timeInterval.start: the tap's replication key.",
            },
            # In real reports though missing from this component (reference §7).
            **REPORT_AMOUNTS,
            **WORKSPACE_ID,
            # Entries the change feed reports deleted are flagged here too (reference §8).
            **DELETED_AT,
        },
        # The spec's name for the id; responses say _id. The tap emits it as id.
        drop=("get_id",),
    ),
    "expenses": Stream(
        "ExpensesAndTotalsDtoV1", records_at=("expenses", "expenses"), extra_properties=WORKSPACE_ID
    ),
    "expense_categories": Stream(
        "ExpenseCategoriesWithCountDtoV1", records_at=("categories",), extra_properties=WORKSPACE_ID
    ),
    "invoices": Stream(
        "InvoicesListDtoV1", records_at=("invoices",), extra_properties=WORKSPACE_ID
    ),
    "invoice_payments": Stream(
        "InvoicePaymentDtoV1",
        extra_properties={
            "invoiceId": {
                "type": ["string", "null"],
                "description": "Invoice the payment belongs to (injected by the tap).",
            },
            **WORKSPACE_ID,
        },
    ),
    "holidays": Stream("HolidayDtoV1", extra_properties=WORKSPACE_ID, variants=("HolidayDto",)),
    "time_off_policies": Stream("PolicyDtoV1", extra_properties=WORKSPACE_ID),
    "time_off_requests": Stream(
        "TimeOffRequestsWithCountV1Dto", records_at=("requests",), extra_properties=WORKSPACE_ID
    ),
    "time_off_balances": Stream(
        "BalancesWithCountDtoV1", records_at=("balances",), extra_properties=WORKSPACE_ID
    ),
    "approval_requests": Stream(
        "ApprovalDetailsDtoV1",
        extra_properties={
            "id": {
                "type": ["string", "null"],
                "description": "Copy of approvalRequest.id: the record's key (lifted by the tap).",
            },
            **WORKSPACE_ID,
        },
    ),
    "scheduling_assignments": Stream(
        "AssignmentHydratedDtoV1",
        extra_properties={**WORKSPACE_ID, **DELETED_AT},
        variants=("AssignmentDtoV1",),
    ),
    "webhooks": Stream(
        "WebhooksDtoV1",
        records_at=("webhooks",),
        extra_properties=WORKSPACE_ID,
        drop=("authToken",),  # the secret Clockify signs deliveries with
    ),
    "shared_reports": Stream(
        "SharedReportsAndCountDtoV1", records_at=("reports",), extra_properties=WORKSPACE_ID
    ),
    "member_profiles": Stream(
        "MemberProfileDtoV1",
        extra_properties={
            "userId": {
                "type": ["string", "null"],
                "description": "Member the profile belongs to (injected by the tap).",
            },
            **WORKSPACE_ID,
        },
    ),
}

# Where the spec disagrees with real responses. Keys are "Component" (replaces the component
# wherever it is referenced) or "Component.property"; values are finished Singer schemas.
SPEC_FIXES: dict[str, Schema] = {
    # Declared as an object of plan attributes; responses carry just the plan name, e.g.
    # "FREE" or "BUNDLE_YEAR_2024" (the spec's own example is the string "STANDARD_2021").
    "FeaturePlan": {
        "type": ["string", "null"],
        "description": "Subscription plan of the workspace, e.g. FREE or PRO_YEAR.",
    },
    # Example "8000" suggests seconds; the main API returns ISO-8601 durations (§9).
    "TimeIntervalDtoV1.duration": {
        "type": ["string", "null"],
        "description": "ISO-8601 duration such as PT1H30M; null while the timer runs.",
    },
    # A list of days in responses (the spec's own example is one), declared as a single day.
    "MemberProfileDtoV1.workingDays": {
        "type": ["array", "null"],
        "items": {"type": ["string", "null"]},
        "description": "Days of the week the member works, e.g. MONDAY.",
    },
    # Documented as milliseconds (example "60000"); kept as the raw string returned (§9).
    "ProjectDtoV1.duration": {
        "type": ["string", "null"],
        "description": "Total tracked time, as the raw string returned (ISO-8601 in practice).",
    },
    # Items declared as {id, name} objects (EntityName), while the field's own description
    # and example ("[userId1, userId2, userId3]") and the shared-report DTOs of the create
    # and update endpoints (SharedReportV1) hold user ids: either is accepted.
    "SharedReportDtoV1.visibleToUsers": {
        "type": ["array", "null"],
        "description": "Users the shared report is visible to: their ids, or {id, name} objects.",
        "items": {
            "type": ["string", "object", "null"],
            "properties": {"id": STRING, "name": STRING},
        },
    },
}

SCALAR_TYPES = ("string", "integer", "number", "boolean")
# "Any JSON value". Not `{}`: singer-sdk 0.54 raises EmptySchemaTypeError when a list value
# (e.g. a DROPDOWN_MULTIPLE custom field value) meets a schema without a type.
ANY_VALUE_TYPES = ["string", "number", "boolean", "object", "array", "null"]

# Timestamps are recognised by their example, else by the pattern their description names,
# else by the spec's own `format` (which is missing on many of them).
DATETIME_EXAMPLE = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$")
DATE_EXAMPLE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_IN_DESCRIPTION = re.compile(r"yyyy-MM-ddT", re.IGNORECASE)
DATE_IN_DESCRIPTION = re.compile(r"yyyy-MM-dd", re.IGNORECASE)
FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s")


class SchemaConverter:
    """Turns OpenAPI component schemas into permissive, nullable Singer schemas."""

    def __init__(self, components: Schema) -> None:
        self.components = components
        self.applied_fixes: set[str] = set()

    def component(self, name: str, *, seen: tuple[str, ...] = ()) -> Schema:
        if name in SPEC_FIXES:
            self.applied_fixes.add(name)
            return copy.deepcopy(SPEC_FIXES[name])
        if name in seen:  # A cycle: stop expanding and accept anything object-shaped.
            return {"type": ["object", "null"]}
        schema = self.convert(self.components[name], owner=name, seen=(*seen, name))
        # Every field using a component would inherit its one description, which misleads
        # (RateDtoV1 calls each `hourlyRate` a "cost rate"): keep property descriptions only.
        schema.pop("description", None)
        return schema

    def convert(self, node: Schema, *, owner: str = "", seen: tuple[str, ...] = ()) -> Schema:
        """Convert one schema node; `owner` names the component whose body `node` is."""
        if "$ref" in node:
            return self.component(node["$ref"].rsplit("/", 1)[-1], seen=seen)
        schema = self._shape(node, owner, seen)
        description = first_sentence(node.get("description", ""))
        if description:
            schema["description"] = description
        return schema

    def _shape(self, node: Schema, owner: str, seen: tuple[str, ...]) -> Schema:
        if "allOf" in node:
            parts = [self.convert(part, seen=seen) for part in node["allOf"]]
            if len(parts) == 1:
                return parts[0]
            merged = {
                name: prop for part in parts for name, prop in part.get("properties", {}).items()
            }
            return {"type": ["object", "null"], "properties": merged}
        alternatives = node.get("oneOf") or node.get("anyOf")
        if alternatives:
            # Java enums appear as `type: object` + `oneOf: [string enum]` + fake properties;
            # enum sets (e.g. workspace `features`) look the same but have a list as example.
            scalar = common_scalar_type([self.convert(alt, seen=seen) for alt in alternatives])
            if scalar is None:
                return {"type": list(ANY_VALUE_TYPES)}  # Mixed alternatives.
            if isinstance(node.get("example"), list):
                return {"type": ["array", "null"], "items": {"type": [scalar, "null"]}}
            return {"type": [scalar, "null"]}
        spec_type = node.get("type")
        if spec_type == "array":
            items = self.convert(node.get("items", {}), seen=seen)  # No items: any values.
            items.pop("description", None)  # The spec repeats the array's description here.
            return {"type": ["array", "null"], "items": items}
        if spec_type == "object" or "properties" in node:
            if not node.get("properties"):
                # Maps are any object. Java `Object` fields (custom field values) are declared
                # as bare objects too, but their examples are scalars: they hold any value.
                example = node.get("example")
                holds_any_value = example is not None and not isinstance(example, dict)
                return {"type": list(ANY_VALUE_TYPES) if holds_any_value else ["object", "null"]}
            properties: Schema = {}
            for name, prop in node["properties"].items():
                if prop.get("writeOnly"):
                    continue  # Only ever sent to Clockify, never returned.
                fix_key = f"{owner}.{name}"
                if fix_key in SPEC_FIXES:
                    self.applied_fixes.add(fix_key)
                    properties[name] = copy.deepcopy(SPEC_FIXES[fix_key])
                else:
                    properties[name] = self.convert(prop, seen=seen)
            return {"type": ["object", "null"], "properties": properties}
        if spec_type in SCALAR_TYPES:
            schema: Schema = {"type": [spec_type, "null"]}
            if spec_type == "string" and (string_format := timestamp_format(node)):
                schema["format"] = string_format
            return schema
        return {"type": list(ANY_VALUE_TYPES)}  # No usable type in the spec.


def common_scalar_type(schemas: list[Schema]) -> str | None:
    """The one scalar type all `schemas` share (integer widens to number), else None."""
    types: set[str] = set()
    for schema in schemas:
        non_null = [t for t in schema.get("type", []) if t != "null"]
        if len(non_null) != 1 or non_null[0] not in SCALAR_TYPES:
            return None
        types.add(non_null[0])
    if types == {"integer", "number"}:
        return "number"
    return types.pop() if len(types) == 1 else None


def timestamp_format(node: Schema) -> str | None:
    example = node.get("example")
    if isinstance(example, str):
        if DATETIME_EXAMPLE.match(example):
            return "date-time"
        if DATE_EXAMPLE.match(example):
            return "date"
    description = node.get("description", "")
    if DATETIME_IN_DESCRIPTION.search(description):
        return "date-time"
    if DATE_IN_DESCRIPTION.search(description):
        return "date"
    spec_format = node.get("format")
    return spec_format if spec_format in ("date-time", "date") else None


def first_sentence(text: str) -> str:
    return FIRST_SENTENCE.split(" ".join(text.split()), maxsplit=1)[0]


def stream_schema(converter: SchemaConverter, stream_name: str, stream: Stream) -> Schema:
    record = converter.component(stream.component)
    for key in stream.records_at:
        record = record["properties"][key]
        if "array" in record["type"]:
            record = record["items"]
    properties: Schema = record["properties"]
    for variant in stream.variants:
        component, _, only = variant.partition(".")
        fields = converter.component(component)["properties"]
        if only and only not in fields:
            raise SystemExit(f"{stream_name}: variant {variant!r} names no field of the spec")
        add_missing(properties, {only: fields[only]} if only else fields)
    for name, extra in stream.extra_properties.items():
        properties.setdefault(name, copy.deepcopy(extra))
    for name in stream.drop:
        if properties.pop(name, None) is None:
            raise SystemExit(f"{stream_name}: cannot drop {name!r}, the spec has no such field")
    return {"type": "object", "properties": properties}


def add_missing(properties: Schema, variant: Schema) -> None:
    """Add the ``variant``'s properties that ``properties`` lacks, at every depth."""
    for name, prop in variant.items():
        mine = properties.get(name)
        if mine is None:
            properties[name] = copy.deepcopy(prop)
        elif "properties" in mine and "properties" in prop:
            add_missing(mine["properties"], prop["properties"])
        elif "properties" in mine.get("items", {}) and "properties" in prop.get("items", {}):
            add_missing(mine["items"]["properties"], prop["items"]["properties"])


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate tap_clockify/schemas/*.json.")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="Clockify OpenAPI file")
    parser.add_argument("--out", type=Path, default=SCHEMA_DIR, help="Directory to write to")
    args = parser.parse_args()

    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    converter = SchemaConverter(spec["components"]["schemas"])
    schemas = {name: stream_schema(converter, name, stream) for name, stream in STREAMS.items()}
    # A fix that matched nothing means the spec renamed something: look again, don't ship.
    if unused := sorted(SPEC_FIXES.keys() - converter.applied_fixes):
        raise SystemExit(f"SPEC_FIXES entries matched nothing in the spec: {unused}")

    args.out.mkdir(parents=True, exist_ok=True)
    for stream_name, schema in schemas.items():
        path = args.out / f"{stream_name}.json"
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
