"""The dbt project beside the floe.yaml being written: where it is, its name, its profile, and
its assets when a manifest is at hand."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from floe_runtime.base.files import CONFIG_LIMIT, read_text
from floe_runtime.convert.errors import DbtProjectError
from floe_runtime.ports.dbt_manifest import dbt_graph, load_manifest
from floe_runtime.ports.errors import ManifestError

MAX_DEPTH = 3
MAX_FOLDERS = 2000
_SKIPPED = {"dbt_packages", "target", "logs", "node_modules", "site-packages", "__pycache__"}


@dataclass(frozen=True)
class DbtProject:
    folder: Path
    name: str | None
    has_profiles: bool
    model_paths: tuple[str, ...]


def find(start: Path) -> Path | None:
    """The one folder under ``start`` (at most three levels down) holding dbt_project.yml."""
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(start, 0)]
    visited = 0
    while stack and visited < MAX_FOLDERS:
        folder, depth = stack.pop()
        visited += 1
        if (folder / "dbt_project.yml").is_file():
            found.append(folder)
            continue  # a project's own folders hold no second project floe would use
        if depth >= MAX_DEPTH:
            continue
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in children:
            hidden = entry.name.startswith(".") or entry.name in _SKIPPED
            if entry.is_dir(follow_symlinks=False) and not hidden:
                stack.append((Path(entry.path), depth + 1))
    if len(found) > 1:
        shown = ", ".join(sorted(str(f) for f in found))
        raise DbtProjectError(
            f"several dbt projects found ({shown}); name one with --dbt-project-dir"
        )
    return found[0] if found else None


def read(folder: Path) -> DbtProject:
    config_file = folder / "dbt_project.yml"
    try:
        config: Any = yaml.safe_load(read_text(config_file, CONFIG_LIMIT, "dbt_project.yml"))
    except yaml.YAMLError as exc:
        raise DbtProjectError(f"{config_file}: not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(config, dict):
        raise DbtProjectError(f"{config_file}: not a dbt project file (no mapping at the top)")
    name = config.get("name")
    paths = config.get("model-paths") or config.get("source-paths") or ["models"]
    return DbtProject(
        folder=folder,
        name=name if isinstance(name, str) else None,
        has_profiles=(folder / "profiles.yml").is_file(),
        model_paths=tuple(str(p) for p in paths if isinstance(p, str)),
    )


def asset_keys(manifest: Path, python_keys: Collection[str]) -> list[str]:
    """The asset keys ``@dbt_assets`` makes of every model, seed and snapshot."""
    try:
        graph = dbt_graph(load_manifest(manifest), python_asset_keys=python_keys)
    except ManifestError as exc:
        raise DbtProjectError(f"{manifest}: {exc}") from exc
    return sorted(asset.key for asset in graph.assets)
