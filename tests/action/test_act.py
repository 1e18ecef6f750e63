"""floe's composite Action run by the real ``act`` on a temporary repository holding the demo.

Issue 10's acceptance list, one test each: the first run comments the real change (with its
outputs and per-environment artifacts); a push updates the same comment; a read-only token
ends green with the summary and a warning; an invalid head fails and annotates file and line;
the fork-safe compute -> publish pair comments once.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.action.conftest import PR, READ_TOKEN, REPOSITORY, UserRepo
from tests.helpers.snapshot import commit

pytestmark = pytest.mark.act

CRON_OLD = "BRONZE_CRON=0 5 * * *"
CRON_NEW = "BRONZE_CRON=0 4 * * *"


def floe_comments(github: Any) -> list[dict[str, Any]]:
    return [c for c in github.comments if c["body"].startswith("<!-- floe:review ")]


def shown(markdown: str) -> str:
    """What a reader sees: the review escapes markdown characters as HTML entities."""
    return html.unescape(markdown)


def test_pr_run_comments_the_change_and_uploads_each_environment(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    head = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head)
    run = act(user_repo)
    assert run.code == 0, run.log[-6000:]

    (comment,) = floe_comments(github)
    assert comment["issue_url"].endswith(f"/repos/{REPOSITORY}/issues/{PR}")
    assert "0 5 * * * → 0 4 * * *" in re.sub(r"</?code>", "", shown(comment["body"]))
    assert json.loads(run.outputs["changed-envs"]) == ["prod"], run.outputs
    assert run.outputs["valid"] == "true" and run.outputs["changed"] == "true"
    assert run.outputs["truncated"] == "false"
    assert run.outputs["comment-url"] == comment["html_url"]
    for name in ("artifacts-dir", "diff-path", "summary-path"):
        assert run.outputs[name].startswith("/"), run.outputs
    assert "Summary - " in run.log  # act echoes what the step wrote to the job summary

    for env in ("dev", "staging", "prod"):
        bundle = run.artifacts / f"floe-artifacts-{env}"
        artifact = json.loads((bundle / "compiled_artifacts.json").read_text())
        assert artifact["environment"] == env
    prod = json.loads(
        (run.artifacts / "floe-artifacts-prod" / "compiled_artifacts.json").read_text()
    )
    assert "0 4 * * *" in json.dumps(prod["orchestration"]["schedules"])


def test_a_new_push_updates_the_same_comment(user_repo: UserRepo, act: Any, github: Any) -> None:
    first = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, first)
    assert act(user_repo).code == 0
    (created,) = [dict(c) for c in floe_comments(github)]  # the server edits its own dicts

    second = user_repo.edit(
        "environments/staging.env",
        "SCHEDULES_ENABLED=false",
        "SCHEDULES_ENABLED=true",
        "staging: schedules on",
    )
    github.set_head(PR, second)
    run = act(user_repo)
    assert run.code == 0, run.log[-6000:]
    (updated,) = floe_comments(github)
    assert updated["id"] == created["id"]
    assert updated["body"] != created["body"]
    assert "**<code>staging</code>** · schedule" in updated["body"], updated["body"]
    assert second in updated["body"].splitlines()[0]  # the marker names the new head
    writes = [c for c in github.calls if c[0] in ("POST", "PATCH")]
    assert [c[0] for c in writes] == ["POST", "PATCH"], writes


def test_a_read_only_token_ends_green_with_the_summary_and_a_warning(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    head = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head)
    run = act(user_repo, token=READ_TOKEN)
    assert run.code == 0, run.log[-6000:]
    assert floe_comments(github) == []
    assert run.annotations("warning"), run.log[-6000:]
    assert "Summary - " in run.log and "0 4 * * *" in shown(run.log)
    assert run.outputs["comment-url"] == ""
    assert run.outputs["changed"] == "true"


def test_an_invalid_head_fails_and_annotates_file_and_line(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    head = user_repo.edit("floe.yaml", "job: bronze_refresh\n", "job: bronze_refesh\n", "typo")
    github.add_pull(PR, head)
    line = next(
        n
        for n, text in enumerate((user_repo.shop / "floe.yaml").read_text().splitlines(), 1)
        if "bronze_refesh" in text
    )
    run = act(user_repo)
    assert run.code != 0, run.log[-6000:]
    assert any(
        re.match(rf"::error file=demo/shop/floe\.yaml,line={line},col=\d+", a)
        for a in run.annotations("error")
    ), run.annotations("error")
    assert run.outputs["valid"] == "false"
    assert not list(run.artifacts.glob("floe-artifacts-*"))
    (comment,) = floe_comments(github)  # the reviewer sees the errors on the PR
    assert "bronze_refesh" in comment["body"]


def test_compute_then_publish_comments_once(user_repo: UserRepo, act: Any, github: Any) -> None:
    head = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head, ref="feature")
    compute = act(user_repo, token=READ_TOKEN, FLOE_TEST_MODE="compute")
    assert compute.code == 0, compute.log[-6000:]
    assert floe_comments(github) == []
    handed = compute.artifacts / "floe-review"
    metadata = json.loads((handed / "metadata.json").read_text())
    assert metadata["head_sha"] == head and metadata["reviews"] == [{"report": "review-0.json"}]
    report = json.loads((handed / "review-0.json").read_text())
    assert report["changed"] is True  # data, not a rendered comment

    publish = act(user_repo, event="workflow_run")
    assert publish.code == 0, publish.log[-6000:]
    (comment,) = floe_comments(github)
    assert comment["issue_url"].endswith(f"/issues/{PR}")
    assert "0 4 * * *" in shown(comment["body"])
    assert "Computed by this pull request" in comment["body"]
    assert publish.outputs["comment-url"] == comment["html_url"]
    # the PR came from the event's head repository and branch, never from the uploaded file
    assert any("/pulls?state=open&head=acme:feature" in c[1] for c in github.calls)

    again = act(user_repo, event="workflow_run")
    assert again.code == 0 and len(floe_comments(github)) == 1


def test_a_fork_pr_is_commented_by_the_publish_half(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    """A fork's PR: GitHub lists it under no commits/{sha}/pulls (the fake answers so too), and
    the fork controls what compute uploads. publish binds the PR by the event's head repository
    + branch + sha, re-renders the data, and posts none of the fork's markup."""
    user_repo.head_repository = "mallory/demo"
    head = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head, head_repo="mallory/demo", ref="feature")
    github.add_pull(PR + 1, head, ref="feature")  # the same sha on a base branch: not this run's
    compute = act(user_repo, token=READ_TOKEN, FLOE_TEST_MODE="compute")
    assert compute.code == 0, compute.log[-6000:]
    report = compute.artifacts / "floe-review" / "review-0.json"
    forged = json.loads(report.read_text())
    forged["notes"] = ["no changes ✅ ![x](https://evil.example/a.png) @admins"]
    report.write_text(json.dumps(forged))  # what a hostile compute job could upload

    publish = act(user_repo, event="workflow_run")
    assert publish.code == 0, publish.log[-6000:]
    (comment,) = floe_comments(github)
    assert comment["issue_url"].endswith(f"/issues/{PR}")
    body = comment["body"]
    assert "![x](" not in body and "@admins" not in body
    assert "0 4 * * *" in shown(body) and "Computed by this pull request" in body
    assert any("/pulls?state=open&head=mallory:feature" in c[1] for c in github.calls)


