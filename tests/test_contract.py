"""Contract tests: every example Clockify's OpenAPI gives for a response the tap reads.

For each endpoint the tap reads (each stream's path and method, the by-id read of a time
entry, and the change feed), every example that spec/clockify-openapi.json holds for its
200 response is collected: the media type's ``example`` and ``examples``, and a response
built from the ``example`` values of its schema's properties (following ``$ref``, arrays
and nested objects). Each goes through the stream's own record extraction
(``parse_response``: ``extract_records``/``records_jsonpath``) and ``post_process``, and
every record must

(a) validate against the stream's schema, formats included, and
(b) keep every field: each top-level key is a property of the schema (the SDK drops an
    undeclared one, with a warning).

Everything is read from the spec at collection time, so a refreshed spec is re-checked in
full. An example that contradicts a schema is either right, and the generator
(scripts/generate_schemas.py) is corrected, or wrong, and listed in
``KNOWN_CONTRADICTIONS`` with the reason.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import json
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

from tap_clockify.change_feed import ChangeFeedRequests, entity_of, item_type
from tap_clockify.streams import STREAM_TYPES
from tap_clockify.streams.time_entries import TimeEntryRequests
from tap_clockify.streams.workspaces import WorkspacesStream
from tap_clockify.tap import TapClockify

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_clockify.client import ClockifyStream

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "clockify-openapi.json"
SPEC: dict[str, t.Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
WORKSPACE_ID = "64a687e29ae1f428e7ebe303"

#: Examples that contradict a schema because the example is wrong, by stream and top-level
#: field, with why (reference §9 and §10 list the spec's known gaps). Errors at or below
#: such a field are tolerated for that stream; test_known_contradictions_still_hold fails
#: once an entry is no longer needed, so the table cannot outlive its reason.
KNOWN_CONTRADICTIONS: dict[tuple[str, str], str] = {
    ("expenses", "date"): (
        "ExpenseHydratedDtoV1's example is an id ('89b687e29ae1f428e7ebe912'); its own "
        "description says yyyy-MM-dd, as every other expense DTO's example ('2020-01-01')"
    ),
    ("member_profiles", "workingDays"): (
        "declared as one day (a string) whose example is a list written as JSON text; "
        "responses send a list of days (SPEC_FIXES in the generator)"
    ),
}


# --------------------------------------------------------------------------- examples


class _Missing:
    """No example value anywhere below a schema node."""


MISSING = _Missing()


def component(ref: str) -> tuple[str, dict[str, t.Any]]:
    """The name and body of a ``#/components/...`` reference."""
    *_, section, name = ref.split("/")
    return name, SPEC["components"][section][name]


def example_of(node: dict[str, t.Any], seen: tuple[str, ...] = ()) -> t.Any:
    """A value built from the ``example`` values of a schema node, or MISSING.

    A node's own example wins over its parts. An array's example that is not a list is
    one item's (springdoc writes an item's example on the list), or a list written as
    JSON text; an item's example that is a list is the whole list's (e.g. the spec's
    UserRedactedDtoV1). Properties without an example are left out, as are write-only
    ones (never returned). A component met again below itself is not expanded.
    """
    if "$ref" in node:
        name, body = component(node["$ref"])
        return MISSING if name in seen else example_of(body, (*seen, name))
    is_array = node.get("type") == "array" or "items" in node
    if "example" in node:
        value = node["example"]
        if is_array and not isinstance(value, list):
            return _list_in_text(value)
        return copy.deepcopy(value)
    if "allOf" in node:
        parts = [example_of(part, seen) for part in node["allOf"]]
        merged = {k: v for part in parts if isinstance(part, dict) for k, v in part.items()}
        return merged or MISSING
    for alternative in node.get("oneOf", []) + node.get("anyOf", []):
        value = example_of(alternative, seen)
        if value is not MISSING:
            return value
    if is_array:
        items = node.get("items", {})
        value = example_of(items, seen)
        if value is MISSING:
            return MISSING
        item_schema = component(items["$ref"])[1] if "$ref" in items else items
        return value if isinstance(value, list) and item_schema.get("type") != "array" else [value]
    record = {
        name: value
        for name, prop in (node.get("properties") or {}).items()
        if not prop.get("writeOnly") and (value := example_of(prop, seen)) is not MISSING
    }
    return record or MISSING


