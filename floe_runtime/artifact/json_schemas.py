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
from floe_runtime.base.errors import FileRefused
from floe_runtime.spec.fields import INTERPOLATION

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


def _resolved(node: Any) -> Any:
    """The schema of values after interpolation: floe.yaml's fields that a ``${VAR}`` may fill
    accept the reference as a string (``spec/fields.py``); an artifact holds only what it was
    filled with, so the reference's branch goes."""
    if isinstance(node, list):
        return [_resolved(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _resolved(value) for key, value in node.items()}
    examples = node.get("examples")
    if isinstance(examples, list):  # `${DBT_TARGET:dev}` is how floe.yaml is written, not filled
        node["examples"] = [e for e in examples if not (isinstance(e, str) and "${" in e)]
        if not node["examples"]:
            del node["examples"]
    branches = node.get("anyOf")
    if isinstance(branches, list):
        kept = [
            b for b in branches if not (isinstance(b, dict) and b.get("pattern") == INTERPOLATION)
        ]
        if len(kept) == 1 and isinstance(kept[0], dict):
            rest = {key: value for key, value in node.items() if key != "anyOf"}
            return {**kept[0], **rest}
        node["anyOf"] = kept
    return node


def _document(
    model: type[BaseModel], file_name: str, title: str, resolved: bool = False
) -> dict[str, Any]:
    schema = model.model_json_schema()
    _close_pattern_maps(schema)
    if resolved:
        schema = _resolved(schema)
    return {"$schema": DRAFT, "$id": BASE_URL + file_name, **schema, "title": title}


def floe_schema() -> dict[str, Any]:
    from floe_runtime.spec.models import FloeProject

    return _document(FloeProject, "floe.schema.json", "floe.yaml")


def artifact_schema() -> dict[str, Any]:
    from floe_runtime.artifact.schema import CompiledArtifact

    return _document(
        CompiledArtifact, "compiled-artifacts.schema.json", "compiled_artifacts.json", resolved=True
    )


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
        except FileRefused:
            current = None
        if current != rendered(build):
            out.append(name)
    return out
