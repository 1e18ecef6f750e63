"""The git side of a review: the head commit, the base to compare with, and the base's tree.

The base is the merge base of HEAD with the base ref, checked out in a temporary
``git worktree`` (the user's checkout is never touched). CI clones are often shallow: the base
ref is fetched when missing, and history deepened in bounded steps until a merge base appears.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from floe_runtime.base import children
from floe_runtime.base.errors import FloeError
from floe_runtime.review.errors import GitError

DEFAULT_BASE = "origin/main"
DEEPEN_STEPS = (50, 500)  # commits fetched per step, then one --unshallow
TIMEOUT = 300  # seconds for one git command (a fetch of a large repository)


def git(root: Path, *args: str, check: bool = True) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:  # in its own process group, killed with its helpers (ssh, https) on SIGTERM
        proc = children.run(["git", *args], env, cwd=str(root), timeout=TIMEOUT)
    except FileNotFoundError as exc:
        raise GitError("git is not installed; floe review needs it") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"`git {' '.join(args)}` took longer than {TIMEOUT} s") from exc
    if check and proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise GitError(f"`git {' '.join(args)}` failed: {detail[0][:300]}")
    return proc.stdout.strip() if proc.returncode == 0 else ""


def toplevel(path: Path) -> Path:
    """The work tree holding ``path``."""
    found = git(path, "rev-parse", "--show-toplevel", check=False)
    if not found:
        raise GitError(f"{path}: not inside a git repository; floe review compares commits")
    return Path(found)


def head_commit(root: Path) -> str:
    found = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if not found:
        raise GitError("the repository has no commit yet: commit something to review")
    return found


def default_base(root: Path) -> str:
    """The branch's upstream, else origin/main."""
    upstream = git(
        root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}", check=False
    )
    return upstream or DEFAULT_BASE


def _commit(root: Path, ref: str) -> str | None:
    return git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False) or None


def _shallow(root: Path) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository", check=False) == "true"


def _remote_branch(root: Path, ref: str) -> tuple[str, str] | None:
    """``origin/main`` → (origin, main); a bare ``main`` is looked for on origin."""
    remotes = git(root, "remote", check=False).split()
    remote, _, branch = ref.partition("/")
    if remote in remotes and branch:
        return remote, branch
    return ("origin", ref) if "origin" in remotes else None


def _fetch(root: Path, remote: str, branch: str, *options: str) -> None:
    refspec = f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"
    git(root, "fetch", "--no-tags", "--quiet", *options, remote, refspec, check=False)


def merge_base(root: Path, ref: str, head: str) -> str:
    """The commit HEAD (``head``) branched from ``ref``, fetching what a shallow clone lacks:
    the base branch when it is missing, then deeper history of both sides in bounded steps."""
    shallow = _shallow(root)
    remote = _remote_branch(root, ref)
    base = _commit(root, ref)
    if base is None and remote is not None:
        _fetch(root, *remote, *([f"--depth={DEEPEN_STEPS[0]}"] if shallow else []))
        base = _commit(root, ref) or _commit(root, "/".join(remote))
    if base is None:
        raise GitError(f"base {ref!r} is not a commit here, nor on the remote; pass --base REF")
    found = git(root, "merge-base", "HEAD", base, check=False)
    steps = [f"--deepen={n}" for n in DEEPEN_STEPS] + ["--unshallow"]
    while not found and shallow and steps and remote is not None:
        step = steps.pop(0)
        # HEAD's own history (by commit: a CI checkout's HEAD may be on no branch), then the
        # base branch's.
        git(root, "fetch", "--no-tags", "--quiet", step, remote[0], head, check=False)
        _fetch(root, *remote, step)
        shallow = _shallow(root)
        found = git(root, "merge-base", "HEAD", base, check=False)
    if not found:
        raise GitError(f"HEAD and {ref} have no common history; pass another --base")
    return found


@contextmanager
def worktree(root: Path, commit: str) -> Iterator[Path]:
    """``commit`` checked out in a temporary worktree, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="floe-review-base-"))
    tree = folder / "base"
    git(root, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        yield tree
    finally:
        with contextlib.suppress(FloeError):  # floe is terminating: git prunes it later
            git(root, "worktree", "remove", "--force", str(tree), check=False)
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(FloeError):
            git(root, "worktree", "prune", check=False)
