"""JSON Schemas (draft 2020-12) generated from the models, for editors and other tools.

The committed files in ``schemas/`` are what editors load through the
``# yaml-language-server: $schema=`` line; ``floe schema check`` fails when they drift from the
models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from floe_runtime.base import files

if TYPE_CHECKING:
    from pydantic import BaseModel

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_URL = "https://raw.githubusercontent.com/floe/compile/v1/schemas/"


def _close_pattern_maps(node: Any) -> None:
    """Maps keyed by name patterns accept no other keys (pydantic leaves them open)."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_maps(value)


def _document(model: type[BaseModel], file_name: str, title: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    _close_pattern_maps(schema)
    return {"$schema": DRAFT, "$id": BASE_URL + file_name, **schema, "title": title}


def floe_schema() -> dict[str, Any]:
    from floe_runtime.spec.models import FloeProject

    return _document(FloeProject, "floe.schema.json", "floe.yaml")


def artifact_schema() -> dict[str, Any]:
    from floe_runtime.artifact.schema import CompiledArtifact

    return _document(CompiledArtifact, "compiled-artifacts.schema.json", "compiled_artifacts.json")


def rendered(build: Callable[[], dict[str, Any]]) -> str:
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def all_schemas() -> dict[str, Callable[[], dict[str, Any]]]:
    """File name → builder, for every schema floe publishes."""
    return {"floe.schema.json": floe_schema, "compiled-artifacts.schema.json": artifact_schema}


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in all_schemas().items():
        target = directory / name
        files.write_atomic(target, rendered(build).encode("utf-8"))
        written.append(target)
    return written


def drifted(directory: Path) -> list[str]:
    """Names of schema files that are missing or differ from what the models generate."""
    out = []
    for name, build in all_schemas().items():
        target = directory / name
        try:
            current = files.read_text(target, files.CONFIG_LIMIT, "the JSON Schema")
        except files.FileRefused:
            current = None
        if current != rendered(build):
            out.append(name)
    return out
