"""What the review's base needs before ``dbt parse`` can read it: its dbt packages.

``dbt_packages/`` is gitignored (dbt's default), so the clean worktree of the base has none and
``dbt parse`` there fails ("Run dbt deps"). When the package files (``packages.yml``,
``package-lock.yml``, ``dependencies.yml``) are the same at the base and the head, the head's
installed packages are reused by a symlink made inside the base worktree (floe made that
worktree; nothing is written through a path it did not make). Otherwise ``dbt deps`` installs
the base's own packages from its lock; when that fails (offline), the reason is kept for the
review instead of being lost behind "everything is new".
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from floe_runtime.base import children, files
from floe_runtime.base.errors import FileRefused
from floe_runtime.compile.dbt_env import child_environment, named_variables
from floe_runtime.compile.dbt_parse import dbt_executable, failure_reason

PACKAGE_FILES = ("packages.yml", "package-lock.yml", "dependencies.yml")
DEFAULT_INSTALL_PATH = "dbt_packages"
DEPS_TIMEOUT = 600  # seconds: a hub download of a few packages


@dataclass
class BasePackages:
    """Called with each base dbt project folder before it is parsed; keeps what it did and
    what failed (``problems``: one line per project, for the review)."""

    tree: Path  # the base worktree
    root: Path  # the head's work tree
    process_env: Mapping[str, str]
    progress: Callable[[str], None] = field(default=lambda message: None)
    actions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _seen: set[Path] = field(default_factory=set)

    def __call__(self, project_dir: Path) -> None:
        if project_dir in self._seen:
            return
        self._seen.add(project_dir)
        try:
            shown = project_dir.resolve().relative_to(self.tree.resolve()).as_posix()
        except (OSError, ValueError):  # a symlink out of the checkout: dbt parse says the rest
            return
        if not any(os.path.lexists(project_dir / name) for name in PACKAGE_FILES):
            return
        install = install_path(project_dir)
        if install is None or os.path.lexists(project_dir / install):
            return  # committed packages, or a setting floe does not follow: dbt decides
        target = project_dir / install
        head = self.root / shown
        head_install = install_path(head)
        installed = head / head_install if head_install is not None else None
        if _same_package_files(project_dir, head) and installed is not None and installed.is_dir():
            self._link(target, installed.resolve(), shown, install)
        else:
            self._deps(project_dir, shown)

    def _link(self, target: Path, installed: Path, shown: str, install: str) -> None:
        parent = target.parent
        if not parent.resolve().is_relative_to(self.tree.resolve()):
            return
        parent.mkdir(parents=True, exist_ok=True)
        os.symlink(installed, target, target_is_directory=True)
        self.actions.append(f"{shown}: reused the head's {install}/ (package files unchanged)")

    def _deps(self, project_dir: Path, shown: str) -> None:
        dbt = dbt_executable()
        if dbt is None:
            return  # the parse reports that dbt is missing
        self.progress(f"base: dbt deps --project-dir {shown}")
        env = child_environment(
            self.process_env,
            named_variables(project_dir, project_dir),
            {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"},
        )
        command = [dbt, "deps", "--project-dir", str(project_dir)]
        try:
            proc = children.run(command, env, cwd=str(project_dir), timeout=DEPS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.problems.append(f"{shown}: dbt deps took longer than {DEPS_TIMEOUT} s")
            return
        if proc.returncode == 0:
            self.actions.append(f"{shown}: installed the base's packages with dbt deps")
            return
        # dbt's own message; a Python traceback after it names only this machine's paths
        reason = failure_reason(proc.stdout + proc.stderr).split(" | Traceback", 1)[0]
        self.problems.append(f"{shown}: dbt deps failed (exit {proc.returncode}): {reason}")


def install_path(project_dir: Path) -> str | None:
    """dbt_project.yml's ``packages-install-path`` (default ``dbt_packages``), when it is a
    plain relative folder; None for anything else (absolute, ``..``, not a string)."""
    data: Any = None
    try:
        text = files.read_text(project_dir / "dbt_project.yml", files.CONFIG_LIMIT, "dbt_project")
        data = yaml.safe_load(text)
    except (FileRefused, yaml.YAMLError):
        pass
    value = data.get("packages-install-path") if isinstance(data, dict) else None
    value = DEFAULT_INSTALL_PATH if value is None else value
    if not isinstance(value, str) or not value or "\\" in value:
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "{" in value:
        return None
    return path.as_posix()


def _same_package_files(base: Path, head: Path) -> bool:
    return all(_content(base / name) == _content(head / name) for name in PACKAGE_FILES)


def _content(path: Path) -> bytes | None:
    if not os.path.lexists(path):
        return None
    try:
        return files.read_bytes(path, files.CONFIG_LIMIT, path.name)
    except FileRefused as exc:
        return f"(unreadable: {exc.reason})".encode()
