"""Find the artifacts on one side of a diff: a bundle root, one bundle, one file, or nothing.

``dist/floe`` holds ``<env>/compiled_artifacts.json`` per environment; a bundle folder holds
one; a path that does not exist is a side without floe.yaml (a first PR, a deleted config).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from floe_runtime.artifact.errors import ArtifactError
from floe_runtime.artifact.store import ARTIFACT_NAME
from floe_runtime.artifact.view import ArtifactView, Payload, read_view

MAX_ENVIRONMENTS = 1000


def load_side(path: Path) -> dict[str, Payload]:
    """Every environment's verified artifact under ``path``, by environment name."""
    if not path.exists():
        return {}
    if path.is_file():
        files = [path]
    elif (path / ARTIFACT_NAME).is_file():
        files = [path / ARTIFACT_NAME]
    else:
        files = sorted(p / ARTIFACT_NAME for p in path.iterdir() if (p / ARTIFACT_NAME).is_file())
        if not files:
            raise ArtifactError(
                f"{path}: no {ARTIFACT_NAME} here or in its folders; pass a bundle root "
                "(dist/floe), one environment's bundle, or one artifact"
            )
        if len(files) > MAX_ENVIRONMENTS:
            raise ArtifactError(f"{path}: more than {MAX_ENVIRONMENTS} environments")
    side: dict[str, Payload] = {}
    for file in files:
        view = read_view(file)
        name = view.environment
        assert name is not None  # read_view refuses an artifact without one
        if name in side:
            raise ArtifactError(f"{file}: a second artifact for environment {name!r}")
        side[name] = view.payload
    return side


def config_of(side: Mapping[str, Payload]) -> str | None:
    """The floe.yaml path a side was compiled from (the artifacts name it), if any."""
    for payload in side.values():
        if (path := ArtifactView(payload).source_path) is not None:
            return path
    return None
