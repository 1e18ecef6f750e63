"""floe.yaml schedules as Dagster schedules: cron, timezone, status per environment, partitions.

A schedule on a partitioned job keeps the declared cron and timezone (Dagster's
``build_schedule_from_partitioned_job`` would replace them by the partitions' cadence) and asks,
at each tick, for the partitions its ``partition_selector`` names, with the partition key as run
key (Dagster scopes a schedule's run keys to the tick, so a retried tick never runs twice):

- ``latest``: the latest complete partition at the scheduled time, as Dagster's partitioned
  schedules pick it (see ``partition_keys.latest``);
- ``all``: one run per partition that exists at the scheduled time — a full refresh each tick.

Assets of the job that have an automation condition are left out of the scheduled runs: the
condition runs them (the compiler warns about the overlap); a job of only such assets skips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.errors import FloeError
from floe_runtime.definitions import partition_keys
from floe_runtime.spec.triggers import Schedule

Evaluation = Callable[[dg.ScheduleEvaluationContext], Any]


def status(enabled: bool) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if enabled else dg.DefaultScheduleStatus.STOPPED


def target(jobs: Mapping[str, Any], job: str, owner: str) -> Any:
    """The Dagster job a schedule or sensor runs; the artifact guarantees it was declared."""
    if job not in jobs:
        raise FloeError(f"{owner} runs job {job!r}, which was not built; recompile the artifact")
    return jobs[job]


def build_schedules(
    artifact: CompiledArtifact, jobs: Mapping[str, Any]
) -> list[dg.ScheduleDefinition]:
    """One Dagster schedule per floe.yaml schedule, named like it."""
    automated = {a.key for a in artifact.asset_graph.assets if a.automation_condition is not None}
    schedules = []
    for name, spec in sorted(artifact.orchestration.schedules.items()):
        record = artifact.jobs[spec.job]
        partitioned = record.partitions is not None
        selection = None
        if automated.intersection(record.assets):
            selection = [
                dg.AssetKey.from_user_string(k) for k in record.assets if k not in automated
            ]
        schedules.append(
            dg.ScheduleDefinition(
                name=name,
                job=target(jobs, spec.job, f"schedule {name!r}"),
                cron_schedule=spec.cron_schedule,
                execution_timezone=spec.timezone,
                default_status=status(spec.enabled),
                description=spec.description,
                execution_fn=_evaluation(spec, partitioned, selection)
                if partitioned or selection is not None or spec.run_config or spec.tags
                else None,
            )
        )
    return schedules


def _evaluation(
    spec: Schedule, partitioned: bool, selection: list[dg.AssetKey] | None
) -> Evaluation:
    """Each tick: the partitions the selector names, and only the assets no automation
    condition runs (``selection``; None runs the whole job), with the schedule's run config
    and tags on every request."""
    job, selector = spec.job, spec.partition_selector
    pick = partition_keys.latest if selector == "latest" else partition_keys.every
    extra: dict[str, Any] = {"run_config": dict(spec.run_config), "tags": dict(spec.tags)}

    def evaluate(
        context: dg.ScheduleEvaluationContext,
    ) -> Iterator[dg.SkipReason | dg.RunRequest]:
        if selection == []:
            yield dg.SkipReason(
                f"every asset of job {job!r} has an automation condition, which runs it instead"
            )
            return
        if not partitioned:
            yield dg.RunRequest(asset_selection=selection, **extra)
            return
        definition = partition_keys.of_job(context.repository_def, job)
        store = context.instance if context.instance_ref is not None else None
        keys = pick(definition, context.scheduled_execution_time, store)
        if not keys:
            yield dg.SkipReason(f"job {job!r} has no {selector} partition at this tick yet")
        for key in keys:
            yield dg.RunRequest(run_key=key, partition_key=key, asset_selection=selection, **extra)

    return evaluate
