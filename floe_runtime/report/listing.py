"""``floe list``: what a compiled environment contains, as rows for a table or JSON.

Everything is read from a compiled artifact (compiled in memory from floe.yaml, or loaded from
disk), so the listing shows exactly what the runtime will build. Times depend on ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.ports.cron import next_ticks, parse_cron
from floe_runtime.ports.partitions import dimension, key_format, parse_time, time_dimension
from floe_runtime.spec.models import (
    DynamicPartitions,
    MultiPartitions,
    StaticPartitions,
    TimeWindowPartitions,
)

MAX_COUNTED_KEYS = 1_000_000
Row = dict[str, Any]


def ticks(cron_schedule: str, timezone: str, after: datetime) -> Iterator[datetime]:
    """Every tick strictly after ``after``, lazily."""
    cron = parse_cron(cron_schedule)
    while True:
        batch = next_ticks(cron, after, timezone, 256)
        yield from batch
        after = batch[-1]


def time_window_keys(tw: TimeWindowPartitions, now: datetime) -> tuple[list[str], bool]:
    """Partition keys as Dagster lists them (complete windows up to ``end`` or now, plus
    ``end_offset``); the bool says the list was cut at MAX_COUNTED_KEYS."""
    fmt = key_format(tw)
    start = parse_time(tw.start, fmt, tw.timezone)
    end = parse_time(tw.end, fmt, tw.timezone) if tw.end else now
    if start is None or end is None:
        return [], False
    keys: list[str] = []
    window_start: datetime | None = None
    extra = tw.end_offset
    for tick in ticks(tw.cron_schedule, tw.timezone, start - timedelta(seconds=1)):
        if window_start is not None:
            if tick > end:
                if extra <= 0:
                    break
                extra -= 1
            keys.append(window_start.strftime(fmt))
            if len(keys) >= MAX_COUNTED_KEYS:
                return keys, True
        window_start = tick
    return keys, False


def partition_keys(
    name: str, artifact: CompiledArtifact, now: datetime
) -> tuple[list[str] | None, bool]:
    """Keys of a partitions entry (None for dynamic ones, known only at run time)."""
    definition = artifact.orchestration.partitions[name]
    return _keys(definition, artifact, now)


def _keys(
    definition: Any, artifact: CompiledArtifact, now: datetime
) -> tuple[list[str] | None, bool]:
    definition = dimension(definition, artifact.orchestration.partitions)
    if isinstance(definition, TimeWindowPartitions):
        return time_window_keys(definition, now)
    if isinstance(definition, StaticPartitions):
        return list(definition.partition_keys), False
    if isinstance(definition, MultiPartitions):
        dims = [_keys(d, artifact, now) for d in definition.partitions.values()]
        first, second = dims[0][0], dims[1][0]
        if first is None or second is None:
            return None, False
        return [f"{a}|{b}" for a in first for b in second], dims[0][1] or dims[1][1]
    return None, False


def _describe_partitions(definition: Any) -> str:
    if isinstance(definition, TimeWindowPartitions):
        end = f" to {definition.end}" if definition.end else ""
        return (
            f"{definition.cron_schedule} {definition.timezone} from {definition.start}{end}, "
            f"keys {definition.fmt}"
        )
    if isinstance(definition, StaticPartitions):
        return ", ".join(definition.partition_keys)
    if isinstance(definition, MultiPartitions):
        return " x ".join(
            f"{dim}={value if isinstance(value, str) else value.type}"
            for dim, value in definition.partitions.items()
        )
    return "keys added at run time"


def rows(kind: str, artifact: CompiledArtifact, now: datetime) -> list[Row]:
    o = artifact.orchestration
    if kind == "assets":
        return [
            {
                "key": a.key,
                "kind": a.kind,
                "group": a.group,
                "partitions": a.partitions,
                "automation": (a.automation_condition or {}).get("type"),
                "deps": len(a.deps),
            }
            for a in artifact.asset_graph.assets
        ]
    if kind == "jobs":
        return [
            {
                "name": name,
                "type": job.type,
                "assets": len(job.assets) if job.type == "batch" else None,
                "partitions": job.partitions,
                "target": job.target_function or ", ".join(o.jobs[name].selection),  # type: ignore[union-attr]
            }
            for name, job in sorted(artifact.jobs.items())
        ]
    if kind == "schedules":
        out = []
        for name, s in sorted(o.schedules.items()):
            upcoming = next_ticks(parse_cron(s.cron_schedule), now, s.timezone, 3)
            job = artifact.jobs.get(s.job)
            out.append(
                {
                    "name": name,
                    "job": s.job,
                    "cron": s.cron_schedule,
                    "timezone": s.timezone,
                    "status": "RUNNING" if s.enabled else "STOPPED",
                    "assets": len(job.assets) if job and job.type == "batch" else None,
                    "next_ticks": [t.isoformat() for t in upcoming],
                }
            )
        return out
    if kind == "sensors":
        return [
            {
                "name": name,
                "type": s.type,
                "job": s.job,
                "interval_seconds": s.poll_interval_seconds,
                "status": "RUNNING" if s.enabled else "STOPPED",
                "watches": _watches(s),
            }
            for name, s in sorted(o.sensors.items())
        ]
    if kind == "partitions":
        out = []
        for name, definition in sorted(o.partitions.items()):
            keys, cut = partition_keys(name, artifact, now)
            out.append(
                {
                    "name": name,
                    "type": definition.type,
                    "keys": None if keys is None else len(keys),
                    "more": cut,
                    "first": keys[0] if keys else None,
                    "last": keys[-1] if keys else None,
                    "definition": _describe_partitions(definition),
                }
            )
        return out
    if kind == "backfills":
        out = []
        for name, b in sorted(o.backfills.items()):
            job = artifact.jobs.get(b.job)
            partitions = b.partitions or (job.partitions if job else None)
            count = _backfill_count(b, partitions, artifact, now)
            out.append(
                {
                    "name": name,
                    "job": b.job,
                    "partitions": partitions,
                    "start": b.partition_range.start if b.partition_range else None,
                    "end": b.partition_range.end if b.partition_range else None,
                    "partition_count": count,
                    "batch_size": b.batch_size,
                    "runs": None if count is None else math.ceil(count / b.batch_size),
                }
            )
        return out
    raise ValueError(kind)


def _watches(sensor: Any) -> str:
    if sensor.type == "file_watcher":
        return f"{sensor.path}/{sensor.pattern}"
    if sensor.type == "asset_sensor":
        return ", ".join(sensor.watched_assets)
    if sensor.type == "run_status":
        return f"{sensor.status} of {', '.join(sensor.watched_jobs)}"
    return sensor.target_function  # type: ignore[no-any-return]


def _backfill_count(
    backfill: Any, partitions: str | None, artifact: CompiledArtifact, now: datetime
) -> int | None:
    if partitions is None:
        return None
    definition = artifact.orchestration.partitions[partitions]
    if isinstance(definition, DynamicPartitions):
        return None
    keys, _ = partition_keys(partitions, artifact, now)
    if keys is None:
        return None
    if backfill.partition_range is None:
        return len(keys)
    if isinstance(definition, MultiPartitions):
        time_dim = time_dimension(definition, artifact.orchestration.partitions)
        if time_dim is None:
            return None
        time_keys, _ = time_window_keys(time_dim, now)
        per_time_key = len(keys) // max(1, len(time_keys))
        return _in_range(time_keys, backfill.partition_range, time_dim) * per_time_key
    return _in_range(keys, backfill.partition_range, definition)


def _in_range(keys: list[str], partition_range: Any, definition: Any) -> int:
    if isinstance(definition, StaticPartitions):
        if partition_range.start not in keys or partition_range.end not in keys:
            return 0
        return keys.index(partition_range.end) - keys.index(partition_range.start) + 1
    fmt = key_format(definition)
    start = parse_time(partition_range.start, fmt, definition.timezone)
    end = parse_time(partition_range.end, fmt, definition.timezone)
    if start is None or end is None:
        return 0
    return sum(
        1
        for key in keys
        if (moment := parse_time(key, fmt, definition.timezone)) and start <= moment <= end
    )


def table(kind: str, items: list[Row]) -> str:
    """Rows as an aligned text table, lists joined, empty cells as '-'."""
    if not items:
        return f"no {kind}"
    columns = [c for c in items[0] if c != "more"]
    cells = [[_cell(row, c) for c in columns] for row in items]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _cell(row: Row, column: str) -> str:
    value = row[column]
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if column == "keys" and row.get("more"):
        return f"≥{value}"
    return str(value)
