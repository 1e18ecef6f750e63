"""`floe init` on dbt projects that dagster-dbt publishes in its sdist (not written here): the
floe.yaml it writes validates and points at the project.

dagster-dbt's sdist is the only registry package found that ships a Dagster + dbt project; its
projects are dbt test projects (jaffle_shop; one with a local dbt package), without resources,
partitions or sensors, so they cannot be the issue's full "real project" fixture.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.helpers.results import Result

PROJECTS = "dagster_dbt_tests/dbt_projects"


@pytest.mark.parametrize("project", ["jaffle_shop", "test_dagster_dbt_dependencies"])
def test_init_on_a_published_dbt_project(
    floe: Callable[..., Result], dagster_dbt_sdist: Path, tmp_path: Path, project: str
) -> None:
    shutil.copytree(dagster_dbt_sdist / PROJECTS, tmp_path / "dbt_projects")
    here = tmp_path / "dbt_projects" / project
    result = floe("init", "--dbt-project-dir", str(here), "-o", "floe.yaml", cwd=tmp_path)
    assert result.code == 0, result.text
    written = yaml.safe_load((tmp_path / "floe.yaml").read_text())
    assert written["orchestration"]["dbt"] == {"project_dir": f"dbt_projects/{project}"}
    assert written["name"] == yaml.safe_load((here / "dbt_project.yml").read_text())["name"]
    assert floe("validate", "floe.yaml", cwd=tmp_path).code == 0
