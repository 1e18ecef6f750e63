"""floe.yaml sensors as Dagster sensors, each with a cursor so one event triggers one run.

- ``file_watcher``: new or changed files matching ``pattern`` directly inside ``path`` (read from
  floe.yaml's folder under the project root). The cursor holds the files
  already seen (name → modification time), so each file triggers once, a rewritten file again.
- ``asset_sensor``: a Dagster multi-asset sensor; fires once every watched asset has a new
  materialization since the last run it requested.
- ``run_status``: a Dagster run-status sensor on the watched jobs; one run per watched run.
- ``custom``: ``target_function(context, **args)`` (``context`` only when the function has a
  parameter of that name). A parameter annotated ``Path`` gets a relative value (from ``args``
  or its default) read from floe.yaml's folder, the base of a file watcher's ``path``: the code
  server's working directory is nobody's choice. ``True`` requests a run when the condition
  becomes true (not again until it has been false); ``False``/``None`` skips; Dagster's
  ``RunRequest``, ``SkipReason`` or ``SensorResult`` (or a list of run requests) pass through
  unchanged.

A run for a partitioned job targets the partition of what triggered it when the job has that
partition, otherwise the latest complete partition (as a ``latest`` schedule would).
"""

from __future__ import annotations

import inspect
import json
import os
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePath
from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.errors import FloeError
from floe_runtime.definitions import partition_keys
from floe_runtime.definitions.jobs import project_function
from floe_runtime.definitions.schedules import target
from floe_runtime.spec.models import AssetSensor, CustomSensor, FileWatcherSensor, RunStatusSensor

MAX_FOLDER_ENTRIES = 10_000
MAX_FILES_PER_TICK = 100


def build_sensors(
    artifact: CompiledArtifact,
    jobs: Mapping[str, Any],
    *,
    project_root: Path,
    roots: Sequence[Path],
    places: Mapping[str, str],
) -> list[dg.SensorDefinition]:
    """One Dagster sensor per floe.yaml sensor, named like it; a custom sensor's function is
    imported from the project ``roots`` as an ops job's is (``places``: sensor → floe.yaml
    place of its target_function)."""
    folder = project_root / Path(artifact.source.path).parent
    sensors: list[dg.SensorDefinition] = []
    for name, spec in sorted(artifact.orchestration.sensors.items()):
        common: dict[str, Any] = {
            "name": name,
            "minimum_interval_seconds": spec.poll_interval_seconds,
            "default_status": dg.DefaultSensorStatus.RUNNING
            if spec.enabled
            else dg.DefaultSensorStatus.STOPPED,
            "description": spec.description,
        }
        job = target(jobs, spec.job, f"sensor {name!r}")
        runs = _Requests(
            spec.job, artifact.jobs[spec.job].partitions is not None, spec.run_config, spec.tags
        )
        if isinstance(spec, FileWatcherSensor):
            sensors.append(_file_watcher(spec, folder, runs, job=job, **common))
        elif isinstance(spec, AssetSensor):
            sensors.append(_asset_sensor(spec, runs, job=job, **common))
        elif isinstance(spec, RunStatusSensor):
            watched = [target(jobs, w, f"sensor {name!r}") for w in spec.watched_jobs]
            sensors.append(_run_status(spec, runs, watched, request_job=job, **common))
        else:
            function = project_function(spec.target_function, roots, places[name])
            sensors.append(_custom(spec, function, folder, runs, job=job, **common))
    return sensors


class _Requests:
    """Run requests for the sensor's job: one, or one per partition when it is partitioned.

    ``context`` is any of Dagster's sensor contexts: all carry the repository and the instance.
    """

    def __init__(
        self,
        job: str,
        partitioned: bool,
        run_config: Mapping[str, Any],
        tags: Mapping[str, str],
    ) -> None:
        self.job = job
        self.partitioned = partitioned
        self.run_config = run_config
        self.tags = tags

    def __call__(
        self,
        context: Any,
        run_key: str | None,
        tags: Mapping[str, str],
        partition: str | None = None,
        file: Path | None = None,
    ) -> list[dg.RunRequest]:
        """``tags``: floe's own, over the sensor's; ``file``: fills a file watcher's
        ``{path}`` and ``{name}``."""
        tags = {**self.tags, **tags}
        config = dict(self.run_config) if file is None else with_file(self.run_config, file)
        if not self.partitioned:
            return [dg.RunRequest(run_key=run_key, tags=tags, run_config=config)]
        definition = partition_keys.of_job(context.repository_def, self.job)
        store = context.instance
        if partition is not None and partition_keys.contains(definition, partition, store):
            keys = [partition]
        else:
            keys = partition_keys.latest(definition, None, store)
        return [
            dg.RunRequest(
                run_key=None if run_key is None else f"{run_key}:{key}",
                partition_key=key,
                tags=tags,
                run_config=config,
            )
            for key in keys
        ]


def with_file(value: Any, file: Path) -> Any:
    """A file watcher's run config with ``{path}`` (the file's absolute path) and ``{name}``
    (its name) filled in every string; nothing else in the text is read."""
    if isinstance(value, str):
        return value.replace("{path}", str(file)).replace("{name}", file.name)
    if isinstance(value, Mapping):
        return {key: with_file(item, file) for key, item in value.items()}
    if isinstance(value, list):
        return [with_file(item, file) for item in value]
    return value


