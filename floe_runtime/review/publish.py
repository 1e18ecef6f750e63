"""Upsert floe's one review comment per config on a pull request.

The decision is a pure function of the listed comments (:func:`decide`); :func:`publish` only
does the I/O around it. The rules, in order:

- floe's comment for a config is the OLDEST comment whose marker names that config and whose
  author is the token's own identity; a comment by anyone else is never edited or deleted,
  marker or not (anyone can paste a marker).
- none yet: create. After creating, list again and delete younger duplicates by the same
  identity, so concurrent runs converge on one comment (oldest wins); if the survivor is not
  the one just created, it is brought up to date by the same rules.
- same content hash: skip, write nothing.
- "newer" is judged against the PR's current head (``GET /pulls/N``), the only order GitHub
  knows: a run whose head is not the PR's current head never updates (it may only create when
  nothing exists), so a stale run never replaces a newer review. Otherwise it updates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from floe_runtime.review import marker as markers
from floe_runtime.review.errors import GitHubError
from floe_runtime.review.github import Client

# Who writes with the Actions GITHUB_TOKEN (``user.login`` on its comments; ``user.type`` is
# "Bot"). ``GET /user`` answers 403 "Resource not accessible by integration" for that token.
ACTIONS_BOT = "github-actions[bot]"


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    login: str
    created_at: str
    html_url: str

    @property
    def marker(self) -> markers.Marker | None:
        return markers.parse(self.body)

    @classmethod
    def from_api(cls, data: Any) -> Comment | None:
        """A comment from GitHub's JSON, or None when it is not shaped like one."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            return None
        user = data.get("user")
        user = user if isinstance(user, dict) else {}
        fields = (data.get("body"), user.get("login"), data.get("created_at"), data.get("html_url"))
        body, login, created_at, html_url = (v if isinstance(v, str) else "" for v in fields)
        return cls(data["id"], body, login, created_at, html_url)


@dataclass(frozen=True)
class Decision:
    action: Literal["create", "update", "skip"]
    reason: str
    comment: Comment | None = None


@dataclass(frozen=True)
class Outcome:
    action: str
    reason: str
    url: str | None
    deleted: tuple[int, ...] = ()


def same_sha(a: str, b: str) -> bool:
    """Equal commits, allowing one side abbreviated (at least 7 hex digits)."""
    a, b = a.lower(), b.lower()
    return min(len(a), len(b)) >= 7 and (a.startswith(b) or b.startswith(a))


def ours(comments: Sequence[Comment], *, config: str, identity: str) -> list[Comment]:
    """floe comments for ``config`` written by ``identity``, oldest first."""
    mine = [
        c
        for c in comments
        if c.login == identity and (m := c.marker) is not None and m.config == config
    ]
    return sorted(mine, key=lambda c: (c.created_at, c.id))


def decide(
    comments: Sequence[Comment], *, stamp: markers.Marker, identity: str, pr_head: str
) -> Decision:
    """What to do with ``stamp``'s body given the PR's comments; see the module docstring."""
    mine = ours(comments, config=stamp.config, identity=identity)
    if not mine:
        foreign = sum(
            1 for c in comments if (m := c.marker) is not None and m.config == stamp.config
        )
        note = f"; {foreign} floe-marked comment(s) by others left alone" if foreign else ""
        return Decision("create", f"no comment for {stamp.config} by {identity} yet{note}")
    target = mine[0]
    old = target.marker
    assert old is not None  # ours() keeps marked comments only
    if old.hash == stamp.hash:
        return Decision("skip", f"content unchanged ({stamp.hash[:19]})", target)
    if not same_sha(stamp.head, pr_head):
        # Only a run for the PR's current head may replace a review: a stale run (for a commit
        # the PR has moved past) could otherwise overwrite a newer one, also when both are stale.
        return Decision(
            "skip",
            f"this run is for {stamp.head[:12]}, not the PR's current head {pr_head[:12]}; "
            "only a run for the current head updates the comment",
            target,
        )
    return Decision("update", f"content changed ({old.hash[:19]} -> {stamp.hash[:19]})", target)


def younger_duplicates(comments: Sequence[Comment], *, config: str, identity: str) -> list[Comment]:
    return ours(comments, config=config, identity=identity)[1:]


