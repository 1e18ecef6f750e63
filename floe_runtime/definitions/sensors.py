"""Sensors from the artifact. Placeholder in branch rt-core: branch rt-ops owns this module
and replaces it at merge; the loader only relies on this signature."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from floe_runtime.artifact.schema import CompiledArtifact


def build_sensors(
    artifact: CompiledArtifact, jobs: Mapping[str, Any], *, project_root: Path
) -> list[Any]:
    return []
