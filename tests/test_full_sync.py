"""A full sync of the fake Clockify matches its ground truth, stream by stream."""

from __future__ import annotations

from collections import Counter

import jsonschema
import pytest

from tap_clockify.streams import STREAM_TYPES

STREAMS = [stream.name for stream in STREAM_TYPES]
KEYS = {stream.name: tuple(stream.primary_keys) for stream in STREAM_TYPES}


#: Fields the tap renames: reports' ``_id`` comes out as ``id``.
RENAMED = {"_id": "id"}


def key_of(stream: str, record: dict, keys: list[str]) -> tuple:
    return tuple(record[key] for key in keys)


def identity(stream: str, record: dict) -> tuple:
    """The record's key without ``workspaceId``, which Clockify's own records may lack."""
    renamed = {RENAMED.get(field, field): value for field, value in record.items()}
    return tuple(renamed[key] for key in KEYS[stream] if key != "workspaceId")


def in_workspace(stream: str, record: dict, workspace_id: str) -> bool:
    if stream == "workspaces":
        return record["id"] == workspace_id
    return record["workspaceId"] == workspace_id


@pytest.mark.parametrize("stream", STREAMS)
def test_records_match_ground_truth_per_workspace(full_sync, fake_clockify, stream):
    emitted = full_sync.records[stream]
    assert emitted, f"{stream} emitted no records"
    for workspace_id in fake_clockify.workspace_ids:
        expected = fake_clockify.ground_truth(stream, workspace_id)
        got = [record for record in emitted if in_workspace(stream, record, workspace_id)]
        assert sorted(identity(stream, r) for r in got) == sorted(
            identity(stream, r) for r in expected
        )


@pytest.mark.parametrize("stream", STREAMS)
def test_records_carry_every_field_the_api_returned(full_sync, fake_clockify, stream):
    for workspace_id in fake_clockify.workspace_ids:
        expected = {
            identity(stream, r): r for r in fake_clockify.ground_truth(stream, workspace_id)
        }
        for record in full_sync.records[stream]:
            if not in_workspace(stream, record, workspace_id):
                continue
            for field, value in expected[identity(stream, record)].items():
                emitted_as = RENAMED.get(field, field)
                assert record[emitted_as] == value, f"{stream}.{field} changed on the way"


@pytest.mark.parametrize("stream", STREAMS)
def test_primary_keys_are_unique(full_sync, stream):
    keys = full_sync.schemas[stream]["key_properties"]
    counts = Counter(key_of(stream, record, keys) for record in full_sync.records[stream])
    duplicates = {key: count for key, count in counts.items() if count > 1}
    assert not duplicates


@pytest.mark.parametrize("stream", STREAMS)
def test_every_record_validates_against_its_schema(full_sync, stream):
    schema = full_sync.schemas[stream]["schema"]
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for record in full_sync.records[stream]:
        errors = [error.message for error in validator.iter_errors(record)]
        assert not errors, (identity(stream, record), errors[:3])


def test_no_field_is_missing_from_a_schema(full_sync):
    assert "not found in catalog schema" not in full_sync.stderr
    assert "were present in the" not in full_sync.stderr


def test_users_of_every_status_in_every_workspace(full_sync, fake_clockify):
    users = full_sync.records["users"]
    membership_statuses = {
        membership["membershipStatus"]
        for user in users
        for membership in user["memberships"]
        if membership["targetId"] == user["workspaceId"]
    }
    assert {"ACTIVE", "INACTIVE", "PENDING", "DECLINED"} <= membership_statuses
    assert "LIMITED" in {user["status"] for user in users}
    shared = Counter(user["id"] for user in users)
    assert max(shared.values()) == len(fake_clockify.workspace_ids)


def test_archived_objects_and_done_tasks_are_kept(full_sync):
    for stream in ("clients", "projects", "tags"):
        assert {record["archived"] for record in full_sync.records[stream]} == {True, False}
    assert {task["status"] for task in full_sync.records["tasks"]} == {"ACTIVE", "DONE"}


def test_running_timers_are_kept_with_a_null_end(full_sync, fake_clockify):
    running = [
        entry for entry in full_sync.records["time_entries"] if entry["timeInterval"]["end"] is None
    ]
    assert len(running) == len(fake_clockify.workspace_ids)
    assert all(entry["timeInterval"]["duration"] is None for entry in running)


def test_time_entries_expose_their_start_as_replication_key(full_sync):
    schema = full_sync.schemas["time_entries"]
    assert schema["bookmark_properties"] == ["start"]
    for entry in full_sync.records["time_entries"]:
        assert entry["start"] == entry["timeInterval"]["start"]


def test_custom_field_values_are_objects(full_sync):
    values = [
        value
        for entry in full_sync.records["time_entries"]
        for value in entry.get("customFieldValues") or []
    ]
    assert values
    assert all(isinstance(value, dict) and value["customFieldId"] for value in values)