def _list_in_text(value: t.Any) -> list[t.Any]:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    return [value]


def response_examples(response: dict[str, t.Any]) -> Iterator[tuple[str, t.Any]]:
    """Every example of one response: the media types' own, and one built from the schema."""
    for media_type, media in (response.get("content") or {}).items():
        if "example" in media:
            yield f"{media_type} example", media["example"]
        for name, example in (media.get("examples") or {}).items():
            if "$ref" in example:
                example = component(example["$ref"])[1]
            if "value" in example:
                yield f"{media_type} examples.{name}", example["value"]
        built = example_of(media.get("schema") or {})
        if built is not MISSING:
            yield f"{media_type} property examples", built


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    """An endpoint the tap reads, and the stream whose records its responses become."""

    method: str
    path: str  # as the tap's stream declares it, relative to its host's base URL
    host: str  # "api" or "reports"
    reader: type[ClockifyStream]  # the class whose extraction reads the response
    stream: str  # the tap stream whose post_process, schema and fields the records meet

    def operation(self) -> tuple[str, dict[str, t.Any]] | None:
        """The spec's path and operation for this endpoint (parameter names aside)."""
        wanted = "/v1" + _template(self.path)
        for spec_path, item in SPEC["paths"].items():
            servers = " ".join(server["url"] for server in item.get("servers", []))
            on_host = ("reports" in servers) == (self.host == "reports")
            operation = item.get(self.method.lower())
            if _template(spec_path) == wanted and on_host and operation:
                return spec_path, operation
        return None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _method(stream_class: type[ClockifyStream]) -> str:
    method = getattr(stream_class, "http_method", None)  # the SDK's property unless set
    return method if isinstance(method, str) else "GET"


def endpoints() -> list[Endpoint]:
    """Every endpoint the tap reads records from."""
    found = [
        Endpoint(_method(cls), str(cls.path), cls.host, cls, str(cls.name)) for cls in STREAM_TYPES
    ]
    found.append(
        Endpoint("GET", str(TimeEntryRequests.path), "api", TimeEntryRequests, "time_entries")
    )
    found.extend(
        Endpoint("GET", path, "api", ChangeFeedRequests, "(the item's type)")
        for path in (
            str(ChangeFeedRequests.path).replace("{kind}", kind)
            for kind in ("created", "updated", "deleted")
        )
    )
    return found


ENDPOINTS = endpoints()


@dataclass(frozen=True)
class Example:
    endpoint: Endpoint
    name: str
    body: t.Any

    @property
    def id(self) -> str:
        return f"{self.endpoint.stream}|{self.endpoint.label}|{self.name}"


def examples() -> list[Example]:
    found = []
    for endpoint in ENDPOINTS:
        operation = endpoint.operation()
        response = (operation[1].get("responses") or {}).get("200") if operation else None
        for name, body in response_examples(response or {}):
            found.append(Example(endpoint, name, body))
    return found


EXAMPLES = examples()

# --------------------------------------------------------------------------- records


@pytest.fixture(scope="module")
def tap() -> TapClockify:
    return TapClockify(
        config={"api_key": "contract-test", "api_url": "https://api.example.com/api/v1"},
        parse_env_config=False,
        validate_config=True,
    )


def context_for(stream: ClockifyStream) -> dict[str, t.Any] | None:
    """The partition context the stream's records are post-processed with in a sync."""
    if isinstance(stream, WorkspacesStream):
        return None
    context: dict[str, t.Any] = {"workspaceId": WORKSPACE_ID}
    if stream.parent_stream_type is not WorkspacesStream:  # read per parent record
        for name in re.findall(r"\{(\w+)\}", stream.path or ""):
            context.setdefault(name, f"{name}-of-the-parent")
    return context