def test_a_pr_that_changes_nothing_gets_no_comment(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    """comment: auto never spams: no change and no earlier floe comment means no comment."""
    head = user_repo.edit("assets/ops.py", '"""', '"""A comment-only edit.\n', "docs only")
    github.add_pull(PR, head)
    run = act(user_repo)
    assert run.code == 0, run.log[-6000:]
    assert floe_comments(github) == []
    assert run.outputs["changed"] == "false" and run.outputs["changed-envs"] == "[]"
    assert "no change and no earlier comment" in run.log


def test_a_monorepo_gets_one_comment_per_config_and_fails_on_diff(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    second = user_repo.add_copy("teams/shop")
    user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    head = user_repo.edit(
        "../../teams/shop/environments/staging.env",
        "SCHEDULES_ENABLED=false",
        "SCHEDULES_ENABLED=true",
        "teams: staging schedules on",
    )
    github.add_pull(PR, head)
    run = act(user_repo, FLOE_TEST_CONFIG="**/floe.yaml", FLOE_TEST_FAIL_ON_DIFF="true")
    assert run.code != 0, run.log[-6000:]
    assert any("fail-on-diff" in a for a in run.annotations("error")), run.annotations("error")
    bodies = {marker_config(c["body"]): c["body"] for c in floe_comments(github)}
    assert set(bodies) == {"demo/shop/floe.yaml", f"{second}"}, bodies
    assert "0 4 * * *" in shown(bodies["demo/shop/floe.yaml"])
    assert "**<code>staging</code>** · schedule" in bodies[second]
    assert json.loads(run.outputs["changed-envs"]) == ["demo-shop/prod", "teams-shop/staging"]
    uploaded = sorted(p.name for p in run.artifacts.iterdir())
    assert uploaded == sorted(
        f"floe-artifacts-{folder}-{env}"
        for folder in ("demo-shop", "teams-shop")
        for env in ("dev", "prod", "staging")
    )


def test_the_self_test_workflow_runs_the_action_from_its_own_checkout(
    tmp_path: Path, action_source: Path, act: Any, github: Any
) -> None:
    """.github/workflows/self-test.yml: `uses: ./`, dbt parse on, its own checks of the
    outputs and of every environment's artifact and manifest."""
    repo = UserRepo(tmp_path / "floe", floe_checkout=action_source)
    head = repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head)
    run = act(repo, workflow=".github/workflows/self-test.yml")
    assert run.code == 0, run.log[-6000:]
    assert "Success - Main Outputs are set and the artifacts exist" in run.log
    (comment,) = floe_comments(github)
    assert "0 4 * * *" in shown(comment["body"])
    for env in ("dev", "staging", "prod"):  # dbt parse on (the default): the manifest ships
        bundle = run.artifacts / f"floe-artifacts-{env}"
        assert (bundle / "manifest.json").is_file(), f"{env}: dbt parse gave no manifest"
        artifact = json.loads((bundle / "compiled_artifacts.json").read_text())
        assert any(a["kind"] == "dbt" for a in artifact["asset_graph"]["assets"]), env


def marker_config(body: str) -> str:
    from floe_runtime.review import marker

    found = marker.parse(body)
    assert found is not None
    return found.config


def test_hostile_folder_names_run_no_workflow_command_and_no_option(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    """A PR adds a folder whose name holds line breaks and workflow commands, and one named
    like an option. On 3fb24f5 the first printed `::set-output` / `::add-mask::` lines and the
    second became `floe --out=x`. Now the first is refused by name, the second is a path."""
    evil = user_repo.shop.parent / "evil\n::set-output name=valid::injected\n::add-mask::floe"
    evil.mkdir()
    (evil / "floe.yaml").write_text("name: evil\nversion: '1'\norchestration: {}\n")
    option = user_repo.add_copy("--out=x")
    head = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head)
    run = act(user_repo, FLOE_TEST_CONFIG="**/floe.yaml")
    # The copy under --out=x is reviewed as a path (its package name is not importable, so it
    # is invalid and fails the step: what matters is that it is a config, not an option).
    assert run.outputs["valid"] == "false", run.outputs  # not "injected"
    assert "its path holds control characters" in run.log
    assert "floe: demo/shop" in run.log  # 'floe' was not masked by the folder's add-mask
    configs = sorted(marker_config(c["body"]) for c in floe_comments(github))
    assert configs == sorted(["demo/shop/floe.yaml", option])
    assert not (user_repo.root / "x").exists()


def test_an_output_folder_the_pr_committed_as_a_symlink_is_refused(
    user_repo: UserRepo, act: Any, github: Any, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched")
    (user_repo.root / "floe-output").symlink_to(outside)
    head = commit(user_repo.root, "a floe-output symlink")
    github.add_pull(PR, head)
    run = act(user_repo, FLOE_TEST_OUTPUT_DIR="floe-output")
    assert run.code != 0
    assert any("is a symlink" in a for a in run.annotations("error")), run.log[-4000:]
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert (outside / "keep.txt").read_text() == "untouched"
    assert floe_comments(github) == []


def test_pull_request_target_in_mode_all_is_refused(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    head = user_repo.edit("environments/prod.env", CRON_OLD, CRON_NEW, "prod: bronze at 04:00")
    github.add_pull(PR, head)
    run = act(user_repo, event="pull_request_target")
    assert run.code != 0
    assert any("pull_request_target" in a for a in run.annotations("error")), run.log[-4000:]
    assert floe_comments(github) == []


def test_a_github_that_keeps_failing_ends_the_step_with_a_message_not_a_traceback(
    user_repo: UserRepo, act: Any, github: Any
) -> None:
    """On 3fb24f5 action/gh.py's GitHubError escaped main.py: a traceback and no outputs."""
    head = user_repo.edit("assets/ops.py", '"""', '"""A comment-only edit.\n', "docs only")
    github.add_pull(PR, head)
    github.inject("GET", r"/issues/7/comments", 502, times=50)  # comment: auto lists them
    run = act(user_repo)
    assert "Traceback" not in run.log, run.log[-6000:]
    assert "GitHub: GET /repos/acme/shop/issues/7/comments: HTTP 502" in run.log
    assert run.outputs["valid"] == "true" and run.outputs["changed"] == "false"
    assert floe_comments(github) == []
