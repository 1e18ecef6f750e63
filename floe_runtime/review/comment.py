"""Putting ``review.md`` on a pull request as floe's one sticky comment: the request checked,
the body stamped with a fresh marker and screened for secrets, the comment published, and a
read-only token's fallback (the job summary). ``floe comment`` only parses and prints.

The GitHub client is imported on first use, so registering the command costs ``floe --help``
nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from floe_runtime.base.errors import FloeError

if TYPE_CHECKING:
    from floe_runtime.review.errors import GitHubError
    from floe_runtime.review.publish import Outcome

_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class CommentRequest:
    """What to post where: the PR, the body file, the variable holding the token, and the
    config and head the comment is for (default: the body's marker)."""

    pr: int
    repo: str
    body_path: Path
    token_env: str = "GITHUB_TOKEN"
    dry_run: bool = False
    config: str | None = None
    head: str | None = None


@dataclass(frozen=True)
class Commented:
    """What posting did (``outcome``), or why it could not (``read_only``: the warning for a
    read-only token, the review appended to the job summary instead); ``scrub`` removes the
    token from any text before it is printed."""

    outcome: Outcome | None
    scrub: Callable[[str], str]
    read_only: str | None = None


def post(
    request: CommentRequest, *, environ: Mapping[str, str], log: Callable[[str], None]
) -> Commented:
    """Create or update floe's comment (edits only the token's own comments; skips an unchanged
    review or one for a head the PR has moved past); ``log`` gets scrubbed progress lines."""
    from floe_runtime.review import github, publish
    from floe_runtime.review.errors import GitHubError

    if not _REPO.fullmatch(request.repo):
        raise FloeError(f"--repo {request.repo!r} is not OWNER/NAME")
    if not _ENV_NAME.fullmatch(request.token_env):
        raise FloeError(f"--token-env {request.token_env!r} is not an environment variable name")
    token = environ.get(request.token_env, "")
    if not token:
        raise FloeError(
            f"no GitHub token: set {request.token_env} (or name another with --token-env)"
        )
    body = stamped(request.body_path, request.config, request.head, token)
    client = github.Client(github.api_base(environ), token)
    try:
        outcome = publish.publish(
            client,
            repo=request.repo,
            pr=request.pr,
            body=body,
            dry_run=request.dry_run,
            log=lambda message: log(client.scrub(message)),
        )
    except GitHubError as error:
        if error.not_accessible:
            return Commented(None, client.scrub, _to_summary(request.pr, body, environ))
        raise FloeError(client.scrub(_explain(error))) from None
    return Commented(outcome, client.scrub)


def stamped(path: Path, config: str | None, head: str | None, token: str) -> str:
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


def _to_summary(pr: int, body: str, environ: Mapping[str, str]) -> str:
    """Fork PRs get a read-only token: the review goes to the job summary; the warning that
    says so."""
    from floe_runtime.review import marker as markers

    summary = environ.get("GITHUB_STEP_SUMMARY")
    where = "the job summary" if summary else "nowhere (GITHUB_STEP_SUMMARY is not set)"
    if summary:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            with os.fdopen(os.open(summary, flags, 0o644), "a", encoding="utf-8") as handle:
                handle.write(markers.strip(body).rstrip("\n") + "\n")
        except OSError as error:
            raise FloeError(f"GITHUB_STEP_SUMMARY: cannot append: {error.strerror}") from None
    return (
        f"cannot comment on PR #{pr}: the token is read-only (a pull request from a fork, or "
        f"a workflow without `pull-requests: write`); the review is in {where}"
    )
