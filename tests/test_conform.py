"""The tap writes every record exactly as the SDK's own record path would (conform.py).

ClockifyStream overrides the SDK's private ``_write_record_message`` to skip work that
cannot change this tap's records (``RecordShaper`` instead of the SDK's selection and
conformance walks, and no message object); these tests run both paths on the same
records, down to the line written, so an SDK upgrade that changes what its path produces
fails here.
"""

from __future__ import annotations

import copy
import decimal
import json
import logging
import typing as t

import pytest
from singer_sdk.streams.core import Stream

from tap_clockify.tap import TapClockify
from tests.conftest import run_tap, tap_config

if t.TYPE_CHECKING:
    from tap_clockify.client import ClockifyStream

STREAMS = (
    "users",
    "projects",
    "custom_fields",
    "time_entries",
    "detailed_report",
    "expenses",
    "approval_requests",
    "member_profiles",
)


def both_ways(stream: ClockifyStream, record: dict[str, t.Any]) -> tuple[list, list]:
    """The record as our shaper leaves it, and as the SDK's messages carry it."""
    ours = [stream.shaper.shape(copy.deepcopy(record))]
    sdks = [m.record for m in Stream._generate_record_messages(stream, copy.deepcopy(record))]
    return ours, sdks


def lines_both_ways(stream: ClockifyStream, record: dict[str, t.Any]) -> tuple[list, list]:
    """The RECORD lines our writing path and the SDK's write, time_extracted blanked."""
    writer = stream._tap.message_writer
    writer.flush()
    chunk = writer._chunk
    stream._write_record_message(copy.deepcopy(record))
    ours = bytes(chunk)
    chunk.clear()
    messages = Stream._generate_record_messages(stream, copy.deepcopy(record))
    sdks = b"".join(bytes(writer.format_message(message)) for message in messages)

    def parsed(lines: bytes) -> list[list[tuple[str, t.Any]]]:
        rows = [json.loads(line) for line in lines.splitlines()]
        # Key order included: the line must be the same text, not only the same data.
        return [[(k, "<time>" if k == "time_extracted" else v) for k, v in r.items()] for r in rows]

    return parsed(ours), parsed(sdks)


@pytest.fixture(scope="module")
def tap(fake_clockify) -> TapClockify:
    return TapClockify(config=tap_config(fake_clockify), parse_env_config=False)


@pytest.mark.parametrize("name", STREAMS)
def test_real_records_come_out_as_the_sdk_writes_them(tap, fake_clockify, name):
    stream = tap.streams[name]
    workspace_id = fake_clockify.workspace_ids[0]
    context: dict[str, t.Any] = {"workspaceId": workspace_id}
    if name == "member_profiles":
        context["userId"] = fake_clockify.ground_truth("users", workspace_id)[0]["id"]
    records = [stream.post_process(r, context) for r in stream.get_records(context)]
    assert records
    assert stream._plain_writer is not None
    for record in records:
        ours, sdks = both_ways(stream, record)
        assert ours == sdks
        ours, sdks = lines_both_ways(stream, record)
        assert ours == sdks


def test_odd_values_are_conformed_as_the_sdk_does(tap, caplog):
    stream = tap.streams["projects"]
    record = {
        "id": "p1",
        "workspaceId": "w1",
        "archived": 1,  # a number in a boolean-only field
        "billable": 0.0,  # a float there: the SDK leaves floats alone
        "public": None,
        "duration": "PT1H",
        "budgetEstimate": {"estimate": decimal.Decimal("NaN")},  # nested: passed through
        "hourlyRate": {"amount": 2000, "currency": "EUR"},
        "undeclared": "dropped",
    }
    caplog.set_level(logging.WARNING)
    ours, sdks = both_ways(stream, record)
    assert ours == sdks
    # A nested NaN cannot come out of a JSON body, and some msgspec versions refuse to
    # write one whichever path hands it over: the lines are compared without it.
    record["budgetEstimate"] = {"estimate": decimal.Decimal("1.50")}
    ours_lines, sdks_lines = lines_both_ways(stream, record)
    assert ours_lines == sdks_lines
    assert "undeclared" not in ours[0]
    assert ours[0]["archived"] is True


def test_a_non_finite_number_becomes_null_as_in_the_sdk(tap):
    stream = tap.streams["detailed_report"]
    record = {"id": "e1", "workspaceId": "w1", "amount": decimal.Decimal("Infinity"), "rate": 1.5}
    ours, sdks = both_ways(stream, record)
    assert ours == sdks
    assert ours[0]["amount"] is None


def test_an_undeclared_field_is_warned_about_once_per_stream_and_field(tap, caplog):
    stream = tap.streams["tags"]
    caplog.set_level(logging.WARNING)
    for n in range(3):
        stream._write_record_message({"id": f"t{n}", "name": "x", "color": "red"})
    tap.message_writer._chunk.clear()
    warnings = [r for r in caplog.records if "not found in catalog schema" in r.getMessage()]
    assert len(warnings) == 1
    assert "color" in warnings[0].getMessage()


def test_a_versioned_record_line_is_the_sdks(tap, monkeypatch):
    stream = tap.streams["projects"]
    monkeypatch.setattr(stream, "_stream_version", 1_764_000_000_000)
    record = {"id": "p1", "workspaceId": "w1", "name": "P", "archived": False}
    ours, sdks = lines_both_ways(stream, record)
    assert ours == sdks
    assert [key for key, _ in ours[0]] == ["type", "stream", "record", "version", "time_extracted"]


def test_stream_maps_still_apply(tmp_path, fake_clockify):
    # With a stream map the lines take the SDK's path again (no ``_plain_writer``).
    config = tap_config(
        fake_clockify,
        stream_maps={
            "tags": {
                "id": "id",
                "workspaceId": "workspaceId",
                "name": "name.upper()",
                "__else__": None,
            },
            "clients": None,
        },
    )
    result = run_tap(tmp_path, config)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "clients" not in result.records
    tags = result.records["tags"]
    assert len(tags) == len(fake_clockify.ground_truth("tags"))
    assert all(set(tag) == {"name", "id", "workspaceId"} for tag in tags)
    names = {tag["name"] for tag in fake_clockify.ground_truth("tags")}
    assert {tag["name"] for tag in tags} == {name.upper() for name in names}
