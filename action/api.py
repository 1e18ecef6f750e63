"""The two GitHub reads the Action makes itself, through the core's client.

``floe_runtime.review.github.Client`` is the only GitHub client: no redirects (the token would
follow them), the API origin and scheme checked (plain http to loopback only), bounded retries
that honour ``Retry-After`` in seconds or as an HTTP date, capped waits, and ``GitHubError``
(a ``FloeError``) for every failure. Writes to the PR go through ``floe comment``.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from floe_runtime.review.github import Client, api_base


def client(token: str) -> Client:
    """A client for the API base of this run (FLOE_GITHUB_API_URL, else GITHUB_API_URL)."""
    return Client(api_base(os.environ), token)


def open_pulls_of(api: Client, repository: str, sha: str) -> list[int]:
    """Open pull requests of ``repository`` whose head is ``sha``."""
    found = set()
    for pull in api.paginate(f"/repos/{quote(repository)}/commits/{quote(sha)}/pulls"):
        if not isinstance(pull, dict) or pull.get("state") != "open":
            continue
        head = pull.get("head") or {}
        base_repo = ((pull.get("base") or {}).get("repo") or {}).get("full_name")
        number = pull.get("number")
        ours = head.get("sha") == sha and base_repo in (None, repository)
        if ours and isinstance(number, int) and number > 0:
            found.add(number)
    return sorted(found)
