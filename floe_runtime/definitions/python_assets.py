"""The project's Python assets: import each ``asset_modules`` entry and collect its definitions.

This is where user code runs, so a failure names what to fix: the module, the floe.yaml line
that lists it, and the file:line of the fault inside the user's code.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import AssetRecord
from floe_runtime.definitions.automation import condition
from floe_runtime.definitions.errors import LoadError
from floe_runtime.definitions.partitions import backfill_policy
from floe_runtime.ports.constants import KIND_TAG_PREFIX, kinds


@dataclass(frozen=True)
class PythonDefinitions:
    assets: list[dg.AssetsDefinition]
    other: list[Any]  # source assets and asset checks, passed through to Definitions


def _fault(exc: BaseException, roots: Sequence[Path]) -> str | None:
    """The innermost frame inside the project: the file:line to fix."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    prefixes = tuple(str(root) for root in roots)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(prefixes)]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def import_module(name: str, roots: Sequence[Path], where: str) -> Any:
    """Import ``name`` from the project; ``where`` is the floe.yaml place that names it."""
    for root in reversed(roots):
        if root.is_dir() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            searched = ", ".join(str(r) for r in roots)
            raise LoadError(
                f"{where}: module {name!r} not found (searched {searched}); check the name, or "
                "the project root (project_root= / FLOE_PROJECT_ROOT)"
            ) from None
        fault = _fault(exc, roots)
        raise LoadError(
            f"{where}: importing {name!r} failed at {fault or 'import time'}: {exc}; install the "
            "missing dependency"
        ) from None
    except Exception as exc:
        fault = _fault(exc, roots)
        raise LoadError(
            f"{where}: importing {name!r} failed at {fault or 'import time'}: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def load_python_assets(
    modules: Sequence[str], roots: Sequence[Path], places: Sequence[str]
) -> PythonDefinitions:
    """Every asset, source asset and asset check the modules define (``places[i]`` names the
    floe.yaml line of ``modules[i]``)."""
    imported = [
        import_module(name, roots, where) for name, where in zip(modules, places, strict=True)
    ]
    assets: list[dg.AssetsDefinition] = []
    other: list[Any] = []
    for definition in dg.load_assets_from_modules(imported):
        if isinstance(definition, dg.AssetsDefinition) and list(definition.specs):
            assets.append(definition)
        else:
            other.append(definition)
    other.extend(dg.load_asset_checks_from_modules(imported))
    return PythonDefinitions(assets, other)


def _shaped(
    spec: dg.AssetSpec,
    records: Mapping[str, AssetRecord],
    partitions: Mapping[str, dg.PartitionsDefinition],
) -> dg.AssetSpec:
    record = records.get(spec.key.to_user_string())
    if record is None:
        return spec  # not in the artifact: the drift check reports it
    tags = {k: v for k, v in record.tags.items() if not k.startswith(KIND_TAG_PREFIX)}
    spec = spec.merge_attributes(
        kinds=kinds(record.tags) - set(spec.kinds),
        tags={k: v for k, v in tags.items() if k not in spec.tags},
    )
    changes: dict[str, Any] = {"group_name": record.group}
    if record.partitions is not None:
        changes["partitions_def"] = partitions[record.partitions]
    automation = condition(record.automation_condition)
    if automation is not None:
        changes["automation_condition"] = automation
    return spec.replace_attributes(**changes)


def shape(
    assets: Sequence[dg.AssetsDefinition],
    records: Mapping[str, AssetRecord],
    partitions: Mapping[str, dg.PartitionsDefinition],
) -> list[dg.AssetsDefinition]:
    """The artifact's group, partitions, automation condition, kinds and backfill policy on
    each Python asset (a multi-asset takes the policy of its first asset)."""
    shaped = []
    for definition in assets:
        mapped = definition.map_asset_specs(lambda spec: _shaped(spec, records, partitions))
        found = (records.get(s.key.to_user_string()) for s in definition.specs)
        policies = [
            r.backfill_policy for r in found if r is not None and r.backfill_policy is not None
        ]
        if policies:
            mapped = mapped.with_attributes(backfill_policy=backfill_policy(policies[0]))
        shaped.append(mapped)
    return shaped
