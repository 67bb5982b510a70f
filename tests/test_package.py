"""The built sdist and wheel on their own: complete, valid, and working from a fresh venv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tap_clockify import __version__
from tap_clockify.streams import STREAM_TYPES
from tap_clockify.tap import TapClockify
from tests.conftest import run_tap, tap_config
from tests.test_notebook import readme_block

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build``: the sdist, then the wheel built from that sdist.

    No isolation: the build backend is the one requirements.lock pins, and the build
    needs no network.
    """
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def fresh_venv(requirement: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding ``requirement`` and what it declares it needs, locked versions."""
    venv = tmp_path_factory.mktemp("venv")
    python = str(venv / "bin" / "python")
    lock = str(ROOT / "requirements.lock")
    for command in (
        ["venv", "--quiet", "--python", sys.executable, str(venv)],
        ["pip", "install", "--quiet", "--python", python, "--constraint", lock, requirement],
    ):
        subprocess.run([str(BIN / "uv"), *command], check=True, capture_output=True)
    return venv


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel alone: what a Singer user installs."""
    return fresh_venv(str(wheel), tmp_path_factory)


@pytest.fixture(scope="module")
def duckdb_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel with its ``duckdb`` extra: what the README tells a notebook user to install."""
    return fresh_venv(f"{TapClockify.package_name}[duckdb] @ {wheel.as_uri()}", tmp_path_factory)


def test_twine_check_passes(dist):
    files = [str(path) for path in dist.iterdir()]
    assert sorted(name.rsplit(".", 1)[-1] for name in files) == ["gz", "whl"]
    subprocess.run([str(BIN / "twine"), "check", "--strict", *files], check=True)


def test_wheel_holds_the_package_every_schema_and_the_license(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "tap_clockify"
    schemas = {path.relative_to(ROOT).as_posix() for path in package.glob("schemas/*.json")}
    modules = {path.relative_to(ROOT).as_posix() for path in package.rglob("*.py")}
    assert schemas
    assert schemas | modules <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not {name for name in names if name.startswith("tests/")}


def test_wheel_metadata_carries_the_version_and_pythons(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata_path,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_path).decode())
    assert metadata["Name"] == TapClockify.package_name
    assert metadata["Version"] == __version__
    assert metadata["Requires-Python"] == ">=3.10"


def test_installed_wheel_runs_from_the_venv_not_the_source_tree(venv, tmp_path):
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import tap_clockify; print(tap_clockify.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv)
    assert not Path(where).is_relative_to(ROOT)


def test_installed_wheel_reports_its_version(venv, tmp_path):
    tap = str(venv / "bin" / "tap-clockify")
    version = run_tap(tmp_path, {}, "--version", tap=tap)
    assert version.stdout.startswith(f"tap-clockify v{__version__}, Meltano SDK v")
    about = json.loads(run_tap(tmp_path, {}, "--about", "--format=json", tap=tap).stdout)
    assert about["version"] == __version__
    assert about["supported_python_versions"] == ["3.10", "3.11", "3.12", "3.13"]
    assert "api_key" in about["settings"]["properties"]


def test_installed_wheel_syncs_every_stream(venv, fake_clockify, tmp_path):
    result = run_tap(tmp_path, tap_config(fake_clockify), tap=str(venv / "bin" / "tap-clockify"))
    assert result.returncode == 0, result.stderr[-3000:]
    for stream in STREAM_TYPES:
        expected = fake_clockify.ground_truth(stream.name)
        assert len(result.records[stream.name]) == len(expected), stream.name
    assert result.final_state


def test_the_readme_notebook_recipe_runs_from_the_wheel_with_its_duckdb_extra(
    duckdb_venv, fake_clockify, tmp_path
):
    """The extra brings everything the recipe needs: nothing from the dev environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TAP_CLOCKIFY_")}
    for name, value in tap_config(fake_clockify).items():
        environment[f"TAP_CLOCKIFY_{name.upper()}"] = str(value)
    recipe = readme_block() + "print(len(entries))\n"
    done = subprocess.run(
        [str(duckdb_venv / "bin" / "python"), "-c", recipe],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == str(len(fake_clockify.ground_truth("time_entries")))
    assert (tmp_path / "clockify.duckdb").exists()
