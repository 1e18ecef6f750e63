"""floe jobs as Dagster jobs.

Batch jobs select exactly the artifact's resolved asset list (what was reviewed is what runs),
never the selection strings again. Ops jobs call ``target_function(**args)`` with the typed
arguments the artifact recorded, and log what the function returned; a function with a
parameter named ``run`` also gets the run a run_status sensor watched (``WatchedRun``, or
``None`` when no sensor requested this run).
"""

# No `from __future__ import annotations`: Dagster reads the op's context annotation at
# definition time and refuses it as a string.
import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import JobRecord
from floe_runtime.definitions.errors import LoadError
from floe_runtime.definitions.python_assets import import_module
from floe_runtime.definitions.watched_run import (
    FAILURE_LIMIT,
    PARAMETER,
    WATCHED_RUN_TAG,
    WatchedRun,
)
from floe_runtime.spec.models import BatchJob, InProcessExecutor, MultiprocessExecutor, OpsJob

JobDefinition = Any  # a dg.JobDefinition, or the unresolved job define_asset_job returns


def project_function(dotted: str, roots: Sequence[Path], where: str) -> Callable[..., Any]:
    """Import ``module.function``; a clear error naming the floe.yaml place otherwise."""
    module_name, _, attribute = dotted.rpartition(".")
    module = import_module(module_name, roots, where)
    function = getattr(module, attribute, None)
    if not callable(function):
        raise LoadError(f"{where}: {module_name!r} has no function {attribute!r}")
    return function  # type: ignore[no-any-return]


def executor(spec: InProcessExecutor | MultiprocessExecutor | None) -> dg.ExecutorDefinition | None:
    """Dagster's own executor, configured as floe.yaml says (None: Dagster's default)."""
    if spec is None:
        return None
    if isinstance(spec, InProcessExecutor):
        return dg.in_process_executor
    limits = [limit.model_dump(exclude_none=True) for limit in spec.tag_concurrency_limits]
    config: dict[str, Any] = {"tag_concurrency_limits": limits} if limits else {}
    if spec.max_concurrent is not None:
        config["max_concurrent"] = spec.max_concurrent
    return dg.multiprocess_executor.configured(config) if config else dg.multiprocess_executor


def _tags(spec: BatchJob | OpsJob, job_type: str) -> dict[str, Any]:
    """``tags`` and ``run_tags`` as define_asset_job takes them; floe's own tag stays on."""
    return {
        "tags": {**spec.tags, "floe/job_type": job_type},
        "run_tags": None if spec.run_tags is None else {**spec.run_tags},
    }


def ops_job(
    name: str,
    dotted: str,
    function: Callable[..., Any],
    args: Mapping[str, Any],
    spec: OpsJob,
) -> Any:
    wants_run = PARAMETER in inspect.signature(function).parameters

    @dg.op(name=f"{name}_op", description=f"floe: calls {dotted}(**args)")
    def call(context: dg.OpExecutionContext) -> None:
        context.log.info(f"calling {dotted}(**{dict(args)!r})")
        if wants_run:
            run = watched_run(context.instance, context.run.tags.get(WATCHED_RUN_TAG))
            context.log.info(f"{PARAMETER}={run!r}")
            result = function(**args, **{PARAMETER: run})
        else:
            result = function(**args)
        context.log.info(f"{dotted} returned {result!r}")

    @dg.job(
        name=name, description=spec.description or f"floe ops job: {dotted}", **_tags(spec, "ops")
    )
    def job() -> None:
        call()

    return job


def watched_run(instance: dg.DagsterInstance, run_id: str | None) -> WatchedRun | None:
    """The run a run_status sensor watched, read back from the instance (None: no such run)."""
    run = instance.get_run_by_id(run_id) if run_id else None
    if run is None:
        return None
    failure = None
    if run.status == dg.DagsterRunStatus.FAILURE:
        steps = instance.get_records_for_run(
            run_id=run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE, limit=20
        ).records
        errors = []
        for record in steps:
            event = record.event_log_entry.dagster_event
            error = event.step_failure_data.error if event is not None else None
            while error is not None and error.cause is not None:  # the user's error, unwrapped
                error = error.cause
            if event is not None and error is not None:
                errors.append(f"{event.step_key}: {error.message.strip()}")
        if not errors:
            ends = instance.get_records_for_run(
                run_id=run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE, limit=1
            ).records
            errors = [r.event_log_entry.message for r in ends if r.event_log_entry.message]
        failure = "\n".join(errors)[:FAILURE_LIMIT] or "the run failed (no message recorded)"
    return WatchedRun(
        run_id=run.run_id,
        job_name=run.job_name,
        status=run.status.value,
        partition=run.tags.get("dagster/partition"),
        failure=failure,
        root_run_id=run.root_run_id or run.run_id,
        tags=dict(run.tags),
    )


def build_jobs(
    records: Mapping[str, JobRecord],
    specs: Mapping[str, BatchJob | OpsJob],
    roots: Sequence[Path],
    places: Mapping[str, str],
) -> dict[str, JobDefinition]:
    """Every floe job, keyed by its floe name (``places``: each job's floe.yaml line)."""
    jobs: dict[str, JobDefinition] = {}
    for name, record in sorted(records.items()):
        spec = specs[name]
        if isinstance(spec, OpsJob):
            assert record.target_function is not None
            function = project_function(record.target_function, roots, places[name])
            jobs[name] = ops_job(name, record.target_function, function, spec.args, spec)
            continue
        keys = [dg.AssetKey.from_user_string(key) for key in record.assets]
        jobs[name] = dg.define_asset_job(
            name,
            selection=dg.AssetSelection.assets(*keys),
            description=spec.description or f"floe batch job: {', '.join(spec.selection)}",
            config=dict(spec.config) or None,
            executor_def=executor(spec.executor),
            **_tags(spec, "batch"),
        )
    return jobs
