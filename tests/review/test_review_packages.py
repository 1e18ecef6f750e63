"""`floe review` on a dbt project that uses a dbt package installed into a gitignored
`dbt_packages/` (dbt's default): the clean worktree of the base has no packages, yet the review
compares the real change. Real git, real `dbt deps` (a `local:` package works offline) and real
`dbt parse` on both sides.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.compile.dbt_parse import dbt_executable
from tests.helpers.results import Result
from tests.review.test_review_git import NOW, commit, git

CONFIG = "proj/floe.yaml"
LOCAL_PACKAGE = "packages:\n  - local: ../../pkg\n"

pytestmark = pytest.mark.skipif(dbt_executable() is None, reason="needs dbt")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def dbt_deps(project: Path) -> None:
    dbt = dbt_executable()
    assert dbt is not None
    subprocess.run(
        [dbt, "deps", "--project-dir", str(project)],
        cwd=project,
        check=True,
        capture_output=True,
        env={"PATH": str(Path(dbt).parent), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: a dbt model that calls a macro of a local package (packages installed, ignored);
    checked out on a feature branch."""
    repo = tmp_path / "repo"
    write(repo / "pkg/dbt_project.yml", 'name: helpers\nversion: "1.0.0"\nconfig-version: 2\n')
    write(repo / "pkg/macros/double.sql", "{% macro double(x) %}({{ x }} * 2){% endmacro %}\n")
    dbt = repo / "proj/dbt"
    write(
        dbt / "dbt_project.yml", 'name: shop\nversion: "1.0.0"\nconfig-version: 2\nprofile: shop\n'
    )
    write(
        dbt / "profiles.yml",
        "shop:\n  target: dev\n  outputs:\n"
        "    dev: {type: duckdb, path: shop.duckdb, threads: 1}\n",
    )
    write(dbt / "packages.yml", LOCAL_PACKAGE)
    write(dbt / "models/first.sql", "select {{ double(1) }} as n\n")
    write(repo / ".gitignore", "dbt_packages/\ntarget/\nlogs/\nout/\n")
    write(repo / "proj/proj/__init__.py", "")
    write(
        repo / "proj/proj/assets.py",
        "from dagster import asset\n\n\n@asset(group_name='bronze')\ndef orders() -> None:\n"
        "    pass\n",
    )
    write(
        repo / CONFIG,
        "name: shop\nversion: '1'\norchestration:\n  asset_modules: [proj.assets]\n"
        "  dbt: {project_dir: dbt}\n"
        "  jobs:\n    everything: {type: batch, selection: ['*']}\n",
    )
    git(repo, "init", "--quiet", "--initial-branch=main")
    dbt_deps(dbt)  # writes package-lock.yml, committed as dbt advises
    commit(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "feature")
    assert (dbt / "dbt_packages").exists() and "dbt_packages" not in git(repo, "ls-files")
    return repo


def review(
    floe: Callable[..., Result], repo: Path, *extra: str
) -> tuple[Result, dict[str, Any], str]:
    result = floe(
        "review",
        "--base",
        "main",
        "--config",
        CONFIG,
        "--now",
        NOW,
        "--out",
        "out",
        *extra,
        cwd=repo,
    )
    out = repo / "out"
    assert (out / "review.json").is_file(), result.text
    report = json.loads((out / "review.json").read_text(encoding="utf-8"))
    return result, report, (out / "review.md").read_text(encoding="utf-8")


def test_unchanged_packages_reuse_the_heads_install(
    floe: Callable[..., Result], repo: Path
) -> None:
    write(repo / "proj/dbt/models/second.sql", "select {{ double(2) }} as n\n")
    commit(repo, "a second model")
    result, report, body = review(floe, repo)
    assert result.code == 0, result.text
    env = report["environments"]["default"]
    assert env["state"] == "changed" and env["base_errors"] == []
    changes = {(c["kind"], c["name"], c["action"]) for c in env["changes"]}
    assert changes == {("asset", "second", "added")}, body  # not "everything is new"
    assert "🆕 new" not in body
    assert report["base_dbt_packages"]["done"] == [
        "proj/dbt: reused the head's dbt_packages/ (package files unchanged)"
    ]
    assert not (repo / "proj/dbt/dbt_packages").is_symlink()  # the user's checkout untouched


def test_changed_packages_are_installed_from_the_bases_own_files(
    floe: Callable[..., Result], repo: Path
) -> None:
    write(repo / "pkg2/dbt_project.yml", 'name: more\nversion: "1.0.0"\nconfig-version: 2\n')
    write(repo / "proj/dbt/packages.yml", LOCAL_PACKAGE + "  - local: ../../pkg2\n")
    dbt_deps(repo / "proj/dbt")
    write(repo / "proj/dbt/models/second.sql", "select 2 as n\n")
    commit(repo, "a second package and model")
    result, report, body = review(floe, repo)
    assert result.code == 0, result.text
    env = report["environments"]["default"]
    assert {c["name"] for c in env["changes"]} == {"second"}, body
    assert report["base_dbt_packages"]["done"] == [
        "proj/dbt: installed the base's packages with dbt deps"
    ]


def test_a_base_that_cannot_compile_says_why(floe: Callable[..., Result], repo: Path) -> None:
    """The base needs a hub package (no network here): dbt deps fails, so does the parse; the
    review keeps the head's view and says why, in the body and in review.json."""
    git(repo, "checkout", "--quiet", "main")
    write(
        repo / "proj/dbt/packages.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n",
    )
    (repo / "proj/dbt/package-lock.yml").unlink()
    commit(repo, "a hub package")
    git(repo, "checkout", "--quiet", "feature")
    git(repo, "merge", "--quiet", "--no-edit", "main")
    write(repo / "proj/dbt/packages.yml", LOCAL_PACKAGE)  # the head goes back to local
    commit(repo, "local again")
    result, report, body = review(floe, repo)
    assert result.code == 0, result.text  # the head compiles
    env = report["environments"]["default"]
    assert env["state"] == "added"
    (error,) = env["base_errors"]
    assert 'Run "dbt deps"' in error and error.startswith("proj/floe.yaml:5:")
    (failed,) = report["base_dbt_packages"]["failed"]
    assert failed.startswith("proj/dbt: dbt deps failed") and "hub.getdbt.com" in failed
    assert "Traceback" not in failed and str(repo) not in failed
    assert "The base does not compile in default (1 error)" in body
    assert "Run &#34;dbt deps&#34;" in body  # the real error text, through the escaper
    assert "dbt deps failed" in body
    assert any("dbt deps failed" in note for note in report["notes"])


def test_no_dbt_parse_marks_job_lists(floe: Callable[..., Result], repo: Path) -> None:
    write(repo / "proj/dbt/models/second.sql", "select 2 as n\n")
    commit(repo, "a second model")
    result, report, body = review(floe, repo, "--no-dbt-parse")
    assert result.code == 0, result.text
    assert report["environments"]["default"]["without_dbt_graph"] is True
    assert "computed without the dbt graph (no dbt manifest in default)" in body
