"""Which partitions a named backfill covers, and how they split into runs. Pure Python: the keys
come from Dagster (the loaded job, or a running webserver), the rules from the artifact.

A ``partition_range`` keeps the keys whose window starts between ``start`` and ``end``
(inclusive; dates or keys), as ``floe list backfills`` counts them. Static and dynamic keys are
taken from ``start`` to ``end`` in their declared order. Multi partitions run along their time
dimension: a batch of ``batch_size`` is that many time windows, each with every key of the other
dimension (a rectangle, which Dagster runs as one partition range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.definitions.errors import BackfillError
from floe_runtime.ports.partition_keys import as_key
from floe_runtime.ports.partitions import key_format
from floe_runtime.spec.partitions import MultiPartitions, TimeWindowPartitions
from floe_runtime.spec.triggers import Backfill


@dataclass(frozen=True)
class Target:
    """A named backfill as the artifact declares it."""

    name: str
    spec: Backfill
    job: str
    assets: list[str]
    partitions: str
    definition: Any


def target(artifact: CompiledArtifact, name: str) -> Target:
    backfills = artifact.orchestration.backfills
    if name not in backfills:
        known = ", ".join(sorted(backfills)) or "none"
        raise BackfillError(
            f"no backfill named {name!r} in the {artifact.environment} artifact (declared: {known})"
        )
    spec = backfills[name]
    job = artifact.jobs[spec.job]
    partitions = spec.partitions or job.partitions
    if job.type != "batch" or partitions is None:
        raise BackfillError(
            f"backfill {name!r}: job {spec.job!r} has no partitions, so there is nothing to "
            "backfill; run the job instead"
        )
    definition = artifact.orchestration.partitions[partitions]
    return Target(name, spec, spec.job, list(job.assets), partitions, definition)


def select(keys: list[str], backfill: Target, artifact: CompiledArtifact) -> list[str]:
    """The keys (Dagster's, in Dagster's order) that the backfill's range covers."""
    bounds = backfill.spec.partition_range
    if bounds is None:
        return list(keys)
    definition, position = _time_axis(backfill, artifact)
    if isinstance(definition, TimeWindowPartitions):
        fmt, zone = key_format(definition), definition.timezone
        start, end = as_key(bounds.start, fmt, zone), as_key(bounds.end, fmt, zone)
        if start is None or end is None:
            raise BackfillError(f"backfill {backfill.name!r}: range bounds are not dates")
        # keys read as Dagster writes them: the second of two equal DST hours carries its offset
        return [
            key
            for key in keys
            if (moment := as_key(_axis(key, position), fmt, zone)) and start <= moment <= end
        ]
    order = [_axis(key, position) for key in keys]
    missing = [bound for bound in (bounds.start, bounds.end) if bound not in order]
    if missing:
        raise BackfillError(
            f"backfill {backfill.name!r}: {', '.join(map(repr, missing))} is not a partition of "
            f"{backfill.partitions!r} (yet); check partition_range"
        )
    first, last = order.index(bounds.start), len(order) - 1 - order[::-1].index(bounds.end)
    return keys[first : last + 1]


def batches(keys: list[str], backfill: Target, artifact: CompiledArtifact) -> list[list[str]]:
    """Runs of ``batch_size`` partitions (multi: of ``batch_size`` time windows)."""
    size = backfill.spec.batch_size
    if not isinstance(backfill.definition, MultiPartitions):
        return [keys[i : i + size] for i in range(0, len(keys), size)]
    _, position = _time_axis(backfill, artifact)
    windows: dict[str, list[str]] = {}
    for key in keys:
        windows.setdefault(_axis(key, position), []).append(key)
    groups = list(windows.values())
    return [
        [key for group in groups[i : i + size] for key in group]
        for i in range(0, len(groups), size)
    ]


def _time_axis(backfill: Target, artifact: CompiledArtifact) -> tuple[Any, int | None]:
    """The definition ranges run along, and its place in a multi key (dimensions are joined
    with ``|`` in name order), or None for a plain key."""
    if not isinstance(backfill.definition, MultiPartitions):
        return backfill.definition, None
    named = artifact.orchestration.partitions
    dimensions = sorted(backfill.definition.partitions.items())
    resolved = [named[d] if isinstance(d, str) else d for _, d in dimensions]
    times = [i for i, d in enumerate(resolved) if isinstance(d, TimeWindowPartitions)]
    position = times[0] if times else 0
    return resolved[position], position


def _axis(key: str, position: int | None) -> str:
    return key if position is None else key.split("|")[position]
