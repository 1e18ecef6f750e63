"""floe's hooks as a user meets them: the real ``pre-commit try-repo`` in a git repository."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

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
    """The README's .pre-commit-config.yaml, installed by `pre-commit run`: base deps only."""
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


def test_files_that_are_not_floe_configs_are_not_checked(
    user_repo: Path, try_repo: Callable[..., HookRun]
) -> None:
    result = try_repo(user_repo, "floe-compile", "demo/shop/assets/bronze.py")
    assert result.code == 0, result.output
    assert "(no files to check)" in result.output


def test_strict_arg_fails_the_hook_on_a_warning(
    user_repo: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    """`args: [--strict]` in .pre-commit-config.yaml: a warning about the project fails
    floe-compile, naming the place; "no dbt manifest" (offline, a limit of the hook) does not."""
    from tests.hooks.conftest import _pre_commit
    from tests.snapshot import git

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
