"""The real CLI: --about, --discover (offline), --test and config errors."""

from __future__ import annotations

import json

from tap_clockify import __version__
from tests.conftest import run_tap, tap_config

SETTINGS = {
    "api_key",
    "workspace_ids",
    "start_date",
    "region",
    "api_url",
    "reports_url",
    "requests_per_second",
    "lookback_days",
    "use_change_feed",
    "fail_on_unavailable_features",
    "emit_activate_version_messages",
}
STREAMS = {
    "workspaces",
    "users",
    "user_groups",
    "clients",
    "projects",
    "tasks",
    "tags",
    "custom_fields",
    "time_entries",
    "in_progress_time_entries",
    "detailed_report",
    "expenses",
    "expense_categories",
    "invoices",
    "invoice_payments",
    "holidays",
    "time_off_policies",
    "time_off_requests",
    "time_off_balances",
    "approval_requests",
    "scheduling_assignments",
    "webhooks",
    "shared_reports",
    "member_profiles",
}


def test_about_lists_exactly_our_settings(tmp_path):
    result = run_tap(tmp_path, {}, "--about", "--format=json")
    about = json.loads(result.stdout)
    ours = set(about["settings"]["properties"])
    builtin = {
        "stream_maps",
        "stream_map_config",
        "faker_config",
        "flattening_enabled",
        "flattening_max_depth",
        "flattening_max_key_length",
        "flattening_separator",
        "batch_config",
    }
    assert ours - builtin == SETTINGS
    assert about["settings"]["required"] == ["api_key"]
    assert about["settings"]["properties"]["api_key"]["secret"] is True


def test_version_and_about_show_the_package_version(tmp_path):
    version = run_tap(tmp_path, {}, "--version")
    assert version.stdout.startswith(f"tap-clockify v{__version__}, Meltano SDK v")
    about = json.loads(run_tap(tmp_path, {}, "--about", "--format=json").stdout)
    assert about["version"] == __version__


def test_discover_lists_every_stream_without_calling_the_api(tmp_path):
    # No server runs and no config is given: discovery must not need either.
    result = run_tap(tmp_path, {"api_key": "x", "api_url": "http://127.0.0.1:9"}, "--discover")
    assert result.returncode == 0, result.stderr[-2000:]
    catalog = json.loads(result.stdout)
    assert {entry["tap_stream_id"] for entry in catalog["streams"]} == STREAMS
    keys = {entry["tap_stream_id"]: entry["key_properties"] for entry in catalog["streams"]}
    assert keys["users"] == ["workspaceId", "id"]
    assert keys["workspaces"] == ["id"]
    assert keys["invoice_payments"] == ["workspaceId", "invoiceId", "id"]
    assert keys["member_profiles"] == ["workspaceId", "userId"]


def test_connection_test_passes_against_the_fake_server(tmp_path, fake_clockify):
    result = run_tap(tmp_path, tap_config(fake_clockify), "--test")
    assert result.returncode == 0, result.stderr[-2000:]


def test_bad_start_date_is_rejected_in_one_line(tmp_path, fake_clockify):
    result = run_tap(tmp_path, tap_config(fake_clockify, start_date="last tuesday"))
    assert result.returncode == 1
    assert "start_date 'last tuesday' is not an ISO 8601 date-time" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_region_is_rejected(tmp_path, fake_clockify):
    result = run_tap(tmp_path, tap_config(fake_clockify, region="mars1"))
    assert result.returncode == 1
    assert "mars1" in result.stderr


def test_unreachable_api_url_fails_fast_and_clearly(tmp_path, fake_clockify, monkeypatch):
    config = tap_config(fake_clockify, api_url="http://127.0.0.1:9/api/v1")
    result = run_tap(tmp_path, config, timeout=600)
    assert result.returncode == 1
    assert "Could not reach Clockify at http://127.0.0.1:9/api/v1/workspaces" in result.stderr
