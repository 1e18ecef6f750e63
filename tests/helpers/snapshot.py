"""Temporary git repositories for tests that run real git-based tools (pre-commit, act).

``snapshot`` commits the current worktree (tracked and new, non-ignored files) into a fresh
repository, so ``pre-commit try-repo`` and ``act --local-repository`` see the code under test,
uncommitted edits included, and never the developer's ``.venv``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.helpers.paths import REPO

DEMO = REPO / "demo" / "shop"
IDENTITY = ["-c", "user.name=floe tests", "-c", "user.email=tests@floe.invalid"]


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def init(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    return path


def commit(path: Path, message: str) -> str:
    """Commit everything in ``path``; return the new commit's sha."""
    git(path, "add", "-A")
    git(path, "commit", "-q", "--allow-empty", "-m", message)
    return git(path, "rev-parse", "HEAD")


def snapshot(dest: Path) -> Path:
    """A one-commit repository holding this worktree's files as they are now."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    init(dest)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    commit(dest, "snapshot of the worktree under test")
    return dest


def copy_demo(dest: Path) -> Path:
    """The demo project under ``dest/demo/shop`` (without dbt build output); returns floe.yaml."""
    target = dest / "demo" / "shop"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    return target / "floe.yaml"
