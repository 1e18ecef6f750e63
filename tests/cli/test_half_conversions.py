"""Half-finished conversions that used to pass silently, `--strict`, and small CLI fixes.

Each scenario is a small project on disk run through the real `floe` command (and real
`dbt parse` where dbt models matter).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from floe_runtime.compile.dbt_parse import dbt_executable
from tests.helpers.results import Result

Floe = Callable[..., Result]
needs_dbt = pytest.mark.skipif(dbt_executable() is None, reason="needs dbt")

ASSETS = """\
from dagster import DailyPartitionsDefinition, asset

@asset(group_name='bronze', partitions_def=DailyPartitionsDefinition(start_date='2024-01-01'))
def orders() -> None:
    pass

@asset(group_name='bronze')
def customers() -> None:
    pass
"""


def project(
    root: Path, orchestration: str, *, dbt: bool = False, envs: tuple[str, ...] = ()
) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "shop/__init__.py").write_text("", encoding="utf-8")
    (root / "shop/assets.py").write_text(ASSETS, encoding="utf-8")
    for env in envs:
        (root / "environments").mkdir(exist_ok=True)
        (root / f"environments/{env}.env").write_text("", encoding="utf-8")
    if dbt:
        models = root / "dbt/models"
        models.mkdir(parents=True)
        (root / "dbt/dbt_project.yml").write_text(
            'name: shop\nversion: "1.0.0"\nconfig-version: 2\nprofile: shop\n', encoding="utf-8"
        )
        (root / "dbt/profiles.yml").write_text(
            "shop:\n  target: dev\n  outputs:\n"
            "    dev: {type: duckdb, path: shop.duckdb, threads: 1}\n",
            encoding="utf-8",
        )
        (models / "sources.yml").write_text(
            "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: ordrs\n",
            encoding="utf-8",
        )
        (models / "stg_orders.sql").write_text(
            "select * from {{ source('raw', 'ordrs') }}\n", encoding="utf-8"
        )
    floe_yaml = root / "floe.yaml"
    floe_yaml.write_text(
        "name: shop\nversion: '1'\norchestration:\n  asset_modules: [shop.assets]\n"
        + ("  dbt: {project_dir: dbt}\n" if dbt else "")
        + orchestration,
        encoding="utf-8",
    )
    return floe_yaml


def test_partitions_def_in_code_without_floe_yaml_partitions_warns(
    floe: Floe, tmp_path: Path
) -> None:
    project(tmp_path, "  jobs:\n    load: {type: batch, selection: ['group:bronze']}\n")
    result = floe("compile", "--check", cwd=tmp_path)
    assert result.code == 0, result.text
    assert "floe.yaml:3:1: warning: asset 'orders' sets partitions_def in shop/assets.py:3" in (
        result.out
    ), result.out
    assert "delete partitions_def= from shop/assets.py:3" in result.out
    assert "under orchestration.assets in floe.yaml" in result.out
    strict = floe("compile", "--check", "--strict", cwd=tmp_path)
    assert strict.code == 1, strict.text
    assert "error: asset 'orders' sets partitions_def" in strict.out
    assert "(a warning; --strict makes it an error)" in strict.out


def test_strict_turns_an_unused_pattern_into_a_failure_and_writes_nothing(
    floe: Floe, tmp_path: Path
) -> None:
    project(
        tmp_path,
        "  partitions:\n    daily: {type: time_window, start: '2024-01-01', "
        "cron_schedule: '0 0 * * *'}\n"
        "  assets:\n    custmers: {partitions: daily}\n    customers: {partitions: daily}\n"
        "  jobs:\n    load: {type: batch, selection: ['key:customers']}\n",
    )
    loose = floe("compile", "--env", "default", cwd=tmp_path)
    assert loose.code == 0, loose.text
    assert "floe.yaml:8:5: warning: asset pattern 'custmers' matches no asset" in loose.out
    (tmp_path / "dist").rename(tmp_path / "loose")
    strict = floe("compile", "--env", "default", "--strict", cwd=tmp_path)
    assert strict.code == 1, strict.text
    assert "floe.yaml:8:5: error: asset pattern 'custmers' matches no asset" in strict.out
    assert "floe: default: failed (2 errors)" in strict.out  # and orders' partitions_def
    assert not (tmp_path / "dist").exists()


def test_validate_strict(floe: Floe, tmp_path: Path) -> None:
    project(
        tmp_path,
        "  jobs:\n    a: {type: batch, selection: ['${SEL:group:bronze}']}\n"
        "    b: {type: batch, selection: ['${SEL:key:orders}']}\n",
    )
    assert floe("validate", cwd=tmp_path).code == 0
    strict = floe("validate", "--strict", cwd=tmp_path)
    assert strict.code == 1, strict.text
    assert "error: variable SEL is unset and its defaults differ between uses" in strict.out


def test_hook_passes_strict_on(floe: Floe, tmp_path: Path) -> None:
    """What `args: [--strict]` in .pre-commit-config.yaml makes pre-commit run."""
    config = project(tmp_path, "  jobs:\n    load: {type: batch, selection: ['group:bronze']}\n")
    assert floe("hook", "compile", str(config), cwd=tmp_path).code == 0
    result = floe("hook", "compile", "--strict", str(config), cwd=tmp_path)
    assert result.code == 1 and "--strict makes it an error" in result.out


def test_action_passes_the_strict_input() -> None:
    text = (Path(__file__).parents[2] / "action.yml").read_text(encoding="utf-8")
    assert "  strict:\n" in text and "FLOE_STRICT: ${{ inputs.strict }}" in text


def test_compile_check_without_env_checks_every_environment(floe: Floe, tmp_path: Path) -> None:
    project(
        tmp_path,
        "  jobs:\n    load: {type: batch, selection: ['group:bronze']}\n",
        envs=("dev", "prod"),
    )
    assert floe("compile", cwd=tmp_path).code == 2  # writing still needs a choice
    result = floe("compile", "--check", cwd=tmp_path)
    assert result.code == 0, result.text
    assert "floe: dev: " in result.out and "floe: prod: " in result.out


def test_python_only_errors_stay_errors_without_a_manifest(floe: Floe, tmp_path: Path) -> None:
    project(
        tmp_path,
        "  partitions:\n    daily: {type: time_window, start: '2024-01-01', "
        "cron_schedule: '0 0 * * *'}\n"
        "  assets:\n    customers: {partitions: daily}\n"
        "  jobs:\n    load: {type: batch, selection: ['key:ordrs']}\n"
        "    daily: {type: batch, selection: ['key:customers']}\n"
        "  backfills:\n    early: {job: daily, partition_range: {start: '2023-06-01', "
        "end: '2024-01-05'}}\n",
        dbt=True,  # declared, not parsed: the dbt models are unknown
    )
    result = floe("compile", "--check", cwd=tmp_path)
    assert result.code == 1, result.text
    assert "error: selection 'key:ordrs' selects no assets" in result.out
    assert "did you mean key:orders?" in result.out
    assert "error: backfill 'early': " in result.out


@needs_dbt
def test_a_source_named_near_a_python_asset_warns(floe: Floe, tmp_path: Path) -> None:
    project(tmp_path, "  jobs:\n    load: {type: batch, selection: ['*']}\n", dbt=True)
    result = floe("compile", "--check", "--dbt-parse", cwd=tmp_path)
    assert result.code == 0, result.text
    assert (
        "floe.yaml:5:8: warning: dbt source raw.ordrs (dbt:models/sources.yml) matches no "
        "Python asset: it becomes the external asset 'raw/ordrs'"
    ) in result.out, result.out
    assert "did you mean the Python asset 'orders' (shop/assets.py:3)?" in result.out


@needs_dbt
def test_list_assets_uses_a_fresh_bundle(floe: Floe, tmp_path: Path) -> None:
    config = project(tmp_path, "  jobs:\n    load: {type: batch, selection: ['*']}\n", dbt=True)
    missing = floe("list", "assets", "--format", "json", cwd=tmp_path)
    assert missing.code == 0, missing.text
    assert "stg_orders" not in missing.out
    assert "no compiled bundle at dist/floe/default/: dbt models are not listed" in missing.err
    assert floe("compile", "--env", "default", "--dbt-parse", cwd=tmp_path).code == 0
    manifest = tmp_path / "dist/floe/default/manifest.json"
    before = manifest.stat().st_mtime_ns
    rows = floe("list", "assets", "--format", "json", cwd=tmp_path)
    assert {r["key"]: r["kind"] for r in rows.json()}["stg_orders"] == "dbt"
    assert "dbt models from the bundle dist/floe/default/" in rows.err
    # 13: a recompile that changes nothing leaves manifest.json as it was
    assert floe("compile", "--env", "default", "--dbt-parse", cwd=tmp_path).code == 0
    assert manifest.stat().st_mtime_ns == before
    config.write_text(config.read_text(encoding="utf-8") + "  # edited\n", encoding="utf-8")
    stale = floe("list", "assets", "--format", "json", cwd=tmp_path)
    assert "stg_orders" not in stale.out
    assert "was compiled from another version of floe.yaml, so it is not used" in stale.err


def test_runtime_lists_the_bundles_that_exist(tmp_path: Path) -> None:
    from floe_runtime.definitions.errors import LoadError
    from floe_runtime.definitions.locate import artifact_path

    for env in ("dev", "prod"):
        (tmp_path / "dist/floe" / env).mkdir(parents=True)
        (tmp_path / "dist/floe" / env / "compiled_artifacts.json").write_text("{}")
    with pytest.raises(LoadError) as caught:
        artifact_path(None, {k: v for k, v in os.environ.items() if k != "FLOE_ENV"}, tmp_path)
    assert "FLOE_ENV is unset; compiled bundles here: dev, prod" in str(caught.value)
    assert "FLOE_ENV=dev" in str(caught.value)
