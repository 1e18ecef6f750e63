"""``floe list``: what a compiled environment contains, as rows for a table or JSON.

Everything is read from a compiled artifact (compiled in memory from floe.yaml, or loaded from
disk), so the listing shows exactly what the runtime will build. Times depend on ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.output import printable
from floe_runtime.ports.cron import next_ticks, parse_cron
from floe_runtime.ports.errors import CronError, PartitionKeysError
from floe_runtime.ports.partition_keys import KeySpan, keys_between, span
from floe_runtime.ports.partitions import dimension, time_dimension
from floe_runtime.spec.partitions import MultiPartitions, StaticPartitions, TimeWindowPartitions

Row = dict[str, Any]


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


def _assets(artifact: CompiledArtifact, now: datetime) -> list[Row]:
    return [
        {
            "key": a.key,
            "kind": a.kind,
            "group": a.group,
            "partitions": a.partitions,
            "automation": None if a.automation_condition is None else a.automation_condition.type,
            "deps": len(a.deps),
        }
        for a in artifact.asset_graph.assets
    ]


def _jobs(artifact: CompiledArtifact, now: datetime) -> list[Row]:
    o = artifact.orchestration
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


def _schedules(artifact: CompiledArtifact, now: datetime) -> list[Row]:
    out = []
    for name, s in sorted(artifact.orchestration.schedules.items()):
        upcoming = _upcoming(name, s.cron_schedule, s.timezone, now)
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


def _sensors(artifact: CompiledArtifact, now: datetime) -> list[Row]:
    return [
        {
            "name": name,
            "type": s.type,
            "job": s.job,
            "interval_seconds": s.poll_interval_seconds,
            "status": "RUNNING" if s.enabled else "STOPPED",
            "watches": _watches(s),
        }
        for name, s in sorted(artifact.orchestration.sensors.items())
    ]


def _partitions(artifact: CompiledArtifact, now: datetime) -> list[Row]:
    defs = artifact.orchestration.partitions
    out = []
    for name, definition in sorted(defs.items()):
        keys = _span(name, definition, defs, now)
        out.append(
            {
                "name": name,
                "type": definition.type,
                "keys": keys.count,
                "more": not keys.exact,
                "first": keys.first,
                "last": keys.last,
                "definition": _describe_partitions(definition),
            }
        )
    return out


def _backfills(artifact: CompiledArtifact, now: datetime) -> list[Row]:
    out = []
    for name, b in sorted(artifact.orchestration.backfills.items()):
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


KINDS: dict[str, Callable[[CompiledArtifact, datetime], list[Row]]] = {
    "assets": _assets,
    "jobs": _jobs,
    "schedules": _schedules,
    "sensors": _sensors,
    "partitions": _partitions,
    "backfills": _backfills,
}
"""What ``floe list`` can list, and how each kind's rows are read off the artifact."""


def rows(kind: str, *, artifact: CompiledArtifact, now: datetime) -> list[Row]:
    if kind not in KINDS:
        raise ValueError(kind)
    return KINDS[kind](artifact, now)


def _upcoming(name: str, cron: str, timezone: str, now: datetime) -> list[datetime]:
    """The next three ticks; a cron that never fires (or fires after year 9999) is an error
    naming the schedule, as Dagster's scheduler would fail on it."""
    try:
        return next_ticks(parse_cron(cron), after=now, timezone=timezone, count=3)
    except CronError as exc:
        raise PartitionKeysError(f"schedule {name!r}: {exc}") from None
    except (OverflowError, ValueError):
        raise PartitionKeysError(
            f"schedule {name!r}: cron {cron!r} has no ticks after {now.isoformat()} before "
            "the year 10000"
        ) from None


def _watches(sensor: Any) -> str:
    if sensor.type == "file_watcher":
        return f"{sensor.path}/{sensor.pattern}"
    if sensor.type == "asset_sensor":
        return ", ".join(sensor.watched_assets)
    if sensor.type == "run_status":
        return f"{sensor.status} of {', '.join(sensor.watched_jobs)}"
    return sensor.target_function  # type: ignore[no-any-return]


def _span(name: str, definition: Any, defs: Mapping[str, Any], now: datetime) -> KeySpan:
    try:
        return span(definition, defs, now)
    except PartitionKeysError as exc:
        raise PartitionKeysError(f"partitions {name!r}: {exc}") from None


def _backfill_count(
    backfill: Any, partitions: str | None, artifact: CompiledArtifact, now: datetime
) -> int | None:
    """Keys a backfill runs: all of them, or those of its range (along the time dimension of a
    multi partition, times every key of the other dimension)."""
    if partitions is None:
        return None
    defs = artifact.orchestration.partitions
    definition = defs[partitions]
    whole = _span(partitions, definition, defs, now)
    if whole.count is None or backfill.partition_range is None:
        return whole.count
    start, end = backfill.partition_range.start, backfill.partition_range.end
    if isinstance(definition, StaticPartitions):
        keys = list(definition.partition_keys)
        if start not in keys or end not in keys:
            return 0
        return max(0, keys.index(end) - keys.index(start) + 1)
    time_dim = definition
    others = 1
    if isinstance(definition, MultiPartitions):
        time_dim = time_dimension(definition, defs)
        if time_dim is None:
            return None
        for value in definition.partitions.values():
            resolved = dimension(value, defs)
            if resolved is not time_dim:
                others *= _span(partitions, resolved, defs, now).count or 0
    if not isinstance(time_dim, TimeWindowPartitions):
        return None
    counted = keys_between(time_dim, now, start, end)
    return None if counted is None else counted[0] * others


def table(kind: str, items: list[Row]) -> str:
    """Rows as an aligned text table, lists joined, empty cells as '-'."""
    if not items:
        return f"no {kind}"
    columns = [c for c in items[0] if c != "more"]
    cells = [[printable(_cell(row, c)) for c in columns] for row in items]
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
