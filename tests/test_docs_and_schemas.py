"""Generated artefacts stay current: README tables, JSON schemas, Meltano plugin definitions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tap_clockify.streams import STREAM_TYPES
from tap_clockify.tap import TapClockify
from tests.conftest import TAP

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "clockify-openapi.json"
HUB_DEFINITION = ROOT / "hub" / "extractors" / "tap-clockify" / "clockify-tap.yml"
#: The SDK's own settings, which plugin definitions and the README leave out.
BUILTIN_SETTINGS = ("stream_map", "faker_config", "flattening_", "batch_config")


@pytest.fixture(scope="module")
def about() -> dict:
    done = subprocess.run([TAP, "--about", "--format=json"], capture_output=True, text=True)
    return json.loads(done.stdout)


def own_settings(about: dict) -> dict[str, dict]:
    """The tap's settings in ``--about``, by name, without the SDK's built-in ones."""
    properties = about["settings"]["properties"].items()
    return {name: prop for name, prop in properties if not name.startswith(BUILTIN_SETTINGS)}


def meltano_kinds(prop: dict) -> set[str]:
    """The Meltano setting kinds that fit a setting's JSON schema."""
    if "enum" in prop:
        return {"options"}
    if prop.get("format") == "date-time":
        return {"date_iso8601"}
    (json_type,) = set(prop["type"]) - {"null"}
    # integer for a number: Meltano 4 cannot take a decimal from an environment variable.
    return {"number": {"decimal", "integer"}}.get(json_type, {json_type})


def check_declares_every_setting(plugin: dict, about: dict) -> dict[str, dict]:
    """A Meltano extractor definition declares exactly the tap's settings, each as it is."""
    ours = own_settings(about)
    settings = {setting["name"]: setting for setting in plugin["settings"]}
    assert set(settings) == set(ours)
    for name, prop in ours.items():
        setting = settings[name]
        assert setting["kind"] in meltano_kinds(prop), name
        assert setting.get("sensitive", False) == prop.get("secret", False), name
        assert setting.get("value") == prop.get("default"), name
        assert setting.get("label"), name
        assert setting.get("description"), name
        if "enum" in prop:
            assert [option["value"] for option in setting["options"]] == prop["enum"], name
    assert plugin["settings_group_validation"] == [about["settings"]["required"]]
    return settings


def readme_section(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {name}[^>]*-->\n(.*?)<!-- /{name} -->", text, re.DOTALL)
    assert match, f"README has no {name} section"
    return match.group(1)


def test_readme_settings_table_matches_about(about):
    markdown = subprocess.run(
        [TAP, "--about", "--format=markdown"], capture_output=True, text=True, check=True
    ).stdout
    ours = [line for line in readme_section("settings").splitlines() if line.startswith("|")]
    for line in ours:
        assert line in markdown.splitlines(), f"README row is stale: {line}"
    settings = {line.split("|")[1].strip() for line in ours[2:]}
    assert settings == set(own_settings(about))


def test_readme_streams_table_lists_every_stream_with_its_key():
    rows = {
        line.split("|")[1].strip(): line.split("|")[3].strip()
        for line in readme_section("streams").splitlines()[2:]
        if line.startswith("|")
    }
    assert set(rows) == {stream.name for stream in STREAM_TYPES}
    for stream in STREAM_TYPES:
        assert rows[stream.name] == ", ".join(stream.primary_keys)


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


def test_meltano_yml_declares_every_setting_of_the_tap(about):
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (extractor,) = project["plugins"]["extractors"]
    check_declares_every_setting(extractor, about)


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


def test_hub_definition_matches_about(about):
    hub = yaml.safe_load(HUB_DEFINITION.read_text())
    settings = check_declares_every_setting(hub, about)
    for name, prop in own_settings(about).items():
        assert settings[name]["label"] == prop["title"], name
        assert settings[name]["description"] == prop["description"], name
    assert sorted(hub["capabilities"]) == sorted(about["capabilities"])
    assert (hub["name"], hub["executable"], hub["namespace"]) == (
        about["name"],
        about["name"],
        about["name"].replace("-", "_"),
    )
    assert hub["pip_url"] == TapClockify.package_name
    assert HUB_DEFINITION.stem == hub["variant"]
    assert HUB_DEFINITION.parent.name == hub["name"]