def as_response(body: t.Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(body).encode()
    response.url = "https://api.example.com/api/v1/contract"
    return response


def records_of(tap: TapClockify, example: Example) -> list[tuple[str, dict[str, t.Any]]]:
    """The records the example becomes, each with the stream that emits it."""
    endpoint = example.endpoint
    if endpoint.reader is ChangeFeedRequests:
        return feed_records(tap, example)
    stream = t.cast("ClockifyStream", tap.streams[endpoint.stream])
    reader = stream if type(stream) is endpoint.reader else stream.helper(endpoint.reader)
    context = context_for(stream)
    rows = list(reader.parse_response(as_response(example.body)))
    return [(stream.name, stream.post_process(row, context) or row) for row in rows]


def feed_records(tap: TapClockify, example: Example) -> list[tuple[str, dict[str, t.Any]]]:
    """A change-feed example as the streams following its items' types would emit them."""
    streams = [t.cast("ClockifyStream", s) for s in tap.streams.values()]
    emitters = {}  # the stream that emits an entity of each type as one of its records
    for stream in streams:
        types = getattr(stream, "feed_types", ())
        if types and stream.name != "detailed_report":  # it emits reduced deletions only
            emitters.setdefault(types[0], stream)
    reader = streams[0].helper(ChangeFeedRequests)
    records = []
    for item in reader.parse_response(as_response(example.body)):
        kind = item_type(item, list(emitters))
        _, document = entity_of(item)
        if kind is None or document is None:
            pytest.fail(f"{example.id}: a feed item without its type or entity: {item}")
        stream = emitters[kind]
        if item.get("deletedAt") is not None:
            document["_sdc_deleted_at"] = item["deletedAt"]
        context = context_for(stream)
        records.append((stream.name, stream.post_process(document, context) or document))
    return records


# --------------------------------------------------------------------------- checks

#: The SDK's format checks, plus RFC 3339 ``date-time`` as targets read it: jsonschema
#: checks that format only with an optional package, and lets any string through without.
FORMAT_CHECKER = copy.deepcopy(DEFAULT_JSONSCHEMA_VALIDATOR.FORMAT_CHECKER)
RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))$", re.I)


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        match = RFC3339.match(value)
        if not match or int(match[4] or 0) > 23 or int(match[5] or 0) > 59:
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.datetime.strptime(match[1].upper(), "%Y-%m-%dT%H:%M:%S")  # a real moment
    return True


def schema_errors(stream: ClockifyStream, record: dict[str, t.Any]) -> list[tuple[str, str]]:
    """(field path, message) of each way the record breaks the stream's schema."""
    validator = DEFAULT_JSONSCHEMA_VALIDATOR(stream.schema, format_checker=FORMAT_CHECKER)
    return [
        (".".join(map(str, error.absolute_path)) or "(record)", error.message)
        for error in validator.iter_errors(_plain(record))
    ]


