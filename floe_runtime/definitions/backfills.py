"""Run a named backfill in this process, batch by batch, resumable after an interruption.

Each batch is one Dagster run on the given instance (``execute_in_process``): one partition as
``partition_key``, several as a partition range, exactly as Dagster's backfill daemon launches a
ranged run. Progress is a small state file in the instance folder
(``<DAGSTER_HOME>/floe/backfills/<name>.json``): the attempt's id, written before the first
batch, and the partitions whose batch succeeded, written atomically after each one. Running the
same backfill again resumes from what the instance recorded: every run of the attempt is tagged
with its id, so each (asset, partition) its runs materialized, even in a batch interrupted
half-way, is not run again (the rest of such a batch runs with only its missing assets). The
file is removed when the backfill completes, so the next run starts over. ``prepare`` says what
is left, ``execute`` runs it (the CLI draws a progress bar in between).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base import files
from floe_runtime.base.files import write_atomic
from floe_runtime.definitions import backfill_plan, partition_keys
from floe_runtime.definitions.errors import BackfillError

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class Progress:
    """Reported after each batch that ran."""

    batch: int
    batches: int
    keys: list[str]
    run_id: str


@dataclass(frozen=True)
class Batch:
    """One run: its partition keys (one, or a contiguous range), and the assets it
    materializes (None: all of the job's; fewer to finish a batch an interruption cut short)."""

    keys: list[str]
    assets: list[str] | None = None


@dataclass
class Plan:
    """What is left of a backfill: ``finished`` batches done earlier, ``pending`` to run."""

    name: str
    attempt: str
    job: dg.JobDefinition
    partitions: int
    finished: int
    pending: list[Batch]
    done: set[str]
    state: _State

    @property
    def total(self) -> int:
        return self.finished + len(self.pending)


def instance_at(home: Path) -> dg.DagsterInstance:
    """The Dagster instance of ``DAGSTER_HOME`` (created when missing), as `dagster dev` uses."""
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(home.resolve()))


def prepare(
    defs: dg.Definitions | dg.RepositoryDefinition,
    artifact: CompiledArtifact,
    name: str,
    *,
    instance: dg.DagsterInstance,
    restart: bool = False,
) -> Plan:
    """The batches of backfill ``name`` still to run on ``instance`` (all, with ``restart``),
    from the project's definitions (its code location, or the artifact alone)."""
    target = backfill_plan.target(artifact, name)
    repository = defs.get_repository_def() if isinstance(defs, dg.Definitions) else defs
    job = _reviewed_job(repository, target)
    definition = partition_keys.of_job(repository, target.job)
    keys = backfill_plan.select(partition_keys.every(definition, None, instance), target, artifact)
    if not keys:
        raise BackfillError(f"backfill {name!r} covers no partitions; check partition_range")
    state = _State(Path(instance.root_directory) / "floe" / "backfills" / f"{name}.json")
    if restart:
        state.clear()
    attempt, done = state.load()
    done &= set(keys)
    recorded = _recorded(instance, name, attempt)
    every = set(target.assets)
    missing = {key: every - recorded.get(key, set()) for key in keys if key not in done}
    done |= {key for key, assets in missing.items() if not assets}
    pending = [
        Batch(batch, None if assets == every else sorted(assets))
        for assets, group in _groups(keys, missing)
        for batch in backfill_plan.batches(group, target, artifact)
    ]
    _check_policy(repository, target, [batch.keys for batch in pending])
    finished = len(backfill_plan.batches([k for k in keys if k in done], target, artifact))
    return Plan(name, attempt, job, len(keys), finished, pending, done, state)


def _recorded(instance: dg.DagsterInstance, name: str, attempt: str) -> dict[str, set[str]]:
    """Partition → the assets the attempt's runs materialized for it, as the instance's event
    log records them (whatever became of the run: an interrupted run's finished steps count)."""
    tags = {"floe/backfill": name, "floe/backfill_attempt": attempt}
    found: dict[str, set[str]] = {}
    for run in instance.get_runs(filters=dg.RunsFilter(tags=tags)):
        cursor = None
        while True:
            page = instance.get_records_for_run(
                run_id=run.run_id,
                cursor=cursor,
                of_type=dg.DagsterEventType.ASSET_MATERIALIZATION,
                limit=1000,
            )
            for record in page.records:
                event = record.event_log_entry.dagster_event
                if event is not None and event.asset_key is not None and event.partition:
                    found.setdefault(event.partition, set()).add(event.asset_key.to_user_string())
            if not page.has_more:
                break
            cursor = page.cursor
    return found


def _groups(keys: list[str], missing: dict[str, set[str]]) -> list[tuple[set[str], list[str]]]:
    """Runs of consecutive keys (in Dagster's order) missing the same assets; a finished key
    ends a run, so no partition range spans one."""
    groups: list[tuple[set[str], list[str]]] = []
    previous: set[str] | None = None
    for key in keys:
        assets = missing.get(key)
        if not assets:
            previous = None
            continue
        if assets != previous:
            groups.append((assets, []))
        groups[-1][1].append(key)
        previous = assets
    return groups


