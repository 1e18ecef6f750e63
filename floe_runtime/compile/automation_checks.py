"""Automation conditions that can never become true for the partitions declared.

Dagster's ``eager`` and ``on_missing`` wait for ``~any_deps_missing``: an asset without a time
dimension downstream of an open-ended time-partitioned one waits for every partition since the
start, which is never. Compile says so before a deployment waits forever.
"""

from __future__ import annotations

from floe_runtime.artifact.schema import AssetRecord, ConditionRecord
from floe_runtime.base.diagnostics import JsonPath
from floe_runtime.compile.check_context import ORCH, CheckContext
from floe_runtime.ports.partitions import time_dimension
from floe_runtime.spec.partitions import MultiPartitions, TimeWindowPartitions


def never_true(ctx: CheckContext) -> set[str]:
    """Warn about eager / on_missing conditions that can never become true for the shape
    declared; return those assets. Dagster's two wait for ``~any_deps_missing``: an asset
    without a time dimension downstream of an open-ended time-partitioned one waits for
    every partition since the start, which is never."""
    never: dict[str, list[tuple[str, str]]] = {}
    for key, asset in sorted(ctx.graph.assets.items()):
        automation = asset.automation_condition
        if not isinstance(automation, ConditionRecord) or _time_partitioned(ctx, asset.partitions):
            continue
        upstream = [
            d
            for d in asset.deps
            if d in ctx.graph.assets
            and _time_partitioned(ctx, ctx.graph.assets[d].partitions, open_ended=True)
        ]
        if upstream:
            pattern = _condition_pattern(ctx, asset)
            never.setdefault(pattern or "", []).append((key, upstream[0]))
    for pattern, found in never.items():
        shown = ", ".join(key for key, _ in found[:5]) + (" …" if len(found) > 5 else "")
        key, dep = found[0]
        partitions = ctx.graph.assets[dep].partitions
        path: JsonPath = (
            (ORCH, "assets", pattern, "automation_condition") if pattern else (ORCH, "assets")
        )
        automation = ctx.graph.assets[key].automation_condition
        assert automation is not None
        kind = automation.type
        ctx.report(
            f"automation condition {kind!r} on {shown} can never become true: "
            f"{'they are' if len(found) > 1 else 'it is'} not partitioned by time but "
            f"read{'' if len(found) > 1 else 's'} {dep!r}, partitioned by {partitions!r}, and "
            f"Dagster's {kind} waits until no dependency is missing: every {partitions!r} "
            "partition since its start",
            path,
            f"partition {shown} by {partitions!r} as well (only the latest partition is then "
            "awaited), or use on_cron",
            severity="warning",
        )
    return {key for found in never.values() for key, _ in found}


def _time_partitioned(ctx: CheckContext, name: str | None, open_ended: bool = False) -> bool:
    """Whether partitions ``name`` have a time dimension (``open_ended``: with no end)."""
    defs = ctx.project.orchestration.partitions
    definition = defs.get(name) if name is not None else None
    if isinstance(definition, MultiPartitions):
        definition = time_dimension(definition, defs)
    if not isinstance(definition, TimeWindowPartitions):
        return False
    return definition.end is None or not open_ended


def _condition_pattern(ctx: CheckContext, asset: AssetRecord) -> str | None:
    """The floe.yaml asset pattern whose automation_condition the asset took (the last)."""
    patterns = ctx.project.orchestration.assets
    for shaped in reversed(asset.configured_by):
        config = patterns.get(shaped.pattern)
        if config is not None and config.automation_condition is not None:
            return shaped.pattern
    return None
