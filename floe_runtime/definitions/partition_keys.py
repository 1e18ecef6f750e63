"""Which partitions a schedule tick or a sensor run asks for, read from Dagster's own definition.

Schedules, sensors and backfills take the partitions definition from the job Dagster resolved
(never rebuilt here), so the keys they request are exactly the keys Dagster knows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dagster as dg

from floe_runtime.base.errors import FloeError


def of_job(repository: dg.RepositoryDefinition, job: str) -> dg.PartitionsDefinition:
    """The partitions of a job as Dagster resolved them (the artifact says it has some)."""
    definition = repository.get_job(job).partitions_def
    if definition is None:
        raise FloeError(
            f"job {job!r} is partitioned in the artifact but not in the loaded definitions; "
            "recompile the artifact"
        )
    return definition


def latest(partitions: dg.PartitionsDefinition, now: datetime | None, store: Any) -> list[str]:
    """The latest complete partition at ``now``, as Dagster's partitioned schedules pick it.

    A time window: the last complete window. Multi partitions with a time dimension: every key
    of that window. Static keys have no order in time: every key. Dynamic: the newest key.
    """
    with dg.partition_loading_context(effective_dt=now, dynamic_partitions_store=store):
        if isinstance(partitions, dg.StaticPartitionsDefinition):
            return list(partitions.get_partition_keys())
        if isinstance(partitions, dg.MultiPartitionsDefinition):
            if not partitions.has_time_window_dimension:
                return list(partitions.get_partition_keys())
            dimension = partitions.time_window_dimension
            last = dimension.partitions_def.get_last_partition_key()
            if last is None:
                return []
            return list(
                partitions.get_multipartition_keys_with_dimension_value(dimension.name, last)
            )
        last = partitions.get_last_partition_key()
        return [] if last is None else [last]


def every(partitions: dg.PartitionsDefinition, now: datetime | None, store: Any) -> list[str]:
    """Every partition that exists at ``now`` (complete time windows only)."""
    with dg.partition_loading_context(effective_dt=now, dynamic_partitions_store=store):
        return list(partitions.get_partition_keys())


def contains(partitions: dg.PartitionsDefinition, key: str, store: Any) -> bool:
    """Whether ``key`` is one of the partitions (used to pass a trigger's partition on)."""
    with dg.partition_loading_context(dynamic_partitions_store=store):
        return bool(partitions.has_partition_key(key))