def execute(
    plan: Plan,
    *,
    instance: dg.DagsterInstance,
    report: Callable[[Progress], None] = lambda _: None,
    stop: Callable[[], bool] = lambda: False,
) -> bool:
    """Run the pending batches in order; False when interrupted (``stop()`` between batches, or
    a signal Dagster caught inside a run): resumable. A failed batch raises BackfillError. The
    batch in flight is not marked done either way; what its run materialized is recorded by the
    instance, and ``prepare`` skips it."""
    # the console shows warnings and errors only (the progress stays readable); every event is
    # still recorded in the instance, for the Dagster UI
    console = {"console": {"config": {"log_level": "WARNING"}}}
    quiet = {"loggers": console} if "console" in plan.job.loggers else None
    plan.state.save(plan.attempt, plan.done)  # the attempt's id outlives an interrupted 1st batch
    for index, batch in enumerate(plan.pending):
        if stop():
            return False
        number = plan.finished + index + 1
        keys = batch.keys
        tags = {
            "floe/backfill": plan.name,
            "floe/backfill_attempt": plan.attempt,
            "floe/backfill_batch": f"{number}/{plan.total}",
        }
        if len(keys) > 1:
            tags.update({RANGE_START: keys[0], RANGE_END: keys[-1]})
        result = plan.job.execute_in_process(
            run_config=quiet,
            instance=instance,
            partition_key=keys[0] if len(keys) == 1 else None,
            tags=tags,
            raise_on_error=False,
            asset_selection=None
            if batch.assets is None
            else [dg.AssetKey.from_user_string(key) for key in batch.assets],
        )
        if not result.success and _interrupted(result):
            return False
        if not result.success:
            raise BackfillError(
                f"backfill {plan.name!r}: batch {number}/{plan.total} ({keys[0]} … {keys[-1]}) "
                f"failed in run {result.run_id}; see that run in Dagster, fix the cause and run "
                f"the same command again — the {number - 1} finished batches are kept"
            )
        plan.done.update(keys)
        plan.state.save(plan.attempt, plan.done)
        report(Progress(number, plan.total, keys, result.run_id))
    plan.state.clear()
    return True


def _interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Whether Ctrl-C / SIGTERM stopped the run: Dagster turns them into this step failure."""
    return any(
        event.is_step_failure
        and event.step_failure_data.error is not None
        and event.step_failure_data.error.cls_name == "DagsterExecutionInterruptedError"
        for event in result.all_events
    )


def _reviewed_job(
    repository: dg.RepositoryDefinition, target: backfill_plan.Target
) -> dg.JobDefinition:
    """The backfill's job from the loaded definitions, which must materialize exactly the
    artifact's resolved asset list (what was reviewed is what runs)."""
    if not repository.has_job(target.job):
        raise BackfillError(
            f"backfill {target.name!r}: the loaded definitions have no job {target.job!r}; "
            "does the code location load this artifact (FloeDefinitions.from_compiled_artifacts)?"
        )
    job = repository.get_job(target.job)
    loaded = sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys)
    if loaded != sorted(target.assets):
        raise BackfillError(
            f"backfill {target.name!r}: job {target.job!r} of the loaded definitions "
            f"materializes {', '.join(loaded) or 'nothing'}, the artifact's "
            f"{', '.join(sorted(target.assets))}; load the same artifact in the code location "
            "or recompile"
        )
    return job


def _check_policy(
    repository: dg.RepositoryDefinition, target: backfill_plan.Target, plan: list[list[str]]
) -> None:
    """Refuse batches larger than an asset's backfill policy allows (no policy: 1 partition per
    run), before anything runs: such an asset would be handed a range it cannot process."""
    widest = max((len(batch) for batch in plan), default=0)
    for key in target.assets:
        assets = repository.assets_defs_by_key[dg.AssetKey.from_user_string(key)]
        policy = assets.backfill_policy
        limit = 1 if policy is None else policy.max_partitions_per_run  # None: no limit
        if limit is not None and widest > limit:
            raise BackfillError(
                f"backfill {target.name!r}: runs of {widest} partitions, but asset {key!r} "
                f"takes at most {limit} per run (its backfill_policy); lower batch_size or raise "
                "the asset's backfill_policy.max_partitions_per_run in floe.yaml"
            )


class _State:
    """The partitions a backfill attempt has finished, in the instance folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> tuple[str, set[str]]:
        try:
            if not self.path.exists():
                return uuid.uuid4().hex[:12], set()
            data = json.loads(files.read_text(self.path, files.CONFIG_LIMIT, "backfill progress"))
            return str(data["attempt"]), set(data["done"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackfillError(
                f"{self.path}: unreadable backfill progress ({exc}); run with --restart to "
                "start the backfill over"
            ) from exc

    def save(self, attempt: str, done: set[str]) -> None:
        payload = {"attempt": attempt, "done": sorted(done)}
        write_atomic(self.path, json.dumps(payload, indent=1).encode("utf-8"))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
