"""Backfills against the jobs they run: partitioned at all, written in the job's partitions,
ranges inside them, and batches no wider than each asset's backfill policy allows.

``floe backfill run`` refuses the same things before anything runs; compile says so first.
"""

from __future__ import annotations

from collections.abc import Mapping

from floe_runtime.artifact.schema import JobRecord
from floe_runtime.base.diagnostics import JsonPath
from floe_runtime.compile.check_context import ORCH, CheckContext
from floe_runtime.ports.errors import PartitionKeysError
from floe_runtime.ports.partition_keys import keys_between, now_utc, range_problems, span
from floe_runtime.ports.partitions import dimension, time_dimension
from floe_runtime.spec.partitions import MultiPartitions, TimeWindowPartitions
from floe_runtime.spec.triggers import Backfill


def check(ctx: CheckContext, jobs: Mapping[str, JobRecord]) -> None:
    for name, backfill in sorted(ctx.project.orchestration.backfills.items()):
        path: JsonPath = (ORCH, "backfills", name)
        job = jobs.get(backfill.job)
        if job is None or job.type != "batch":
            continue
        if job.partitions is None:
            ctx.report(
                f"backfill {name!r} runs job {backfill.job!r}, which has no partitioned assets",
                (*path, "job"),
                "attach partitions to its assets with an asset pattern in floe.yaml",
            )
            continue
        if backfill.partitions is not None and backfill.partitions != job.partitions:
            ctx.report(
                f"backfill {name!r} is written in partitions {backfill.partitions!r}, but "
                f"job {backfill.job!r} is partitioned by {job.partitions!r}",
                (*path, "partitions"),
            )
            continue
        if backfill.partition_range is not None and backfill.partitions is None:
            _backfill_range(
                ctx,
                name,
                backfill.partition_range.start,
                backfill.partition_range.end,
                job.partitions,
                path,
            )
        _backfill_policy(ctx, name, backfill, job, path)


def _backfill_policy(
    ctx: CheckContext, name: str, backfill: Backfill, job: JobRecord, path: JsonPath
) -> None:
    """Batches wider than an asset's backfill policy allows: ``floe backfill run`` refuses
    them before anything runs, so compile says so first (the same rule: no policy on a dbt
    model, or multi_run without a maximum, is one partition per run)."""
    assert job.partitions is not None
    widest = _widest_batch(ctx, backfill, job.partitions)
    for key in job.assets:
        asset = ctx.graph.assets[key]
        policy = asset.backfill_policy
        if policy is None and asset.kind != "dbt":
            continue  # a Python asset's decorator may set its own policy: not readable here
        if policy is not None and policy.type == "single_run":
            continue
        limit = (policy.max_partitions_per_run if policy else None) or 1
        if widest > limit:
            ctx.report(
                f"backfill {name!r} runs {widest} partitions at a time, but asset {key!r} "
                f"takes at most {limit} per run (its backfill_policy"
                f"{'' if policy else ': none, so 1'})",
                (*path, "batch_size"),
                "lower batch_size, or raise the asset's backfill_policy."
                "max_partitions_per_run in floe.yaml",
            )
            return


def _widest_batch(ctx: CheckContext, backfill: Backfill, partitions: str) -> int:
    """Partitions in the widest run of the backfill: ``batch_size`` time windows (fewer
    when its range holds fewer), times every key of a multi partition's other dimensions."""
    defs = ctx.project.orchestration.partitions
    definition = defs[partitions]
    now = now_utc()
    windows, others = backfill.batch_size, 1
    axis = definition
    if isinstance(definition, MultiPartitions):
        axis = time_dimension(definition, defs) or dimension(
            next(iter(definition.partitions.values())), defs
        )
        for value in definition.partitions.values():
            resolved = dimension(value, defs)
            if resolved is not axis:
                others *= max(1, span(resolved, defs, now).count or 1)
    try:
        bounds = backfill.partition_range
        if bounds is not None and isinstance(axis, TimeWindowPartitions):
            counted = keys_between(axis, now, bounds.start, bounds.end)
            total = counted[0] if counted is not None else None
        elif bounds is None:
            total = span(axis, defs, now).count
        else:
            total = None
    except PartitionKeysError:
        total = None
    if total is not None and total > 0:
        windows = min(windows, total)
    return windows * others


def _backfill_range(
    ctx: CheckContext, name: str, start: str, end: str, partitions: str, path: JsonPath
) -> None:
    """Ranges validate could not place (no ``partitions:``): check them against the job's."""
    defs = ctx.project.orchestration.partitions
    range_path = (*path, "partition_range")
    for problem in range_problems(start, end, defs[partitions], defs, partitions, now_utc()):
        where = (*range_path, problem.bound) if problem.bound else range_path
        # about the partitions definition the job's known assets use, not about dbt
        ctx.report(f"backfill {name!r}: {problem.message}", where, problem.hint, python_only=True)
