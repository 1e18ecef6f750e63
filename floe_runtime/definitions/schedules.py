"""Schedules from the artifact. Placeholder in branch rt-core: branch rt-ops owns this module
and replaces it at merge; the loader only relies on this signature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from floe_runtime.artifact.schema import CompiledArtifact


def build_schedules(artifact: CompiledArtifact, jobs: Mapping[str, Any]) -> list[Any]:
    return []
