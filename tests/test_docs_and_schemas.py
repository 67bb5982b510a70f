"""Generated artefacts stay current: README tables and the JSON schemas."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tap_clockify.streams import STREAM_TYPES
from tests.conftest import TAP

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "clockify-openapi.json"


def readme_section(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {name}[^>]*-->\n(.*?)<!-- /{name} -->", text, re.DOTALL)
    assert match, f"README has no {name} section"
    return match.group(1)


def test_readme_settings_table_matches_about():
    about = subprocess.run(
        [TAP, "--about", "--format=markdown"], capture_output=True, text=True, check=True
    ).stdout
    ours = [line for line in readme_section("settings").splitlines() if line.startswith("|")]
    for line in ours:
        assert line in about.splitlines(), f"README row is stale: {line}"
    settings = {line.split("|")[1].strip() for line in ours[2:]}
    about_json = json.loads(
        subprocess.run([TAP, "--about", "--format=json"], capture_output=True, text=True).stdout
    )
    builtin = ("stream_map", "faker_config", "flattening_", "batch_config")
    expected = {s for s in about_json["settings"]["properties"] if not s.startswith(builtin)}
    assert settings == expected


def test_readme_streams_table_lists_every_stream_with_its_key():
    rows = {
        line.split("|")[1].strip(): line.split("|")[3].strip()
        for line in readme_section("streams").splitlines()[2:]
        if line.startswith("|")
    }
    assert set(rows) == {stream.name for stream in STREAM_TYPES}
    for stream in STREAM_TYPES:
        assert rows[stream.name] == ", ".join(stream.primary_keys)


@pytest.mark.skipif(not SPEC.exists(), reason="Clockify's OpenAPI file is not beside the repo")
def test_schemas_are_what_the_generator_makes(tmp_path):
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_schemas.py"),
            "--spec",
            str(SPEC),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for generated in tmp_path.glob("*.json"):
        committed = ROOT / "tap_clockify" / "schemas" / generated.name
        assert committed.read_text() == generated.read_text(), generated.name


def test_meltano_yml_declares_every_setting_of_the_tap():
    about = json.loads(
        subprocess.run([TAP, "--about", "--format=json"], capture_output=True, text=True).stdout
    )
    builtin = ("stream_map", "faker_config", "flattening_", "batch_config")
    ours = {s for s in about["settings"]["properties"] if not s.startswith(builtin)}
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (extractor,) = project["plugins"]["extractors"]
    settings = {setting["name"]: setting for setting in extractor["settings"]}
    assert set(settings) == ours
    assert settings["api_key"]["sensitive"] is True
    assert all(setting.get("kind") and setting.get("description") for setting in settings.values())


def test_meltano_yml_defines_its_loaders_inline_and_pinned():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    assert project["send_anonymous_usage_stats"] is False
    loaders = {loader["name"]: loader for loader in project["plugins"]["loaders"]}
    assert set(loaders) == {"target-jsonl", "target-postgres"}
    assert loaders["target-jsonl"]["config"]["destination_path"] == "output"
    assert loaders["target-postgres"]["pip_url"] == "meltanolabs-target-postgres==0.8.1"
    for loader in loaders.values():
        # Inline definitions: Meltano never has to ask Meltano Hub.
        assert set(loader) >= {"namespace", "executable", "pip_url", "settings"}
        assert "==" in loader["pip_url"]
        for setting in loader["settings"]:
            assert {"kind", "label", "description"} <= set(setting), setting["name"]
    postgres = {setting["name"]: setting for setting in loaders["target-postgres"]["settings"]}
    assert postgres["password"]["sensitive"] is True
    assert postgres["sqlalchemy_url"]["sensitive"] is True
