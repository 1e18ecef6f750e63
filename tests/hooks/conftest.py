"""The real ``pre-commit try-repo`` against a snapshot of this repository.

pre-commit installs the hooks from PyPI exactly as on a user's machine: an isolated venv with
floe's base dependencies (try-repo into a throw-away store on every run; ``pre-commit run``
with a config into the session's PRE_COMMIT_HOME).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.snapshot import copy_demo, git, init, snapshot

PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")


@dataclass
class HookRun:
    code: int
    output: str


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot(tmp_path_factory.mktemp("floe-hooks-repo"))


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A user's repository holding the demo at demo/shop."""
    repo = init(tmp_path / "user")
    copy_demo(repo)
    return repo


def write_config(repo: Path, hook_repo: Path) -> None:
    """docs/hooks.md's .pre-commit-config.yaml, pointing at the snapshot instead of GitHub."""
    rev = git(hook_repo, "rev-parse", "HEAD")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n"
        "    hooks:\n      - id: floe-validate\n      - id: floe-compile\n",
        encoding="utf-8",
    )


def _pre_commit(repo: Path, home: Path, *args: str, env: dict[str, str] | None = None) -> HookRun:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    env = {**os.environ, **(env or {}), "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(
        [PRE_COMMIT, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return HookRun(proc.returncode, proc.stdout + proc.stderr)


def run_configured(repo: Path, hook_repo: Path, home: Path, hook: str, *files: str) -> HookRun:
    """``pre-commit run HOOK --files FILES`` with docs/hooks.md's config (installs in ``home``)."""
    write_config(repo, hook_repo)
    return _pre_commit(repo, home, "run", hook, "--verbose", "--files", *files)


@pytest.fixture
def try_repo(hook_repo: Path, pre_commit_home: Path) -> Callable[..., HookRun]:
    """``pre-commit try-repo <floe> HOOK --files FILES`` inside ``repo``."""

    def _run(repo: Path, hook: str, *files: str) -> HookRun:
        args = ["try-repo", str(hook_repo), hook, "--verbose", "--files", *files]
        return _pre_commit(repo, pre_commit_home, *args)

    return _run
