"""`floe review` on real git repositories holding the demo: base commit, change, head commit.

Each scenario compiles both sides with a real `dbt parse` (the review's default) and compares
the comment body with a golden file under tests/review/golden/, read by eye when it changes
(regenerate with FLOE_UPDATE_GOLDEN=1). Goldens hold no machine paths and no commit shas.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.review import marker
from tests.helpers.paths import REPO
from tests.helpers.results import Result

DEMO = REPO / "demo" / "shop"
GOLDEN = Path(__file__).parent / "golden"
NOW = "2026-12-01T10:00:00+00:00"
CONFIG = "shop/floe.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "floe test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "floe test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return proc.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def copy_demo(repo: Path) -> None:
    shutil.copytree(
        DEMO,
        repo / "shop",
        ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*", "__pycache__", ".user.yml"),
    )


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    """A repository whose main branch holds the demo, checked out on a feature branch."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    copy_demo(repo)
    commit(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "feature")
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def review(
    floe: Callable[..., Result], repo: Path, base: str = "main"
) -> tuple[Result, dict[str, Any]]:
    result = floe(
        "review", "--base", base, "--config", CONFIG, "--now", NOW, "--out", "out", cwd=repo
    )
    assert (repo / "out" / "review.json").is_file(), result.text
    report = json.loads((repo / "out" / "review.json").read_text(encoding="utf-8"))
    return result, report


def dbt_runs(result: Result) -> list[str]:
    """floe's progress lines for the parses dbt ran."""
    return [line for line in result.err.splitlines() if "dbt parse --target" in line]


def body(repo: Path) -> str:
    return (repo / "out" / "review.md").read_text(encoding="utf-8")


