"""``floe comment``: put ``review.md`` on the pull request as floe's one sticky comment.

stdout carries only the comment's URL (the Action's ``comment-url`` output); everything else
goes to stderr. Messages pass through the token scrubber before they are printed. Imports are
deferred so that registering the command costs ``floe --help`` nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from floe_runtime.base.errors import FloeError
from floe_runtime.base.output import github_data, printable
from floe_runtime.cli.common import progress

if TYPE_CHECKING:
    from floe_runtime.review.github import GitHubError

_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@click.command("comment")
@click.option("--pr", type=click.IntRange(min=1), required=True, help="Pull request number.")
@click.option("--repo", required=True, metavar="OWNER/NAME", help="Repository of the PR.")
@click.option(
    "--body",
    "body_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The comment body: review.md written by `floe review`.",
)
@click.option(
    "--token-env",
    default="GITHUB_TOKEN",
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the token.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be done; write nothing.")
@click.option("--config", help="The config path the comment is for (default: the body's marker).")
@click.option("--head", help="The head commit reviewed (default: the body's marker).")
def comment(
    *,
    pr: int,
    repo: str,
    body_path: Path,
    token_env: str,
    dry_run: bool,
    config: str | None,
    head: str | None,
) -> int:
    """Create or update floe's review comment on a pull request (one per config).

    Edits only comments written by the token's own identity; skips the write when the review
    is unchanged or when the PR has moved on to a newer head than this review's. A read-only
    token (pull requests from forks) gets a warning and the job summary instead, exit 0.
    """
    from floe_runtime.review import github, publish

    if not _REPO.fullmatch(repo):
        raise FloeError(f"--repo {repo!r} is not OWNER/NAME")
    if not _ENV_NAME.fullmatch(token_env):
        raise FloeError(f"--token-env {token_env!r} is not an environment variable name")
    token = os.environ.get(token_env, "")
    if not token:
        raise FloeError(f"no GitHub token: set {token_env} (or name another with --token-env)")
    body = _stamped(body_path, config, head, token)
    client = github.Client(github.api_base(os.environ), token)
    try:
        outcome = publish.publish(
            client,
            repo=repo,
            pr=pr,
            body=body,
            dry_run=dry_run,
            log=lambda message: progress(client.scrub(message)),
        )
    except github.GitHubError as error:
        if error.not_accessible:
            _read_only(pr, body)
            return 0
        raise FloeError(client.scrub(_explain(error))) from None
    if dry_run:
        where = f" {outcome.url}" if outcome.url else ""
        click.echo(client.scrub(f"{outcome.action}{where}: {outcome.reason}"))
        return 0
    gone = (
        f"; deleted duplicate(s) {', '.join(map(str, outcome.deleted))}" if outcome.deleted else ""
    )
    progress(client.scrub(f"comment {outcome.action}: {outcome.reason}{gone}"))
    if outcome.url:
        click.echo(client.scrub(" ".join(outcome.url.split())))
    return 0


def _stamped(path: Path, config: str | None, head: str | None, token: str) -> str:
    """The body with a fresh marker; refused when too long or when it holds a secret."""
    from floe_runtime.base.secrets import literal_secret_kind
    from floe_runtime.review import marker as markers
    from floe_runtime.review.budget import COMMENT_LIMIT, comment_length

    text = _read_body(path)
    found = markers.parse(text)
    config = config or (found.config if found else None)
    head = head or (found.head if found else None)
    if not config or not head:
        raise FloeError(
            f"{path}: no floe marker on the first line (is it `floe review`'s review.md?); "
            "pass --config and --head to comment a hand-made body"
        )
    if not _SHA.fullmatch(head):
        raise FloeError(f"head {head!r} is not a commit sha")
    try:
        body = markers.stamp(text, config=config, head=head)
    except ValueError:
        raise FloeError(f"config path {config[:80]!r}... is too long for the marker") from None
    if comment_length(body) > COMMENT_LIMIT:
        raise FloeError(
            f"{path}: {comment_length(body):,} characters with the marker, more than GitHub's "
            f"{COMMENT_LIMIT:,}; `floe review` keeps its review.md within the limit, so this "
            "body is hand-made or floe has a bug (please report it)"
        )
    lines = text.splitlines()
    for number, line in enumerate([*lines, config], start=1):
        kind = "the GitHub token" if token in line else literal_secret_kind(line)
        if kind:
            where = f"{path}:{number}" if number <= len(lines) else "the config path"
            raise FloeError(f"{where}: holds {kind}; refusing to post it on a PR")
    return body


def _read_body(path: Path) -> str:
    from floe_runtime.base import files
    from floe_runtime.review.budget import COMMENT_LIMIT

    # UTF-8 takes at most 4 bytes a character; GitHub counts characters.
    return files.read_text(path, COMMENT_LIMIT * 4, "the comment body")


def _explain(error: GitHubError) -> str:
    text = str(error)
    if error.status == 422 and "too long" in error.api_message.lower():
        text += (
            "; `floe review` keeps review.md within GitHub's limit, so this body is "
            "hand-made or floe has a bug (please report it)"
        )
    elif error.status == 401:
        text += "; the token is invalid or expired"
    elif error.status == 404:
        text += "; are --repo and --pr right, and may the token see that repository?"
    elif error.status == 403:
        text += "; does the workflow grant `pull-requests: write`?"
    return text


def _read_only(pr: int, body: str) -> None:
    """Fork PRs get a read-only token: the review goes to the job summary, with a warning."""
    from floe_runtime.review import marker as markers

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    where = "the job summary" if summary else "nowhere (GITHUB_STEP_SUMMARY is not set)"
    message = (
        f"cannot comment on PR #{pr}: the token is read-only (a pull request from a fork, or "
        f"a workflow without `pull-requests: write`); the review is in {where}"
    )
    if summary:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            with os.fdopen(os.open(summary, flags, 0o644), "a", encoding="utf-8") as handle:
                handle.write(markers.strip(body).rstrip("\n") + "\n")
        except OSError as error:
            raise FloeError(f"GITHUB_STEP_SUMMARY: cannot append: {error.strerror}") from None
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(f"::warning title=floe comment::{github_data(printable(message))}", err=True)
    else:
        progress(f"warning: {message}")