def _file_watcher(
    spec: FileWatcherSensor, base: Path, runs: _Requests, **kwargs: Any
) -> dg.SensorDefinition:
    folder = base / spec.path  # relative and inside the project root: checked by trust.verify
    shown = f"{spec.path}/{spec.pattern}"

    @dg.sensor(**kwargs)
    def evaluate(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        if not folder.is_dir():
            return dg.SkipReason(f"folder {folder} does not exist (path: {spec.path!r}); waiting")
        present = _files(folder, spec.pattern)
        if present is None:
            return dg.SkipReason(
                f"{folder} holds more than {MAX_FOLDER_ENTRIES:,} entries; move processed "
                "files out of it so the sensor can list it"
            )
        seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
        fresh = sorted((mtime, name) for name, mtime in present.items() if seen.get(name) != mtime)
        cursor = {name: mtime for name, mtime in present.items() if seen.get(name) == mtime}
        requests: list[dg.RunRequest] = []
        for mtime, name in fresh[:MAX_FILES_PER_TICK]:
            made = runs(context, f"{name}:{mtime}", {"floe/file": name}, file=folder / name)
            if made:  # else the job has no partition yet: the file waits for one
                requests += made
                cursor[name] = mtime
        waiting = (
            f"job {runs.job!r} has no partition yet; {len(fresh)} new files wait"
            if fresh
            else f"no new files matching {shown}"
        )
        return dg.SensorResult(
            run_requests=requests,
            skip_reason=None if requests else waiting,
            cursor=json.dumps(cursor, sort_keys=True),
        )

    return evaluate


def _files(folder: Path, pattern: str) -> dict[str, int] | None:
    """Regular files in ``folder`` whose name matches, with their mtime in ns; None when the
    folder is too large to list on every tick."""
    found: dict[str, int] = {}
    with os.scandir(folder) as entries:
        for count, entry in enumerate(entries):
            if count >= MAX_FOLDER_ENTRIES:
                return None
            if fnmatchcase(entry.name, pattern) and entry.is_file():
                found[entry.name] = entry.stat().st_mtime_ns
    return found


def _asset_sensor(spec: AssetSensor, runs: _Requests, **kwargs: Any) -> dg.SensorDefinition:
    keys = [dg.AssetKey.from_user_string(asset) for asset in spec.watched_assets]

    def evaluate(
        context: dg.MultiAssetSensorEvaluationContext,
    ) -> list[dg.RunRequest] | dg.SkipReason:
        latest = context.latest_materialization_records_by_key()
        waiting = [key.to_user_string() for key, record in latest.items() if record is None]
        if waiting:
            return dg.SkipReason(f"waiting for a new materialization of {', '.join(waiting)}")
        records = [record for record in latest.values() if record is not None]
        partitions = {record.partition_key for record in records}
        requests = runs(
            context,
            "+".join(str(record.storage_id) for record in records),
            {"floe/trigger": "asset_sensor"},
            partitions.pop() if len(partitions) == 1 else None,
        )
        if not requests:
            return dg.SkipReason(f"job {runs.job!r} has no partition yet")
        context.advance_all_cursors()  # type: ignore[no-untyped-call]
        return requests

    with warnings.catch_warnings():
        # Dagster keeps multi-asset sensors for what this is, a sensor that runs a given job;
        # its "superseded by declarative automation" notice does not apply
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return dg.multi_asset_sensor(monitored_assets=keys, **kwargs)(evaluate)


def _run_status(
    spec: RunStatusSensor, runs: _Requests, watched: list[Any], **kwargs: Any
) -> dg.SensorDefinition:
    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus[spec.status], monitored_jobs=watched, **kwargs
    )
    def evaluate(context: dg.RunStatusSensorContext) -> list[dg.RunRequest]:
        run = context.dagster_run
        tags = {"floe/watched_run": run.run_id, "floe/watched_job": run.job_name}
        return runs(context, run.run_id, tags, context.partition_key)

    return evaluate


def path_arguments(
    function: Callable[..., Any], args: Mapping[str, Any], folder: Path
) -> dict[str, Any]:
    """``args`` with every relative path for a ``Path``-annotated parameter (given, or its
    default) made absolute under ``folder``."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # an annotation that does not resolve: nothing is a path then
        hints = {}
    resolved = dict(args)
    for name, parameter in inspect.signature(function).parameters.items():
        if not _is_path(hints.get(name)):
            continue
        value = resolved.get(name, parameter.default)
        if isinstance(value, (str, os.PathLike)) and not Path(value).is_absolute():
            resolved[name] = folder / value
    return resolved


def _is_path(hint: Any) -> bool:
    if isinstance(hint, type):
        return issubclass(hint, PurePath)
    return any(_is_path(option) for option in typing.get_args(hint))  # Path | None


def _custom(
    spec: CustomSensor,
    function: Callable[..., Any],
    folder: Path,
    runs: _Requests,
    **kwargs: Any,
) -> dg.SensorDefinition:
    with_context = "context" in inspect.signature(function).parameters
    args = path_arguments(function, spec.args, folder)

    @dg.sensor(**kwargs)
    def evaluate(context: dg.SensorEvaluationContext) -> Any:
        result = function(context, **args) if with_context else function(**args)
        if isinstance(result, (dg.RunRequest, dg.SkipReason, dg.SensorResult, list)):
            return result
        if result is not None and not isinstance(result, bool):
            raise FloeError(
                f"{spec.target_function} returned a {type(result).__name__}; a custom sensor "
                "returns True/False, or a Dagster RunRequest, SkipReason or SensorResult"
            )
        was_true = context.cursor == "true"
        state = "true" if result else "false"
        if not result:
            return dg.SensorResult(skip_reason=f"{spec.target_function} is false", cursor=state)
        if was_true:
            return dg.SensorResult(
                skip_reason=f"{spec.target_function} is still true; it ran already", cursor=state
            )
        requests = runs(context, None, {"floe/trigger": spec.target_function})
        if not requests:
            return dg.SensorResult(skip_reason=f"job {runs.job!r} has no partition yet")
        return dg.SensorResult(run_requests=requests, cursor=state)

    return evaluate
