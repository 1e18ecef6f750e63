"""The runner's side channels (step outputs, job summary, annotations) and the two REST reads
the Action makes itself: pull requests of a commit, and whether floe already commented.

Writes to the PR go through ``floe comment``; this module only reads. The API base comes from
FLOE_GITHUB_API_URL, else GITHUB_API_URL; the token is sent as a header and never printed.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

SUMMARY_LIMIT = 1_000_000  # GitHub refuses a job summary over 1 MiB
MAX_PAGES = 30


def set_output(name: str, value: str) -> None:
    """One step output; a value with line breaks uses the heredoc form with a fresh delimiter."""
    target = os.environ.get("GITHUB_OUTPUT")
    line = f"{name}={value}\n"
    if "\n" in value or "\r" in value:
        delimiter = f"floe_{os.urandom(8).hex()}"
        line = f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line)


def fail(reason: str) -> None:
    """Annotate ``reason`` now and let the Action's last step fail the job (after uploads)."""
    annotation("error", reason)
    set_output("fail", reason)


def append_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown)


def annotation(level: str, message: str, title: str = "floe") -> None:
    """A workflow command; data escaped so a message cannot start another command."""
    from floe_runtime.base.output import github_data

    print(f"::{level} title={title}::{github_data(message)}", flush=True)


class GitHubError(RuntimeError):
    """An API call failed; the message names the call, never the token."""


class Api:
    def __init__(self, token: str) -> None:
        base = os.environ.get("FLOE_GITHUB_API_URL") or os.environ.get("GITHUB_API_URL")
        self.base = (base or "https://api.github.com").rstrip("/")
        self._token = token

    def _get(self, url: str) -> tuple[Any, str | None]:
        request = urllib.request.Request(url, headers=self._headers())
        for attempt in range(3):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = json.loads(response.read(8 * 1024 * 1024))
                    return body, _next_link(response.headers.get("Link"), self.base)
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 500, 502, 503, 504) and attempt < 2:
                    time.sleep(min(float(exc.headers.get("Retry-After") or 1 + attempt), 10))
                    continue
                path = urllib.parse.urlsplit(url).path
                raise GitHubError(f"GET {path} answered {exc.code}") from None
            except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
                if attempt < 2:
                    time.sleep(1 + attempt)
                    continue
                path = urllib.parse.urlsplit(url).path
                raise GitHubError(f"GET {path} failed: {type(exc).__name__}") from None
        raise AssertionError("unreachable")

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "floe-action",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def paged(self, path: str) -> list[Any]:
        url: str | None = f"{self.base}{path}{'&' if '?' in path else '?'}per_page=100"
        items: list[Any] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            page, url = self._get(url)
            if not isinstance(page, list):
                raise GitHubError(f"GET {path} did not answer a list")
            items += page
        return items

    def open_pulls_of(self, repository: str, sha: str) -> list[int]:
        """Open pull requests of ``repository`` whose head is ``sha`` (the trusted way to find
        the PR of a workflow_run: never the number a fork's upload claims)."""
        pulls = self.paged(f"/repos/{repository}/commits/{sha}/pulls")
        found = []
        for pull in pulls:
            if not isinstance(pull, dict) or pull.get("state") != "open":
                continue
            head = pull.get("head") or {}
            base_repo = ((pull.get("base") or {}).get("repo") or {}).get("full_name")
            if head.get("sha") == sha and base_repo in (None, repository):
                number = pull.get("number")
                if isinstance(number, int) and number > 0:
                    found.append(number)
        return sorted(set(found))

    def comment_bodies(self, repository: str, pr: int) -> list[str]:
        comments = self.paged(f"/repos/{repository}/issues/{pr}/comments")
        return [
            c["body"] for c in comments if isinstance(c, dict) and isinstance(c.get("body"), str)
        ]


def _next_link(header: str | None, base: str) -> str | None:
    """The rel="next" page, only when it stays on the same API host."""
    for part in (header or "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            target = url.strip().strip("<>")
            same = urllib.parse.urlsplit(target).netloc == urllib.parse.urlsplit(base).netloc
            return target if same else None
    return None


def workspace_path(path: Path) -> str:
    """``path`` relative to the workspace when inside it (as GitHub shows files)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
