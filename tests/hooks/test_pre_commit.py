"""floe's hooks as a user meets them: the real ``pre-commit try-repo`` in a git repository."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hooks.conftest import HookRun, run_configured

CONFIG = "demo/shop/floe.yaml"


def test_validate_passes_the_demo(user_repo: Path, try_repo: Callable[..., HookRun]) -> None:
    result = try_repo(user_repo, "floe-validate", CONFIG)
    assert result.code == 0, result.output
    assert "floe validate" in result.output and "Passed" in result.output
    assert "demo/shop/floe.yaml: valid" in result.output


def test_installed_from_a_config_the_hooks_have_no_dagster_or_dbt(
    user_repo: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    """docs/hooks.md's .pre-commit-config.yaml, installed by `pre-commit run`: base deps only."""
    result = run_configured(user_repo, hook_repo, pre_commit_home, "floe-compile", CONFIG)
    assert result.code == 0, result.output
    assert "floe: prod: " in result.output and "checked, nothing written" in result.output
    (site,) = pre_commit_home.glob("repo*/py_env-*/lib/python*/site-packages")
    assert (site / "pydantic").is_dir() and (site / "floe_runtime").is_dir()
    assert not (site / "dagster").exists() and not (site / "dbt").exists()


def test_validate_fails_a_typo_with_file_line_col(
    user_repo: Path, try_repo: Callable[..., HookRun]
) -> None:
    floe_yaml = user_repo / CONFIG
    text = floe_yaml.read_text(encoding="utf-8")
    floe_yaml.write_text(text.replace("job: bronze_refresh\n", "job: bronze_refesh\n", 1))
    result = try_repo(user_repo, "floe-validate", CONFIG)
    assert result.code == 1, result.output
    assert "Failed" in result.output
    line = next(
        n for n, ln in enumerate(floe_yaml.read_text().splitlines(), 1) if "bronze_refesh" in ln
    )
    assert re.search(
        rf"demo/shop/floe\.yaml:{line}:\d+: error: unknown job 'bronze_refesh'", result.output
    ), result.output
    assert "did you mean 'bronze_refresh'" in result.output


def test_an_env_file_alone_triggers_its_floe_yaml(
    user_repo: Path, try_repo: Callable[..., HookRun]
) -> None:
    """Only prod.env changed: the hook checks demo/shop/floe.yaml through it."""
    result = try_repo(user_repo, "floe-validate", "demo/shop/environments/prod.env")
    assert result.code == 0, result.output
    assert "demo/shop/floe.yaml: valid" in result.output


def test_compile_catches_a_variable_missing_only_in_prod(
    user_repo: Path, try_repo: Callable[..., HookRun]
) -> None:
    shop = user_repo / "demo" / "shop"
    floe_yaml = shop / "floe.yaml"
    floe_yaml.write_text(
        floe_yaml.read_text().replace('"${VACUUM_DAYS:30}"', '"${FLOE_TEST_RETENTION}"')
    )
    for env in ("dev", "staging"):
        with (shop / "environments" / f"{env}.env").open("a") as handle:
            handle.write("FLOE_TEST_RETENTION=7\n")
    result = try_repo(user_repo, "floe-compile", "demo/shop/environments/prod.env")
    assert result.code == 1, result.output
    assert "floe compile --check" in result.output and "Failed" in result.output
    assert "FLOE_TEST_RETENTION" in result.output
    assert "floe: prod: failed" in result.output
    assert "floe: dev: " in result.output and "checked, nothing written" in result.output
    assert not (shop / "dist").exists() and not (user_repo / "dist").exists()


