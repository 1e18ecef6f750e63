"""Which pull request a ``workflow_run`` belongs to, bound by where its head lives.

GitHub leaves ``workflow_run.pull_requests`` empty for a fork's pull request, and
``GET /repos/{repo}/commits/{sha}/pulls`` lists no pull request whose head commit lives only in
the fork. The run's own head repository and branch do name it: ``GET /repos/{repo}/pulls?head=
OWNER:BRANCH`` lists the open pull requests from that branch, and only one whose head sha and
head repository are the run's is taken. Nothing here reads a number or a name from what the
pull request's own workflow uploaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from floe_runtime.review.github import Client

_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Bound:
    """The pull request of a run (``number``), or None and ``reason`` why none is taken."""

    number: int | None
    reason: str


def bind(
    client: Client, *, repository: str, head_repository: str, head_branch: str, head_sha: str
) -> Bound:
    """The one open pull request of ``repository`` whose head is ``head_branch`` of
    ``head_repository`` at ``head_sha``; zero or several: none, and why."""
    if not _REPOSITORY.match(repository) or not _REPOSITORY.match(head_repository):
        return Bound(None, "the workflow_run event names no head repository")
    if not head_branch or len(head_branch) > 255 or not _SHA.match(head_sha):
        return Bound(None, "the workflow_run event carries no head branch and commit")
    owner = head_repository.split("/")[0]
    head = quote(f"{owner}:{head_branch}", safe=":")
    listed = client.paginate(f"/repos/{repository}/pulls?state=open&head={head}")
    matches = sorted({n for pull in listed if (n := _matching(pull, head_repository, head_sha))})
    where = f"{head_repository}:{head_branch} at {head_sha[:12]}"
    if not matches:
        return Bound(None, f"no open pull request has head {where}")
    if len(matches) > 1:
        shown = ", ".join(f"#{n}" for n in matches)
        return Bound(None, f"several open pull requests ({shown}) have head {where}")
    return Bound(matches[0], f"pull request #{matches[0]} has head {where}")


def _matching(pull: Any, head_repository: str, head_sha: str) -> int | None:
    """The pull's number when its head is exactly the run's (repository and commit)."""
    if not isinstance(pull, dict) or pull.get("state", "open") != "open":
        return None
    head = pull.get("head")
    repo = head.get("repo") if isinstance(head, dict) else None
    name = repo.get("full_name") if isinstance(repo, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    number = pull.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        return None
    if not isinstance(name, str) or name.lower() != head_repository.lower():
        return None
    return number if sha == head_sha else None
