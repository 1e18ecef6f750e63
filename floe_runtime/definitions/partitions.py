"""floe.yaml's partitions entries as Dagster partitions definitions, and the dbt vars a
partitioned run receives.

The dbt vars contract (documented in docs/runtime.md): a time window gives ``min_date`` (inclusive)
and ``max_date`` (exclusive), as ``YYYY-MM-DD`` for daily or coarser windows and
``YYYY-MM-DD HH:MM:SS`` (in the partitions' timezone) for finer ones; a static or dynamic key is
passed under the partitions entry's name (``region: eu``), a multi key under each dimension's
name, its time dimension as ``min_date``/``max_date``. A run over several static or dynamic keys
(a single-run backfill) passes the list of keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import BackfillPolicyRecord
from floe_runtime.ports.partitions import key_format, parse_time
from floe_runtime.spec.partitions import (
    Dimension,
    MultiPartitions,
    Partitions,
    StaticPartitions,
    TimeWindowPartitions,
)

DbtVars = dict[str, Any]


def _time_window(spec: TimeWindowPartitions) -> dg.TimeWindowPartitionsDefinition:
    fmt = key_format(spec)  # compile resolved it; an older artifact may leave it to Dagster's

    def when(text: str | None) -> datetime | None:
        return None if text is None else parse_time(text, fmt, spec.timezone)

    start = when(spec.start)
    if start is None:  # validate refused it; an artifact cannot carry one
        raise ValueError(f"partitions start {spec.start!r} is not a date")
    return dg.TimeWindowPartitionsDefinition(
        start=start,
        end=when(spec.end),
        cron_schedule=spec.cron_schedule,
        timezone=spec.timezone,
        fmt=fmt,
        end_offset=spec.end_offset,
    )


def _dimension(name: str, spec: Dimension) -> dg.PartitionsDefinition:
    if isinstance(spec, TimeWindowPartitions):
        return _time_window(spec)
    if isinstance(spec, StaticPartitions):
        return dg.StaticPartitionsDefinition(list(spec.partition_keys))
    return dg.DynamicPartitionsDefinition(name=name)


def build_partitions(entries: Mapping[str, Partitions]) -> dict[str, dg.PartitionsDefinition]:
    """Every entry of ``orchestration.partitions`` (resolved by compile) as a Dagster object."""
    built: dict[str, dg.PartitionsDefinition] = {}
    for name, spec in entries.items():
        if not isinstance(spec, MultiPartitions):
            built[name] = _dimension(name, spec)
    for name, spec in entries.items():
        if isinstance(spec, MultiPartitions):
            dimensions = {
                dim: built[ref] if isinstance(ref, str) else _dimension(f"{name}_{dim}", ref)
                for dim, ref in spec.partitions.items()
            }
            built[name] = dg.MultiPartitionsDefinition(dimensions)
    return built


def _window_vars(
    definition: dg.TimeWindowPartitionsDefinition, start: datetime, end: datetime
) -> DbtVars:
    shape = "%Y-%m-%d %H:%M:%S" if "%H" in definition.fmt else "%Y-%m-%d"
    return {"min_date": start.strftime(shape), "max_date": end.strftime(shape)}


def dbt_vars(
    context: dg.AssetExecutionContext, name: str, definition: dg.PartitionsDefinition
) -> DbtVars:
    """The dbt vars of the partition (or partition range) this run materializes."""
    if isinstance(definition, dg.TimeWindowPartitionsDefinition):
        window = context.partition_time_window
        return _window_vars(definition, window.start, window.end)
    if isinstance(definition, dg.MultiPartitionsDefinition):
        key = context.partition_key
        assert isinstance(key, dg.MultiPartitionKey)
        out: DbtVars = {}
        for dimension in definition.partitions_defs:
            value = key.keys_by_dimension[dimension.name]
            inner = dimension.partitions_def
            if isinstance(inner, dg.TimeWindowPartitionsDefinition):
                window = inner.time_window_for_partition_key(value)
                out |= _window_vars(inner, window.start, window.end)
            else:
                out[dimension.name] = value
        return out
    keys = list(context.partition_keys)
    return {name: keys[0] if len(keys) == 1 else keys}


def backfill_policy(policy: BackfillPolicyRecord) -> dg.BackfillPolicy:
    """The artifact's policy as Dagster's (multi_run: 1 partition per run by default)."""
    if policy.type == "single_run":
        return dg.BackfillPolicy.single_run()
    return dg.BackfillPolicy.multi_run(policy.max_partitions_per_run or 1)