def check_golden(repo: Path, name: str) -> str:
    """The comment body equals the golden file, once the head sha is normalized."""
    text = body(repo)
    found = marker.parse(text)
    assert found is not None and found.config == CONFIG
    assert found.hash == marker.content_hash(text)
    normalized = re.sub(r'"head": "[0-9a-f]{40}"', '"head": "HEAD_SHA"', text)
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("FLOE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(normalized, encoding="utf-8")
    assert normalized == golden.read_text(encoding="utf-8"), f"review.md differs from {golden}"
    assert str(repo) not in text and "/tmp" not in text
    return text


def test_cron_changed_in_prod_only(floe: Callable[..., Result], demo_repo: Path) -> None:
    edit(
        demo_repo / "shop/environments/prod.env",
        "BRONZE_CRON=0 5 * * *",
        "BRONZE_CRON=30 4 * * 1-5",
    )
    head = commit(demo_repo, "prod: load bronze earlier on weekdays")
    result, report = review(floe, demo_repo)
    assert result.code == 0, result.text
    assert report["valid"] and report["changed"] and report["changed_envs"] == ["prod"]
    assert report["head"] == head and report["config"] == CONFIG and not report["truncated"]
    prod = report["environments"]["prod"]
    (change,) = prod["changes"]
    assert (change["kind"], change["name"]) == ("schedule", "daily_bronze")
    assert change["fields"] == [
        {"field": "cron_schedule", "old": "0 5 * * *", "new": "30 4 * * 1-5"}
    ]
    # Tuesday 1 Dec 2026, 10:00 UTC: the next weekday 04:30 in Berlin (CET) is Wednesday.
    assert prod["ticks"][0]["ticks"] == [
        "2026-12-02 04:30 CET",
        "2026-12-03 04:30 CET",
        "2026-12-04 04:30 CET",
    ]
    assert report["environments"]["dev"]["state"] == "unchanged"
    text = check_golden(demo_repo, "cron_prod_only")
    assert "<details open><summary><b><code>prod</code></b>" in text
    assert "<details><summary><b><code>dev</code></b>" in text
    full = (demo_repo / "out" / "full.md").read_text(encoding="utf-8")
    assert marker.strip(text) == full
    # The dbt project is the same at the base: dbt parses once per target, for the head.
    assert sorted(dbt_runs(result)) == [
        "floe: head: dev: dbt parse --target dev",
        "floe: head: prod: dbt parse --target prod",
        "floe: head: staging: dbt parse --target staging",
    ], result.err
    for env in ("dev", "prod", "staging"):
        assert f"floe: base: {env}: nothing dbt reads differs from the head's parse" in result.err


def test_add_job(floe: Callable[..., Result], demo_repo: Path) -> None:
    edit(
        demo_repo / "shop/floe.yaml",
        "    notify: {type: ops",
        '    finance: {type: batch, selection: ["+key:revenue_daily"]}\n    notify: {type: ops',
    )
    commit(demo_repo, "finance job")
    result, report = review(floe, demo_repo)
    assert result.code == 0, result.text
    assert report["changed_envs"] == ["dev", "prod", "staging"]
    # The external raw/exchange_rates is upstream of revenue_daily but not materializable.
    assert report["environments"]["prod"]["job_assets"] == [
        {
            "job": "finance",
            "old": 0,
            "new": 5,
            "added": [
                "bronze_orders",
                "bronze_payments",
                "revenue_daily",
                "stg_orders",
                "stg_payments",
            ],
            "removed": [],
        }
    ]
    check_golden(demo_repo, "add_job")


def test_enable_schedule_in_staging(floe: Callable[..., Result], demo_repo: Path) -> None:
    edit(
        demo_repo / "shop/environments/staging.env",
        "SCHEDULES_ENABLED=false",
        "SCHEDULES_ENABLED=true",
    )
    commit(demo_repo, "staging: run the schedules")
    result, report = review(floe, demo_repo)
    assert result.code == 0, result.text
    assert report["changed_envs"] == ["staging"]
    assert report["environments"]["staging"]["statuses"] == [
        {"kind": "schedule", "name": "daily_bronze", "old": "STOPPED", "new": "RUNNING"},
        # the same variable turns on the automation sensor (orchestration.automation.enabled)
        {"kind": "sensor", "name": "floe_automation", "old": "STOPPED", "new": "RUNNING"},
    ]
    text = check_golden(demo_repo, "enable_schedule")
    assert "STOPPED → <b>RUNNING</b>" in text and "| STOPPED | **RUNNING** |" in text


def test_dbt_model_upstream_of_a_job(floe: Callable[..., Result], demo_repo: Path) -> None:
    models = demo_repo / "shop/dbt/models"
    (models / "gold/customer_payments.sql").write_text(
        "select order_id, sum(amount_eur) as paid_eur\n"
        "from {{ ref('stg_payments') }}\ngroup by order_id\n",
        encoding="utf-8",
    )
    edit(
        models / "gold/customer_orders.sql",
        "left join {{ ref('tmp_order_totals') }} as t",
        "left join {{ ref('tmp_order_totals') }} as t\n"
        "    on c.customer_id = t.customer_id\n"
        "left join {{ ref('customer_payments') }} as p",
    )
    edit(models / "gold/customer_orders.sql", "    on c.customer_id = t.customer_id\n", "")
    commit(demo_repo, "customer_orders: payments")
    result, report = review(floe, demo_repo)
    assert result.code == 0, result.text
    prod = report["environments"]["prod"]
    added = [c["name"] for c in prod["changes"] if c["kind"] == "asset" and c["action"] == "added"]
    assert added == ["customer_payments"]
    changed = [c for c in prod["changes"] if c["kind"] == "asset" and c["action"] == "changed"]
    assert [(c["name"], c["fields"][0]["field"]) for c in changed] == [("customer_orders", "deps")]
    gold = next(j for j in prod["job_assets"] if j["job"] == "gold_pipeline")
    assert (gold["old"], gold["new"]) == (7, 8)
    assert gold["added"] == ["customer_payments"]
    text = check_golden(demo_repo, "dbt_model_upstream")
    assert "```mermaid" in text
    assert len(dbt_runs(result)) == 6, result.err  # the dbt project differs: both sides parse
    assert "reusing" not in result.err


def test_invalid_head(floe: Callable[..., Result], demo_repo: Path) -> None:
    edit(
        demo_repo / "shop/floe.yaml",
        "      job: bronze_refresh\n      cron",
        "      job: bronze_refesh\n      cron",
    )
    commit(demo_repo, "typo")
    result, report = review(floe, demo_repo)
    assert result.code == 1
    assert not report["valid"]
    errors = report["environments"]["prod"]["errors"]
    assert errors and errors[0].startswith("shop/floe.yaml:37:12: unknown job"), errors
    assert "bronze_refesh" in errors[0]
    text = check_golden(demo_repo, "invalid_head")
    assert "❌ invalid" in text


def test_first_pr(floe: Callable[..., Result], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "README.md").write_text("shop\n", encoding="utf-8")
    commit(repo, "initial")
    git(repo, "checkout", "--quiet", "-b", "feature")
    copy_demo(repo)
    commit(repo, "add floe")
    result, report = review(floe, repo)
    assert result.code == 0, result.text
    assert report["changed_envs"] == ["dev", "prod", "staging"]
    assert {e["state"] for e in report["environments"].values()} == {"added"}
    text = check_golden(repo, "first_pr")
    assert "No floe.yaml at the base: everything is new." in text


def test_shallow_clone(floe: Callable[..., Result], demo_repo: Path, tmp_path: Path) -> None:
    """A CI-like clone (depth 1, the PR branch only) fetches the base and finds the merge base."""
    git(demo_repo, "checkout", "--quiet", "main")
    (demo_repo / "NOTES.md").write_text("main moved on\n", encoding="utf-8")
    commit(demo_repo, "main moves on")
    git(demo_repo, "checkout", "--quiet", "feature")
    edit(
        demo_repo / "shop/environments/prod.env",
        "BRONZE_CRON=0 5 * * *",
        "BRONZE_CRON=30 4 * * 1-5",
    )
    commit(demo_repo, "prod: load bronze earlier on weekdays")
    commit(demo_repo, "another commit on the branch")
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{demo_repo}",
        str(clone),
    )
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    result, report = review(floe, clone, "origin/main")
    assert result.code == 0, result.text
    assert report["changed_envs"] == ["prod"]
    assert report["base"] == git(demo_repo, "merge-base", "main", "feature")
    check_golden(clone, "cron_prod_only")


