"""Binding a workflow_run to its pull request, against the fake GitHub answering as GitHub does:
a fork's head commit is not listed by ``commits/{sha}/pulls``, so the run's head repository and
branch (from the trusted event) must find it, and only the pull whose head is exactly the run's
is taken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from floe_runtime.review.github import Client
from floe_runtime.review.pulls import bind
from tests.helpers.fake_github import FakeGitHub

SLUG = "octo/demo"
TOKEN = "t0ken"
HEAD = "a" * 40
OTHER = "b" * 40


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.tokens[TOKEN] = "floe-bot"
        yield fake


def _bind(gh: FakeGitHub, head_repository: str, branch: str, sha: str = HEAD) -> tuple:
    client = Client(gh.url, TOKEN)
    found = bind(
        client,
        repository=SLUG,
        head_repository=head_repository,
        head_branch=branch,
        head_sha=sha,
    )
    return found.number, found.reason


def test_a_fork_pull_is_not_listed_by_its_commit_but_is_bound_by_its_head(gh: FakeGitHub) -> None:
    gh.add_pull(7, HEAD, head_repo="mallory/demo", ref="main")
    client = Client(gh.url, TOKEN)
    assert client.get(f"/repos/{SLUG}/commits/{HEAD}/pulls") == []  # as GitHub answers forks
    assert _bind(gh, "mallory/demo", "main")[0] == 7
    assert any("pulls?state=open&head=mallory:main" in path for _, path in gh.calls)


def test_a_same_repository_pull_is_bound_too(gh: FakeGitHub) -> None:
    gh.add_pull(3, HEAD, ref="feature/x")
    assert _bind(gh, SLUG, "feature/x")[0] == 3


def test_only_the_pull_whose_head_is_the_run_is_taken(gh: FakeGitHub) -> None:
    # Same sha elsewhere (another fork's branch, a same-repo branch): not this run's pull.
    gh.add_pull(7, HEAD, head_repo="mallory/demo", ref="main")
    gh.add_pull(8, HEAD, ref="main")
    gh.add_pull(9, OTHER, head_repo="mallory/demo", ref="other")
    assert _bind(gh, "mallory/demo", "main")[0] == 7
    assert _bind(gh, SLUG, "main")[0] == 8


def test_a_moved_head_binds_nothing(gh: FakeGitHub) -> None:
    gh.add_pull(7, OTHER, head_repo="mallory/demo", ref="main")  # pushed again since the run
    number, reason = _bind(gh, "mallory/demo", "main")
    assert number is None
    assert "no open pull request has head mallory/demo:main at aaaaaaaaaaaa" in reason


def test_a_branch_with_special_characters_is_encoded_not_refused(gh: FakeGitHub) -> None:
    gh.add_pull(5, HEAD, head_repo="mallory/demo", ref="fix/a+b c&x=1")
    assert _bind(gh, "mallory/demo", "fix/a+b c&x=1")[0] == 5


def test_an_event_without_a_head_binds_nothing(gh: FakeGitHub) -> None:
    assert _bind(gh, "", "main")[0] is None
    assert _bind(gh, "mallory/demo", "")[0] is None
    assert _bind(gh, "mallory/demo", "main", sha="abc")[0] is None
    assert gh.calls == []
