"""``meltano select`` of a few streams and properties: only those reach PostgreSQL.

``meltano select`` writes to meltano.yml, so this runs in a copy of the project.
"""

from __future__ import annotations

import pytest
import yaml

from tests.e2e.conftest import MeltanoProject, clockify_env, columns, copy_project, count, tables

SELECT = (
    ("tap-clockify", "projects", "name"),
    ("tap-clockify", "projects", "clientName"),
    ("tap-clockify", "time_entries", "*"),
    ("--exclude", "tap-clockify", "time_entries", "description"),
)


def data_columns(connection, table: str) -> set[str]:
    return {name for name in columns(connection, table) if not name.startswith("_sdc_")}


@pytest.fixture(scope="module")
def project(postgres, warehouse, server, tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("select") / "project")
    project = MeltanoProject.create(
        root,
        f"sqlite:///{root / 'meltano.db'}",
        **clockify_env(server),
        **postgres.loader_env(warehouse),
    )
    project.meltano("install", "tap-clockify", "target-postgres")
    for args in SELECT:
        project.meltano("select", *args)
    project.meltano("run", "tap-clockify", "target-postgres")
    return project


def test_meltano_select_writes_the_patterns_to_meltano_yml(project):
    text = (project.root / "meltano.yml").read_text()
    (extractor,) = [
        plugin
        for plugin in yaml.safe_load(text)["plugins"]["extractors"]
        if plugin["name"] == "tap-clockify"
    ]
    assert extractor["select"] == [
        "projects.name",
        "projects.clientName",
        "time_entries.*",
        "!time_entries.description",
    ]


def test_select_list_shows_the_selection(project):
    listed = project.meltano("select", "tap-clockify", "--list", "--all").stdout
    assert "[selected   ] projects.name" in listed
    assert "[automatic  ] projects.id" in listed
    assert "[excluded   ] time_entries.description" in listed
    assert "[excluded   ] tasks.name" in listed


def test_only_the_selected_streams_become_tables(project, postgres, warehouse):
    with postgres.connect(warehouse) as connection:
        assert tables(connection) == {"projects", "time_entries"}


def test_only_the_selected_properties_become_columns(project, postgres, warehouse):
    with postgres.connect(warehouse) as connection:
        assert data_columns(connection, "projects") == {"workspaceId", "id", "name", "clientName"}
        entry_columns = data_columns(connection, "time_entries")
    assert "description" not in entry_columns
    assert {"workspaceId", "id", "start", "timeInterval", "billable"} <= entry_columns


def test_selected_streams_hold_every_record(project, server, postgres, warehouse):
    with postgres.connect(warehouse) as connection:
        for stream in ("projects", "time_entries"):
            assert count(connection, stream) == len(server.ground_truth(stream)), stream
