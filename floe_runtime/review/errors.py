"""What the review raises: git or GitHub could not give what it needs, or a handed-over
review is not shaped as ``floe review`` writes it."""

from __future__ import annotations

from collections.abc import Mapping

from floe_runtime.base.errors import FloeError

# GitHub's answer when a token lacks a permission: a fork PR's read-only token writing, or an
# Actions / App installation token asking ``GET /user``.
NOT_ACCESSIBLE = "Resource not accessible by integration"


class GitError(FloeError):
    """git could not give what the review needs; the message says which command and why."""


class GitHubError(FloeError):
    """A GitHub API call failed; ``status`` is the HTTP status (0: no usable answer)."""

    def __init__(
        self,
        message: str,
        status: int = 0,
        api_message: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.api_message = api_message
        self.headers: Mapping[str, str] = headers or {}
        # No answer at all (timeout, refused, reset): worth another try.
        self.transient = transient

    @property
    def not_accessible(self) -> bool:
        """The token may not do this (a fork PR's read-only token, or ``GET /user`` as an app)."""
        return self.status == 403 and NOT_ACCESSIBLE.lower() in self.api_message.lower()


class Refused(FloeError):
    """The handed-over review is not shaped as ``floe review`` writes it."""