def identity(client: Client, log: Callable[[str], None]) -> str:
    """The login the token writes as: ``GET /user``, or the Actions bot where that is refused."""
    try:
        data = client.get("/user")
    except GitHubError as error:
        if not error.not_accessible:
            raise
        log(f"GET /user is refused for this token (the Actions token?); assuming {ACTIONS_BOT}")
        return ACTIONS_BOT
    login = data.get("login") if isinstance(data, dict) else None
    if not isinstance(login, str) or not login:
        raise GitHubError("GET /user: the answer has no login")
    return login


def pr_head(client: Client, repo: str, pr: int) -> str:
    data = client.get(f"/repos/{repo}/pulls/{pr}")
    head = data.get("head") if isinstance(data, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    if not isinstance(sha, str):
        raise GitHubError(f"GET /repos/{repo}/pulls/{pr}: the answer has no head sha")
    return sha


def list_comments(client: Client, repo: str, pr: int) -> list[Comment]:
    found = (Comment.from_api(d) for d in client.paginate(f"/repos/{repo}/issues/{pr}/comments"))
    return [c for c in found if c is not None]


def publish(
    client: Client,
    *,
    repo: str,
    pr: int,
    body: str,
    dry_run: bool,
    log: Callable[[str], None],
) -> Outcome:
    """Create, update or skip floe's comment for the config named in ``body``'s marker."""
    stamp = markers.parse(body)
    if stamp is None:
        raise ValueError("publish() needs a stamped body")
    writer = identity(client, log)
    head = pr_head(client, repo, pr)
    comments = list_comments(client, repo, pr)
    decision = decide(comments, stamp=stamp, identity=writer, pr_head=head)
    existing = decision.comment.html_url if decision.comment else None
    if dry_run:
        return Outcome(f"would {decision.action}", decision.reason, existing)
    # Leftovers of an interrupted run: deleted on the way (oldest wins).
    extra = younger_duplicates(comments, config=stamp.config, identity=writer)
    if decision.action == "skip":
        return Outcome("skipped", decision.reason, existing, _delete(client, repo, extra))
    if decision.action == "update":
        assert decision.comment is not None
        updated = _patch(client, repo, decision.comment.id, body)
        return Outcome("updated", decision.reason, updated.html_url, _delete(client, repo, extra))
    created = _create(client, repo, pr, body)
    if created.login and created.login != writer:
        log(f"comments are written as {created.login}, not {writer}; deduplicating as that")
        writer = created.login
    return _settle(client, repo, pr, created, body, writer, decision.reason)


def _settle(
    client: Client, repo: str, pr: int, created: Comment, body: str, writer: str, reason: str
) -> Outcome:
    """After a create: one comment per config and identity, the oldest, holding the latest."""
    stamp = markers.parse(body)
    assert stamp is not None  # publish() checked
    comments = list_comments(client, repo, pr)
    mine = ours(comments, config=stamp.config, identity=writer)
    deleted = _delete(client, repo, mine[1:])
    survivor = mine[0] if mine else created
    if survivor.id == created.id:
        return Outcome("created", reason, created.html_url, deleted)
    # A concurrent run (or an earlier attempt of this POST, retried after a timeout) created
    # one first: that one stays, and carries this run's review if the rules prefer it.
    head = pr_head(client, repo, pr)
    second = decide([survivor], stamp=stamp, identity=writer, pr_head=head)
    why = f"another run created it first; {second.reason}"
    if second.action == "update":
        survivor = _patch(client, repo, survivor.id, body)
        return Outcome("updated", why, survivor.html_url, deleted)
    return Outcome("skipped", why, survivor.html_url, deleted)


def _create(client: Client, repo: str, pr: int, body: str) -> Comment:
    data = client.request("POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body}).data
    return _parsed(data, "POST")


def _patch(client: Client, repo: str, comment_id: int, body: str) -> Comment:
    path = f"/repos/{repo}/issues/comments/{comment_id}"
    return _parsed(client.request("PATCH", path, {"body": body}).data, "PATCH")


def _delete(client: Client, repo: str, comments: Sequence[Comment]) -> tuple[int, ...]:
    deleted = []
    for comment in comments:
        try:
            client.request("DELETE", f"/repos/{repo}/issues/comments/{comment.id}")
        except GitHubError as error:
            if error.status != 404:  # a concurrent run deleted it first: fine
                raise
        deleted.append(comment.id)
    return tuple(deleted)


def _parsed(data: Any, method: str) -> Comment:
    comment = Comment.from_api(data)
    if comment is None:
        raise GitHubError(f"{method}: GitHub's answer is not a comment")
    return comment
