"""floe jobs as Dagster jobs.

Batch jobs select exactly the artifact's resolved asset list (what was reviewed is what runs),
never the selection strings again. Ops jobs call ``target_function(**args)`` with the typed
arguments the artifact recorded, and log what the function returned.
"""

# No `from __future__ import annotations`: Dagster reads the op's context annotation at
# definition time and refuses it as a string.
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import JobRecord
from floe_runtime.definitions.locate import LoadError
from floe_runtime.definitions.python_assets import import_module
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
    @dg.op(name=f"{name}_op", description=f"floe: calls {dotted}(**args)")
    def call(context: dg.OpExecutionContext) -> None:
        context.log.info(f"calling {dotted}(**{dict(args)!r})")
        result = function(**args)
        context.log.info(f"{dotted} returned {result!r}")

    @dg.job(
        name=name, description=spec.description or f"floe ops job: {dotted}", **_tags(spec, "ops")
    )
    def job() -> None:
        call()

    return job


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
