"""floe.yaml sensors as Dagster sensors: one trigger, one run, on a daemon as in a test.

Every sensor keeps its state in Dagster's sensor cursor (stored by the instance, so it survives
daemon and code-server restarts) and gives each run request a run key derived from the trigger
(the daemon launches a run key once per sensor, so a tick retried after a crash adds nothing).
Every run it requests carries ``floe/sensor: <name>``.

- ``file_watcher``: new or changed files matching ``pattern`` directly inside ``path`` (read from
  floe.yaml's folder under the project root). The cursor holds the files already seen (name →
  modification time), so each file triggers once, a rewritten file again.
- ``asset_sensor``: a Dagster multi-asset sensor; fires once every watched asset has a new
  materialization since the last run it requested, not counting materializations by runs it
  requested itself (and their retries): its own job never re-triggers it.
- ``run_status``: a Dagster run-status sensor on the watched jobs; one run per root run (a run
  and its retries by ``run_retries``: a failure alerts once, from the attempt Dagster will not
  retry), or one per attempt with ``every_attempt: true``.
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePath
from typing import Any

import dagster as dg
from dagster._core.storage.tags import SENSOR_NAME_TAG, WILL_RETRY_TAG

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.annotations import subclass_of
from floe_runtime.base.errors import FloeError
from floe_runtime.definitions import partition_keys
from floe_runtime.definitions.jobs import project_function
from floe_runtime.definitions.schedules import target
from floe_runtime.definitions.watched_run import WATCHED_RUN_TAG
from floe_runtime.spec.triggers import AssetSensor, CustomSensor, FileWatcherSensor, RunStatusSensor

MAX_FOLDER_ENTRIES = 10_000
MAX_FILES_PER_TICK = 100
RECORDS_PER_TICK = 100
"""Materializations an asset sensor reads per watched asset and tick (the rest wait a tick)."""
SENSOR_TAG = "floe/sensor"
"""Tag on every run a floe sensor requests: the sensor's name."""


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
            name,
            spec.job,
            artifact.jobs[spec.job].partitions is not None,
            spec.run_config,
            spec.tags,
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
        sensor: str,
        job: str,
        partitioned: bool,
        run_config: Mapping[str, Any],
        tags: Mapping[str, str],
    ) -> None:
        self.sensor = sensor
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
        tags = {**self.tags, **tags, SENSOR_TAG: self.sensor}
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
    name = kwargs["name"]

    def evaluate(
        context: dg.MultiAssetSensorEvaluationContext,
    ) -> list[dg.RunRequest] | dg.SkipReason:
        unread = {
            key: list(context.materialization_records_for_key(key, RECORDS_PER_TICK))
            for key in keys
        }
        own = _own_runs(context.instance, name, unread.values())
        latest: dict[dg.AssetKey, dg.EventLogRecord] = {}
        for key, records in unread.items():
            foreign = [r for r in records if r.event_log_entry.run_id not in own]
            if foreign:
                latest[key] = foreign[-1]
            else:  # only its own runs wrote it (or nothing did): consumed, never a trigger
                for record in records:
                    context.advance_cursor({key: record})
        waiting = [key.to_user_string() for key in keys if key not in latest]
        if waiting:
            return dg.SkipReason(f"waiting for a new materialization of {', '.join(waiting)}")
        records = list(latest.values())
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


def _own_runs(
    instance: dg.DagsterInstance, sensor: str, records: Iterable[list[dg.EventLogRecord]]
) -> set[str]:
    """The runs among the records' that this sensor requested: tagged ``floe/sensor`` by floe,
    or ``dagster/sensor_name`` by the daemon (retries and re-executions keep both tags)."""
    ids = sorted({r.event_log_entry.run_id for group in records for r in group} - {""})
    if not ids:
        return set()
    found = instance.get_runs(filters=dg.RunsFilter(run_ids=ids))
    return {
        run.run_id
        for run in found
        if sensor in (run.tags.get(SENSOR_TAG), run.tags.get(SENSOR_NAME_TAG))
    }


def _run_status(
    spec: RunStatusSensor, runs: _Requests, watched: list[Any], **kwargs: Any
) -> dg.SensorDefinition:
    once = not spec.every_attempt

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus[spec.status], monitored_jobs=watched, **kwargs
    )
    def evaluate(context: dg.RunStatusSensorContext) -> list[dg.RunRequest] | dg.SkipReason:
        run = context.dagster_run
        if once and run.tags.get(WILL_RETRY_TAG) == "true":
            return dg.SkipReason(
                f"run {run.run_id} of {run.job_name} will be retried (run_retries); the "
                "sensor waits for its last attempt"
            )
        root = run.root_run_id or run.run_id
        tags = {
            WATCHED_RUN_TAG: run.run_id,
            "floe/watched_job": run.job_name,
            "floe/watched_root_run": root,
        }
        # the run key: one run per root run (the daemon launches a key once per sensor)
        return runs(context, root if once else run.run_id, tags, context.partition_key)

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
    return subclass_of(hint, PurePath) or any(  # Path, or Path | None
        _is_path(option) for option in typing.get_args(hint)
    )


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
        state = _Edges.read(context.cursor, context.last_tick_completion_time)
        if not result:
            return dg.SensorResult(
                skip_reason=f"{spec.target_function} is false", cursor=state.now(False)
            )
        if state.true:
            return dg.SensorResult(
                skip_reason=f"{spec.target_function} is still true; it ran already",
                cursor=state.now(True),
            )
        rising = state.rising()
        requests = runs(context, rising.run_key, {"floe/trigger": spec.target_function})
        if not requests:
            return dg.SensorResult(skip_reason=f"job {runs.job!r} has no partition yet")
        return dg.SensorResult(run_requests=requests, cursor=rising.now(True))

    return evaluate


@dataclass(frozen=True)
class _Edges:
    """A custom sensor's cursor: whether the condition was true, and how many times it became
    true since ``since`` (when the cursor was started). The run key names the rising edge, so a
    retried tick asks for the same run again, and a cursor reset in the UI starts new keys."""

    true: bool
    edges: int
    since: int

    @classmethod
    def read(cls, cursor: str | None, last_tick: float | None) -> _Edges:
        try:
            data = json.loads(cursor) if cursor else None
            if isinstance(data, dict):
                return cls(bool(data["true"]), int(data["edges"]), int(data["since"]))
        except (ValueError, KeyError, TypeError):
            pass
        # no cursor yet (or floe's earlier "true"/"false"): the previous tick dates it, which a
        # retry of this same tick sees too
        return cls(cursor == "true", 0, int(last_tick or 0))

    @property
    def run_key(self) -> str:
        return f"edge {self.edges}@{self.since}"

    def rising(self) -> _Edges:
        return _Edges(True, self.edges + 1, self.since)

    def now(self, true: bool) -> str:
        return json.dumps({"true": true, "edges": self.edges, "since": self.since})
