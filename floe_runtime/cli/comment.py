"""``floe comment``: put ``review.md`` on the pull request as floe's one sticky comment
(``review.comment`` does the work; this parses and prints).

stdout carries only the comment's URL (the Action's ``comment-url`` output); everything else
goes to stderr. Messages pass through the token scrubber before they are printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from floe_runtime.base.output import github_data, printable
from floe_runtime.cli.common import progress
from floe_runtime.review.comment import CommentRequest


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
    return execute(CommentRequest(pr, repo, body_path, token_env, dry_run, config, head))


def execute(request: CommentRequest) -> int:
    """Post the comment and say what happened: the URL on stdout, the rest on stderr."""
    from floe_runtime.review.comment import post

    posted = post(request, environ=os.environ, log=progress)
    scrub = posted.scrub
    if posted.read_only is not None:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            warning = github_data(printable(posted.read_only))
            click.echo(f"::warning title=floe comment::{warning}", err=True)
        else:
            progress(f"warning: {posted.read_only}")
        return 0
    outcome = posted.outcome
    assert outcome is not None
    if request.dry_run:
        where = f" {outcome.url}" if outcome.url else ""
        click.echo(scrub(f"{outcome.action}{where}: {outcome.reason}"))
        return 0
    gone = (
        f"; deleted duplicate(s) {', '.join(map(str, outcome.deleted))}" if outcome.deleted else ""
    )
    progress(scrub(f"comment {outcome.action}: {outcome.reason}{gone}"))
    if outcome.url:
        click.echo(scrub(" ".join(outcome.url.split())))
    return 0
