"""The drift check: the graph Dagster loaded must be the graph the artifact was reviewed with.

Code or a manifest that changed after compiling would otherwise run something nobody reviewed.
It compares keys, deps and the partitions floe manages; a difference is an error that says to
recompile (a warning with ``strict=False``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import dagster as dg

from floe_runtime.artifact.schema import AssetRecord
from floe_runtime.base.diagnostics import capped_lines
from floe_runtime.base.output import plural
from floe_runtime.definitions.errors import DriftError

SHOWN = 20


class DriftWarning(UserWarning):
    """The loaded definitions differ from the artifact (``strict=False``)."""


def differences(
    assets: Iterable[dg.AssetsDefinition],
    records: Mapping[str, AssetRecord],
    partitions: Mapping[str, dg.PartitionsDefinition],
) -> list[str]:
    """What differs between the loaded assets and the artifact's graph, one line each."""
    loaded: dict[str, dg.AssetSpec] = {}
    for definition in assets:
        for spec in definition.specs:
            loaded[spec.key.to_user_string()] = spec
    expected = {key: r for key, r in records.items() if r.kind != "external"}
    found: list[str] = []
    for key in sorted(expected.keys() - loaded.keys()):
        found.append(f"{key}: in the artifact, not in the loaded code")
    for key in sorted(loaded.keys() - expected.keys()):
        found.append(f"{key}: in the loaded code, not in the artifact")
    for key in sorted(expected.keys() & loaded.keys()):
        record, spec = expected[key], loaded[key]
        deps = sorted(dep.asset_key.to_user_string() for dep in spec.deps)
        deps = [dep for dep in deps if dep != key]
        if deps != record.deps:
            added = sorted(set(deps) - set(record.deps))
            removed = sorted(set(record.deps) - set(deps))
            found.append(
                f"{key}: deps differ"
                + (f" (new: {', '.join(added)})" if added else "")
                + (f" (gone: {', '.join(removed)})" if removed else "")
            )
        if record.partitions is not None and spec.partitions_def != partitions[record.partitions]:
            found.append(f"{key}: not partitioned by {record.partitions!r} as the artifact says")
    return found


def check(found: list[str], artifact: str, strict: bool) -> None:
    """Raise (or warn) when the graph drifted from the artifact."""
    if not found:
        return
    message = (
        f"the code does not match the artifact {artifact} ({plural(len(found), 'difference')}); "
        "recompile with `floe compile` and deploy the new "
        "artifact:\n  " + "\n  ".join(capped_lines(found, SHOWN))
    )
    if strict:
        raise DriftError(message)
    warnings.warn(message, DriftWarning, stacklevel=3)