def _plain(value: t.Any) -> t.Any:
    """Amounts decode as Decimal (transport.py); JSON Schema numbers are what they stand for."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def tolerated(stream: str, path: str) -> bool:
    return (stream, path.split(".", 1)[0]) in KNOWN_CONTRADICTIONS


# --------------------------------------------------------------------------- tests


def test_every_endpoint_the_tap_reads_is_in_the_spec():
    missing = [endpoint.label for endpoint in ENDPOINTS if endpoint.operation() is None]
    assert not missing, f"endpoints the spec does not describe: {missing}"


def test_every_stream_has_an_example_to_check():
    """A spec without examples for a stream would make its contract pass unchecked."""
    covered = {example.endpoint.stream for example in EXAMPLES}
    assert {cls.name for cls in STREAM_TYPES} <= covered
    assert any(example.endpoint.reader is TimeEntryRequests for example in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_example_validates_against_the_streams_schema(tap, example):
    problems = []
    for name, record in records_of(tap, example):
        stream = t.cast("ClockifyStream", tap.streams[name])
        problems += [
            f"{name}.{path}: {message}"
            for path, message in schema_errors(stream, record)
            if not tolerated(name, path)
        ]
    assert not problems, f"{example.id}:\n" + "\n".join(problems)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_example_keeps_every_field(tap, example):
    records = records_of(tap, example)
    assert records, f"{example.id}: no record extracted"
    dropped = [
        f"{name}.{field}"
        for name, record in records
        for field in record
        if field not in tap.streams[name].schema["properties"]
    ]
    assert not dropped, f"{example.id}: fields the schema lacks (the SDK drops them): {dropped}"


def test_media_type_examples_are_checked_beside_the_one_built_from_properties():
    schema = {"type": "object", "properties": {"id": {"type": "string", "example": "built"}}}
    media = {"schema": schema, "example": {"id": "own"}, "examples": {"b": {"value": {"id": "b"}}}}
    assert list(response_examples({"content": {"application/json": media}})) == [
        ("application/json example", {"id": "own"}),
        ("application/json examples.b", {"id": "b"}),
        ("application/json property examples", {"id": "built"}),
    ]


def test_a_change_feed_example_would_be_checked_as_the_records_it_becomes(tap):
    """The spec has no example for the feed yet; once it has, this is how one is read."""
    entry = example_of({"$ref": "#/components/schemas/TimeEntryWithRatesDtoV1"})
    endpoint = next(e for e in ENDPOINTS if e.path.endswith("/entities/deleted"))
    deleted = "2024-05-01T10:00:00Z"
    item = {"id": "bin-1", "deletedAt": deleted, "documentType": "TIME_ENTRY", "document": entry}
    records = records_of(tap, Example(endpoint, "synthetic", {"response": [item]}))
    assert [name for name, _ in records] == ["time_entries"]
    name, record = records[0]
    assert (record["id"], record["_sdc_deleted_at"]) == (entry["id"], deleted)
    assert not schema_errors(t.cast("ClockifyStream", tap.streams[name]), record)


@pytest.mark.parametrize("known", sorted(KNOWN_CONTRADICTIONS), ids="|".join)
def test_known_contradictions_still_hold(tap, known):
    """An entry of the table that no example needs any more is removed, not kept."""
    stream_name, field = known
    hits = [
        path
        for example in EXAMPLES
        for name, record in records_of(tap, example)
        if name == stream_name
        for path, _ in schema_errors(t.cast("ClockifyStream", tap.streams[name]), record)
        if path.split(".", 1)[0] == field
    ]
    assert hits, f"{stream_name}.{field} no longer contradicts its schema: drop it from the table"


# --------------------------------------------------------------------------- the fake


def undeclared_fields(schema: dict[str, t.Any], value: t.Any, path: str = "") -> set[str]:
    """Fields of ``value``, at any depth, that ``schema`` does not declare."""
    found: set[str] = set()
    if isinstance(value, dict) and "properties" in schema:
        for name, item in value.items():
            declared = schema["properties"].get(name)
            if declared is None:
                found.add(path + name)
            else:
                found |= undeclared_fields(declared, item, f"{path}{name}.")
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            found |= undeclared_fields(schema["items"], item, f"{path}[].")
    return found


@pytest.mark.parametrize("name", [str(cls.name) for cls in STREAM_TYPES])
def test_the_fakes_records_declare_every_field_at_every_depth(tap, fake_clockify, name):
    """The fake stands in for Clockify in every sync test, which only sees top-level fields.

    A nested field a schema lacks passes through the tap, but a target that follows the
    schema loses it (e.g. ``timeInterval.timeZone`` of time entries, reference §10).
    """
    stream = t.cast("ClockifyStream", tap.streams[name])
    found: set[str] = set()
    for workspace_id in fake_clockify.workspace_ids:
        context = context_for(stream)
        if context is not None:
            context["workspaceId"] = workspace_id
        for record in fake_clockify.ground_truth(name, workspace_id):
            row = stream.post_process(copy.deepcopy(record), context) or record
            found |= undeclared_fields(stream.schema, row)
    assert not found, f"{name}: fields its schema lacks: {sorted(found)}"