@pytest.mark.parametrize(
    "changed",
    [
        "demo/shop/assets/bronze.py",  # an asset module
        "demo/shop/dbt/models/gold/customer_orders.sql",  # a dbt model
        "demo/shop/dbt/models/gold/_gold.yml",  # a dbt YAML file
        "demo/shop/dbt/dbt_project.yml",
    ],
)
def test_an_asset_module_or_dbt_file_alone_triggers_its_floe_yaml(
    changed: str, user_repo: Path, try_repo: Callable[..., HookRun]
) -> None:
    """Only that file changed: floe-compile checks demo/shop/floe.yaml, once, without dbt."""
    with (user_repo / changed).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    result = try_repo(user_repo, "floe-compile", changed)
    assert result.code == 0, result.output
    assert "floe compile --check" in result.output and "Passed" in result.output
    assert result.output.count("floe: prod: ") == 1, result.output
    assert "checked, nothing written" in result.output
    assert "warning: no dbt manifest" in result.output  # dbt was not run


def test_a_broken_dbt_model_fails_the_hook_only_when_asked_to_parse(
    user_repo: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    """Without `args: [--dbt-parse]` the hook never runs dbt (a broken model passes);
    with it, the `dbt` on PATH parses and the commit is refused with dbt's reason."""
    from tests.helpers.snapshot import git
    from tests.hooks.conftest import _pre_commit

    model = "demo/shop/dbt/models/gold/customer_orders.sql"
    (user_repo / model).write_text("select {{ ref('no_such_model') }}\n", encoding="utf-8")
    rev = git(hook_repo, "rev-parse", "HEAD")
    hooks = "    hooks:\n      - id: floe-compile\n"
    config = f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n{hooks}"
    (user_repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    result = _pre_commit(user_repo, pre_commit_home, "run", "floe-compile", "--files", model)
    assert result.code == 0, result.output
    (user_repo / ".pre-commit-config.yaml").write_text(
        config + "        args: [--dbt-parse]\n", encoding="utf-8"
    )
    dbt_on_path = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = _pre_commit(
        user_repo, pre_commit_home, "run", "floe-compile", "--files", model, env=dbt_on_path
    )
    assert result.code == 1, result.output
    assert "dbt parse failed" in result.output and "no_such_model" in result.output


def test_files_outside_floe_and_dbt_are_not_checked(
    user_repo: Path, try_repo: Callable[..., HookRun]
) -> None:
    """A workflow file and a YAML file beside floe.yaml (not in a dbt project) check nothing."""
    workflow = user_repo / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\n", encoding="utf-8")
    (user_repo / "demo" / "shop" / "notes.yml").write_text("a: 1\n", encoding="utf-8")
    result = try_repo(user_repo, "floe-compile", ".github/workflows/ci.yml", "demo/shop/notes.yml")
    assert result.code == 0, result.output
    assert "floe: " not in result.output


def test_strict_arg_fails_the_hook_on_a_warning(
    user_repo: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    """`args: [--strict]` in .pre-commit-config.yaml: a warning about the project fails
    floe-compile, naming the place; "no dbt manifest" (offline, a limit of the hook) does not."""
    from tests.helpers.snapshot import git
    from tests.hooks.conftest import _pre_commit

    floe_yaml = user_repo / CONFIG
    text = floe_yaml.read_text(encoding="utf-8")
    text = text.replace(
        'bronze_refresh: {type: batch, selection: ["group:bronze"]}',
        'bronze_refresh: {type: batch, selection: ["group:bronze"], description: "${NOTE:a}"}',
    ).replace("vacuum:\n", 'vacuum:\n      description: "${NOTE:b}"\n', 1)
    floe_yaml.write_text(text, encoding="utf-8")
    rev = git(hook_repo, "rev-parse", "HEAD")
    config = (
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n"
        "    hooks:\n      - id: floe-compile\n        args: [--strict]\n"
    )
    (user_repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    result = _pre_commit(user_repo, pre_commit_home, "run", "floe-compile", "--files", CONFIG)
    assert result.code == 1, result.output
    assert re.search(
        r"demo/shop/floe\.yaml:\d+:\d+: error: variable NOTE is unset and its defaults differ "
        r"between uses \(a warning; --strict makes it an error\)",
        result.output,
    ), result.output
    assert "warning: no dbt manifest" in result.output
