"""Where the artifact and the code are: the bundle to load and the repository root.

At deploy time the artifact is often downloaded next to the code rather than compiled there,
so the two are found separately. The artifact names every path relative to the repository root.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from floe_runtime.artifact.store import ARTIFACT_NAME
from floe_runtime.definitions.errors import LoadError

ARTIFACTS_VAR = "FLOE_ARTIFACTS"
ENV_VAR = "FLOE_ENV"
ROOT_VAR = "FLOE_PROJECT_ROOT"
DEFAULT_ENV = "default"


def _as_file(candidate: Path) -> Path:
    """A bundle folder names its artifact; a file (or a ``.json`` name) is the artifact."""
    return (
        candidate
        if candidate.is_file() or candidate.suffix == ".json"
        else candidate / ARTIFACT_NAME
    )


def artifact_path(path: str | Path | None, env: Mapping[str, str], cwd: Path) -> Path:
    """``path``, else ``$FLOE_ARTIFACTS``, else ``dist/floe/$FLOE_ENV/`` (a file or a bundle
    folder each); one error listing everything tried when none exists."""
    tried: list[str] = []
    if path is not None:
        candidates = [(Path(path), "argument")]
    elif env.get(ARTIFACTS_VAR):
        candidates = [(Path(env[ARTIFACTS_VAR]), ARTIFACTS_VAR)]
    else:
        environment = env.get(ENV_VAR) or DEFAULT_ENV
        candidates = [(Path("dist") / "floe" / environment, f"dist/floe/${ENV_VAR}")]
    for candidate, origin in candidates:
        absolute = candidate if candidate.is_absolute() else cwd / candidate
        file = _as_file(absolute)
        if file.is_file():
            return file
        tried.append(f"{file} (from {origin})")
    fix = f"Run `floe compile --env ENV`, or set {ARTIFACTS_VAR} to the bundle folder"
    if path is None and not env.get(ARTIFACTS_VAR) and not env.get(ENV_VAR):
        found = bundles(cwd / "dist" / "floe")
        if found:
            fix = (
                f"{ENV_VAR} is unset; compiled bundles here: {', '.join(found)}. Set "
                f"{ENV_VAR} to one of them (e.g. {ENV_VAR}={found[0]})"
            )
    raise LoadError("no compiled floe artifact found; tried: " + "; ".join(tried) + f". {fix}")


MAX_LISTED_BUNDLES = 20


def bundles(folder: Path) -> list[str]:
    """The environments with a compiled bundle under ``folder`` (``dist/floe``), a few."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                e.name
                for e in itertools.islice(entries, 1000)
                if e.is_dir(follow_symlinks=False) and (Path(e.path) / ARTIFACT_NAME).is_file()
            )
    except OSError:
        return []
    return names[:MAX_LISTED_BUNDLES] + (["…"] if len(names) > MAX_LISTED_BUNDLES else [])


def _git_root(cwd: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = proc.stdout.strip()
    return Path(top) if proc.returncode == 0 and top else None


def project_root(root: str | Path | None, env: Mapping[str, str], cwd: Path) -> Path:
    """``root``, else ``$FLOE_PROJECT_ROOT``, else the git work tree of ``cwd``, else ``cwd``."""
    if root is not None:
        chosen, origin = Path(root), "project_root"
    elif env.get(ROOT_VAR):
        chosen, origin = Path(env[ROOT_VAR]), ROOT_VAR
    else:
        return (_git_root(cwd) or cwd).resolve()
    chosen = chosen if chosen.is_absolute() else cwd / chosen
    if not chosen.is_dir():
        raise LoadError(f"project root {chosen} (from {origin}) is not a folder")
    return chosen.resolve()


def in_project(root: Path, relative: str, what: str, origin: str) -> Path:
    """A path the artifact names, under ``root``; a clear error when it is not there."""
    found = (root / relative).resolve()
    if not found.exists():
        raise LoadError(
            f"{what} {relative!r} (from the artifact's {origin}) is not at {found}: the project "
            f"root is {root}; pass project_root= or set {ROOT_VAR} to the repository root"
        )
    return found
