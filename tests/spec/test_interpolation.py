"""${VAR:default}: typed results, precedence, every missing variable at once, secrets refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from floe_runtime.spec.load import SpecOptions, load_spec
from tests.helpers.results import Result

Floe = Callable[..., Result]

BASE = """
name: shop
version: "1"
orchestration:
  jobs:
    refresh: {type: batch, selection: ["group:${GROUP:bronze}"]}
  schedules:
    daily: {job: refresh, cron_schedule: "${CRON:0 6 * * *}", enabled: "${ENABLED:false}"}
  backfills:
    again: {job: refresh, batch_size: "${BATCH:5}"}
"""


def test_values_are_typed_and_their_sources_recorded(project: Callable[..., Path]) -> None:
    path = project(BASE, envs={"prod": "ENABLED=true\nCRON=0 5 * * *\n"})
    spec = load_spec(
        SpecOptions(
            path=path,
            display="floe.yaml",
            cli_vars={"BATCH": "7"},
            process_env={"CRON": "15 4 * * *"},
        ),
        environment="prod",
    )
    assert spec.ok and spec.project is not None
    schedule = spec.project.orchestration.schedules["daily"]
    assert schedule.enabled is True
    assert schedule.cron_schedule == "15 4 * * *"  # process env beats the env file
    assert spec.project.orchestration.backfills["again"].batch_size == 7
    assert {n: (v.value, v.source) for n, v in spec.variables.items()} == {
        "BATCH": ("7", "cli"),
        "CRON": ("15 4 * * *", "process_env"),
        "ENABLED": ("true", "env_file:environments/prod.env"),
        "GROUP": ("bronze", "default"),
    }


def test_cli_var_beats_everything(project: Callable[..., Path]) -> None:
    path = project(BASE, envs={"dev": "BATCH=3\n"})
    spec = load_spec(
        SpecOptions(
            path=path, display="floe.yaml", cli_vars={"BATCH": "9"}, process_env={"BATCH": "8"}
        ),
        environment="dev",
    )
    assert spec.project is not None
    assert spec.project.orchestration.backfills["again"].batch_size == 9


def test_floe_env_is_the_environment_name(project: Callable[..., Path]) -> None:
    path = project('name: shop\nversion: "${FLOE_ENV}-1"\n', envs={"staging": "", "prod": ""})
    spec = load_spec(
        SpecOptions(path=path, display="floe.yaml", process_env={"FLOE_ENV": "wrong"}),
        environment="staging",
    )
    assert spec.project is not None and spec.project.version == "staging-1"


def test_a_literal_string_is_not_retyped(project: Callable[..., Path], floe: Floe) -> None:
    path = project(BASE.replace('"${BATCH:5}"', '"5"'))
    result = floe("validate", str(path))
    assert result.code == 1
    assert "expected an integer, got a string" in result.out


def test_an_interpolated_value_of_the_wrong_type(project: Callable[..., Path], floe: Floe) -> None:
    path = project(BASE)
    result = floe("validate", str(path), "--var", "ENABLED=maybe")
    assert result.code == 1
    assert "floe.yaml:7:72: error: expected true or false, got a string" in result.out


def test_every_missing_variable_is_reported_at_once(
    project: Callable[..., Path], floe: Floe
) -> None:
    path = project(BASE.replace("${GROUP:bronze}", "${GROUP}").replace("${BATCH:5}", "${BATCH}"))
    result = floe("validate", str(path))
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if ": error: " in line]
    assert lines == [
        f"{path}:5:47: error: variable GROUP is not set and has no default",
        f"{path}:9:40: error: variable BATCH is not set and has no default",
    ]


def test_escape_writes_a_literal_dollar_brace(project: Callable[..., Path]) -> None:
    path = project('name: shop\nversion: "$${NOT_A_VAR}"\n')
    spec = load_spec(SpecOptions(path=path, display="floe.yaml"), environment="default")
    assert spec.project is not None and spec.project.version == "${NOT_A_VAR}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"${1BAD}"', "invalid interpolation: '${1BAD}' is not a variable name"),
        ('"${OPEN"', "invalid interpolation: '${' is not closed by '}'"),
        ('"${A:${B}}"', "invalid interpolation: a ${...} cannot contain another ${...}"),
    ],
)
def test_malformed_references(
    value: str, message: str, project: Callable[..., Path], floe: Floe
) -> None:
    path = project(f"name: shop\nversion: {value}\n")
    result = floe("validate", str(path))
    assert result.code == 1
    assert f"{path}:2:10: error: {message}" in result.out


def test_unknown_environment_lists_the_known_ones(project: Callable[..., Path], floe: Floe) -> None:
    path = project(BASE, envs={"dev": "", "prod": ""})
    result = floe("validate", str(path), "--env", "prd")
    assert result.code == 1
    assert "unknown environment 'prd'" in result.out
    assert "did you mean 'prod'?" in result.out


def test_problems_only_some_environments_have_are_labelled(
    project: Callable[..., Path], floe: Floe
) -> None:
    path = project(BASE, envs={"dev": "", "prod": "BATCH=0\n"})
    result = floe("validate", str(path))
    assert result.code == 1
    # the variable, its value and the line that set it are named, then the environment
    assert "9:39: error: must be at least 1 (`BATCH` = '0' from " in result.out
    assert "environments/prod.env:1) [environment: prod]" in result.out


def test_errors_name_the_variable_its_value_and_where_it_was_set(
    project: Callable[..., Path], floe: Floe
) -> None:
    path = project(BASE, envs={"prod": "# production\n\nBATCH=0\n"})
    result = floe("validate", str(path), "--env", "prod")
    assert "must be at least 1 (`BATCH` = '0' from " in result.out
    assert "environments/prod.env:3)" in result.out
    result = floe("validate", str(path), "--env", "prod", "--var", "BATCH=-2")
    assert "must be at least 1 (`BATCH` = '-2' from --var)" in result.out