def small_project(folder: Path, cron: str) -> None:
    """A floe.yaml without dbt (fast): one Python asset, one job, one schedule."""
    package = folder / folder.name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "assets.py").write_text(
        "from dagster import asset\n\n\n@asset(group_name='bronze')\ndef orders() -> None:\n"
        "    pass\n",
        encoding="utf-8",
    )
    (folder / "floe.yaml").write_text(
        f"name: {folder.name}\nversion: '1'\norchestration:\n"
        f"  asset_modules: [{folder.name}.assets]\n"
        "  jobs:\n    load: {type: batch, selection: ['group:bronze']}\n"
        f"  schedules:\n    nightly: {{job: load, cron_schedule: '{cron}', enabled: true}}\n",
        encoding="utf-8",
    )


def test_monorepo_one_section_per_config(floe: Callable[..., Result], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    small_project(repo / "team_a", "0 1 * * *")
    small_project(repo / "team_b", "0 2 * * *")
    commit(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "feature")
    small_project_cron = repo / "team_b" / "floe.yaml"
    edit(small_project_cron, "0 2 * * *", "0 3 * * *")
    # Not committed: the review compiles the working tree.
    result = floe(
        "review",
        "--base",
        "main",
        "--config",
        "team_a/floe.yaml",
        "--config",
        "team_b/floe.yaml",
        "--now",
        NOW,
        cwd=repo,
    )
    assert result.code == 0, result.text
    out = repo / "dist" / "floe-review"
    report = json.loads((out / "review.json").read_text(encoding="utf-8"))
    assert report["config"] == "team_a/floe.yaml;team_b/floe.yaml"
    assert report["changed_envs"] == ["default"]
    assert report["environments"]["team_a/floe.yaml:default"]["state"] == "unchanged"
    assert report["environments"]["team_b/floe.yaml:default"]["state"] == "changed"
    text = (out / "review.md").read_text(encoding="utf-8")
    assert text.index("### <code>team_a/floe.yaml</code>") < text.index(
        "### <code>team_b/floe.yaml</code>"
    )
    assert "2026-12-02 03:00 UTC" in text


def test_the_review_page_shows_a_golden() -> None:
    page = (REPO / "docs" / "review.md").read_text(encoding="utf-8")
    assert (GOLDEN / "enable_schedule.md").read_text(encoding="utf-8") in page


def test_outside_git_is_a_clear_error(floe: Callable[..., Result], tmp_path: Path) -> None:
    result = floe("review", cwd=tmp_path)
    assert result.code == 1 and "not inside a git repository" in result.err


def test_ci_checkout_of_a_merge_commit(floe: Callable[..., Result], tmp_path: Path) -> None:
    """Like actions/checkout on a pull_request: only the PR's merge commit, depth 1, detached.
    The base branch and enough history are fetched; the merge base is the base branch's tip."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "--quiet", "--initial-branch=main")
    small_project(upstream / "team_a", "0 1 * * *")
    commit(upstream, "base")
    git(upstream, "checkout", "--quiet", "-b", "feature")
    edit(upstream / "team_a" / "floe.yaml", "0 1 * * *", "0 4 * * *")
    for message in ("cron", "more", "and more"):
        commit(upstream, message)
    git(upstream, "checkout", "--quiet", "main")
    for message in ("main 1", "main 2"):
        commit(upstream, message)
    tip = git(upstream, "rev-parse", "HEAD")
    git(upstream, "merge", "--quiet", "--no-ff", "feature", "-m", "merge")
    git(upstream, "update-ref", "refs/pull/1/merge", "HEAD")
    git(upstream, "reset", "--quiet", "--hard", tip)
    clone = tmp_path / "clone"
    clone.mkdir()
    git(clone, "init", "--quiet")
    git(clone, "remote", "add", "origin", f"file://{upstream}")
    git(clone, "fetch", "--quiet", "--depth=1", "origin", "+refs/pull/1/merge:refs/remotes/pull/1")
    git(clone, "checkout", "--quiet", "--detach", "refs/remotes/pull/1")
    result = floe(
        "review", "--base", "main", "--config", "team_a/floe.yaml", "--now", NOW, cwd=clone
    )
    assert result.code == 0, result.text
    report = json.loads((clone / "dist/floe-review/review.json").read_text(encoding="utf-8"))
    assert report["base"] == tip and report["changed_envs"] == ["default"]
    (change,) = report["environments"]["default"]["changes"]
    assert change["fields"] == [{"field": "cron_schedule", "old": "0 1 * * *", "new": "0 4 * * *"}]


def test_unwritable_out_is_a_clear_error(floe: Callable[..., Result], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    small_project(repo / "team_a", "0 1 * * *")
    commit(repo, "base")
    (repo / "blocked").write_text("a file, not a folder\n", encoding="utf-8")
    result = floe(
        "review", "--base", "main", "--config", "team_a/floe.yaml", "--out", "blocked/x", cwd=repo
    )
    assert result.code == 1 and "blocked/x: cannot create the output folder" in result.err
