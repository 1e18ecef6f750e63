"""What a development-mode compile read, and a digest of it: the test of "changed since".

A digest of content, not modification times: a checkout, a copy or an editor's save-as keep or
reset times at will. Each tree is walked in a stable order, bounded in depth and in files (a
tree past the bound counts as changed on every load rather than being skipped).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base import files
from floe_runtime.base.errors import FileRefused
from floe_runtime.base.version import __version__
from floe_runtime.compile.python_assets import search_roots
from floe_runtime.spec import environments, modules

MAX_FILES: Final = 50_000
MAX_DEPTH: Final = 32
LARGE: Final = 5 * files.MIB  # hashed by size and modification time, not read
DBT_SUFFIXES: Final = (".sql", ".yml", ".yaml", ".csv", ".py", ".md")
DBT_OUTPUT: Final = frozenset({"target", "logs"})
KINDS: Final = {"config": "floe.yaml or env", "python": "Python", "dbt": "dbt project"}
UNBOUNDED: Final = "unbounded"
"""The digest of a tree too large to digest: it counts as changed on every load."""


@dataclass(frozen=True)
class Inputs:
    """What one compile read, relative to the project root: the files that configure it, the
    process variables it used, and the Python and dbt trees whose content it reflects."""

    config: tuple[str, ...]
    variables: tuple[str, ...]
    python: tuple[str, ...]
    dbt: tuple[str, ...]

    @staticmethod
    def of(artifact: CompiledArtifact, root: Path) -> Inputs:
        floe_yaml = root / artifact.source.path
        env_file = floe_yaml.parent / environments.ENV_DIR / f"{artifact.environment}.env"
        dbt: list[str] = []
        if artifact.dbt is not None:
            project = floe_yaml.parent / artifact.dbt.project_dir
            profiles = floe_yaml.parent / artifact.dbt.profiles_dir / "profiles.yml"
            dbt = [relative(project, root), relative(profiles, root)]
        return Inputs(
            config=(artifact.source.path, relative(env_file, root)),
            variables=tuple(sorted(artifact.variables)),
            python=tuple(relative(p, root) for p in _packages(artifact, floe_yaml)),
            dbt=tuple(dbt),
        )


def relative(path: Path, root: Path) -> str:
    return os.path.relpath(path, root)


def _packages(artifact: CompiledArtifact, floe_yaml: Path) -> list[Path]:
    """The top-level packages (or modules) of every asset module and target function."""
    dotted = [*artifact.orchestration.asset_modules]
    dotted += [job.target_function for job in artifact.jobs.values() if job.target_function]
    for sensor in artifact.orchestration.sensors.values():
        function = getattr(sensor, "target_function", None)
        if isinstance(function, str):
            dotted.append(function)
    roots = search_roots(floe_yaml, modules.package_of(floe_yaml))
    found: list[Path] = []
    for top in sorted({name.split(".")[0] for name in dotted}):
        for root in roots:
            for candidate in (root / top, root / f"{top}.py"):
                if candidate.exists() and candidate not in found:
                    found.append(candidate)
    return found


class _Unbounded(Exception):
    """A tree too large to digest: it counts as changed on every load."""


def _walk(top: Path, suffixes: tuple[str, ...], python: bool) -> Iterator[Path]:
    """Regular files under ``top`` (itself, when a file) in a stable order, bounded. A Python
    walk skips dbt projects (digested as dbt); a dbt walk skips dbt's output, not its packages."""
    if not top.is_dir():
        if top.is_file():
            yield top
        return
    count = 0
    base_depth = len(top.parts)
    for folder, dirs, names in os.walk(top, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and (not (here / d / "dbt_project.yml").is_file() if python else d not in DBT_OUTPUT)
            and len(here.parts) - base_depth < MAX_DEPTH
        )
        for name in sorted(names):
            if name.endswith(suffixes) and not name.startswith("."):  # dbt's .user.yml
                count += 1
                if count > MAX_FILES:
                    raise _Unbounded(top)
                yield here / name


def _feed(digest: Any, path: Path, root: Path) -> None:
    digest.update(relative(path, root).encode() + b"\0")
    try:
        status = os.stat(path)
        if status.st_size > LARGE:
            digest.update(f"{status.st_size}:{status.st_mtime_ns}".encode())
        else:
            digest.update(hashlib.sha256(files.read_bytes(path, LARGE, "an input")).digest())
    except (OSError, FileRefused):
        digest.update(b"unreadable")
    digest.update(b"\0")


def _digest(paths: Iterable[Path], root: Path, suffixes: tuple[str, ...], python: bool) -> str:
    digest = hashlib.sha256(__version__.encode())
    try:
        for top in paths:
            digest.update(b"tree:" + relative(top, root).encode() + b"\0")
            for path in _walk(top, suffixes, python):
                _feed(digest, path, root)
    except _Unbounded:
        return UNBOUNDED
    return digest.hexdigest()


def digests(inputs: Inputs, root: Path, env: Mapping[str, str]) -> dict[str, str]:
    """One digest per kind of input: what the compile read (floe.yaml, the env file, the
    process variables it used), the Python packages, the dbt project."""
    config = hashlib.sha256(__version__.encode())
    for name in inputs.config:
        _feed(config, root / name, root)
    config.update(json.dumps({n: env.get(n) for n in inputs.variables}, sort_keys=True).encode())
    return {
        "config": config.hexdigest(),
        "python": _digest((root / p for p in inputs.python), root, (".py",), python=True),
        "dbt": _digest((root / p for p in inputs.dbt), root, DBT_SUFFIXES, python=False),
    }
