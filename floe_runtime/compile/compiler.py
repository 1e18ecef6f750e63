"""spec + environment inputs → one environment's artifact (pure; no I/O, no Dagster).

The compiler resolves what Dagster would only find out at load or run time: every job's concrete
asset list, partition consistency, sensors watching unknown assets or what their own job
materializes, backfill ranges and batches wider than an asset's backfill policy, automation
conditions that override schedules or can never become true, jobs reading assets nothing
produces, and graphs that will make Dagster slow to load.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from floe_runtime.artifact.schema import (
    AssetGraphRecord,
    CompiledArtifact,
    DbtRecord,
    JobRecord,
    ManifestRecord,
    SourceRecord,
    UnresolvedRecord,
    VariableRecord,
    WarningRecord,
)
from floe_runtime.artifact.store import SCHEMA_VERSION
from floe_runtime.base.diagnostics import (
    INCOMPLETE,
    Diagnostic,
    JsonPath,
    and_more,
    capped,
    closest,
    did_you_mean,
    format_path,
    has_errors,
    known_list,
)
from floe_runtime.base.output import plural
from floe_runtime.base.version import __version__
from floe_runtime.compile import automation_checks, backfill_checks, trust
from floe_runtime.compile.asset_graph import UNCHECKED, AssetGraph
from floe_runtime.compile.check_context import ORCH, CheckContext
from floe_runtime.compile.python_assets import DiscoveryMode
from floe_runtime.ports.constants import KIND_TAG_PREFIX, kinds
from floe_runtime.ports.cron import parse_cron
from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.partitions import default_fmt
from floe_runtime.ports.selection import (
    SelectionGraph,
    attributes,
    parse_selection,
    resolve,
    value_literal,
)
from floe_runtime.spec import modules
from floe_runtime.spec.load import Spec
from floe_runtime.spec.models import BatchJob, FloeProject, OpsJob, Orchestration

SECONDS_PER_JOB_AT_5000_ASSETS = 1.3  # measured by Dagster users; grows with the graph
SLOW_LOAD_SECONDS = 10.0


@dataclass(frozen=True)
class Inputs:
    """What the edge found for one environment besides floe.yaml itself."""

    source: SourceRecord
    graph: AssetGraph
    discovery: DiscoveryMode
    unresolved: list[UnresolvedRecord]
    manifest: ManifestRecord | None = None
    graph_problems: list[Diagnostic] = field(default_factory=list)


@dataclass(kw_only=True)
class _Compiler(CheckContext):
    package: str | None
    selection: SelectionGraph

    def __post_init__(self) -> None:
        self.materializable = frozenset(self.graph.materializable())

    def grouped(self, causes: list[UnresolvedRecord], unchecked: list[Diagnostic]) -> None:
        """One warning for every check an incomplete graph left open, naming the cause."""
        skipped = self.skipped + [(d.message, d.path) for d in unchecked]
        if not skipped:
            return
        reasons = [f"{c.what}: {c.reason}" for c in causes] or ["some assets are unknown"]
        named, more_reasons = capped(reasons, 2)
        cause = "; ".join(named) + and_more(more_reasons)
        listed, more_skipped = capped(skipped, 5)
        shown = "; ".join(f"{format_path(path)}: {message}" for message, path in listed)
        more = and_more(more_skipped, "; ")
        self.out.append(
            self.source.diagnostic(
                f"{plural(len(skipped), 'check')} against the asset graph "
                f"could not be made because the graph is incomplete ({cause})",
                skipped[0][1],
                hint=f"fix the cause first; unchecked: {shown}{more}",
                severity="warning",
                code=INCOMPLETE,
            )
        )

    # ── jobs ─────────────────────────────────────────────────────────────────────────

    def jobs(self) -> dict[str, JobRecord]:
        records: dict[str, JobRecord] = {}
        for name, job in sorted(self.project.orchestration.jobs.items()):
            path: JsonPath = (ORCH, "jobs", name)
            if isinstance(job, OpsJob):
                records[name] = JobRecord(
                    type="ops",
                    assets=[],
                    partitions=None,
                    target_function=modules.resolve(job.target_function, self.package),
                )
                continue
            assets = self.job_assets(job, path)
            records[name] = JobRecord(
                type="batch",
                assets=assets,
                partitions=self.job_partitions(name, assets, path),
                target_function=None,
            )
        return records

    def job_assets(self, job: BatchJob, path: JsonPath) -> list[str]:
        chosen: set[str] = set()
        materializable = self.materializable
        for index, expression in enumerate(job.selection):
            try:
                keys = resolve(expression, graph=self.selection) & materializable
            except SelectionError as exc:
                self.report(f"selection {expression!r}: {exc.message}", (*path, "selection", index))
                continue
            if not keys:
                self.report(
                    f"selection {expression!r} selects no assets",
                    (*path, "selection", index),
                    self.nearest(expression),
                    severity="warning" if len(job.selection) > 1 else "error",
                    python_only=self.python_typo(expression),
                )
            chosen |= keys
        if not chosen and len(job.selection) > 1:
            self.report(f"job {path[-1]!r} selects no assets", (*path, "selection"))
        return sorted(chosen)

    def python_typo(self, expression: str) -> bool:
        """``key:`` values that each are a near miss of a Python asset's key (a typo, not a
        dbt model the missing manifest would hold)."""
        python = {k for k, a in self.graph.assets.items() if a.kind == "python"}
        found = attributes(parse_selection(expression))
        return bool(found) and all(
            a.name == "key"
            and a.value is not None
            and a.value not in python
            and closest(a.value, python) is not None
            for a in found
        )

    def nearest(self, expression: str) -> str:
        """What the user may have meant: close names for each attribute of the expression."""
        assets = self.graph.assets.values()
        known: dict[str, set[str]] = {
            "group": {a.group for a in assets if a.kind != "external" and a.group is not None},
            "key": {a.key for a in assets},
            "tag": {t for a in assets for t in a.tags if not t.startswith(KIND_TAG_PREFIX)},
            "kind": kinds(t for a in assets for t in a.tags),
            "owner": {o for a in assets for o in a.owners},
        }
        hints = []
        for attribute in attributes(parse_selection(expression)):
            names = known.get(attribute.name)
            if not names or attribute.value is None:
                continue
            guess = closest(attribute.value, names)
            if guess is not None:
                hints.append(f"did you mean {attribute.name}:{value_literal(guess)}?")
            else:
                hints.append(f"{attribute.name}s: {known_list(names)}")
        return "; ".join(hints) or f"groups: {known_list(known['group'])}"

    def job_partitions(self, name: str, assets: list[str], path: JsonPath) -> str | None:
        by_partitions: dict[str, list[str]] = {}
        for key in assets:
            partitions = self.graph.assets[key].partitions
            if partitions is not None:
                by_partitions.setdefault(partitions, []).append(key)
        if len(by_partitions) > 1:
            detail = "; ".join(
                f"{p}: {', '.join(keys[:3])}{' …' if len(keys) > 3 else ''}"
                for p, keys in sorted(by_partitions.items())
            )
            self.report(
                f"job {name!r} mixes assets with different partitions ({detail})",
                (*path, "selection"),
                "Dagster runs one partition definition per job: split the job",
            )
            return None
        return next(iter(by_partitions), None)

    # ── schedules, sensors, backfills ─────────────────────────────────────────────────

    def schedules(self, jobs: Mapping[str, JobRecord]) -> None:
        for name, schedule in sorted(self.project.orchestration.schedules.items()):
            job = jobs.get(schedule.job)
            if job is None:
                continue
            automated = [
                k for k in job.assets if self.graph.assets[k].automation_condition is not None
            ]
            if automated:
                shown = ", ".join(automated[:5]) + (" …" if len(automated) > 5 else "")
                self.report(
                    f"schedule {name!r} runs job {schedule.job!r}, whose assets {shown} also "
                    "have automation conditions: the condition wins and the schedule skips them",
                    (ORCH, "schedules", name, "job"),
                    "remove them from the job, or drop the automation condition",
                    severity="warning",
                    about_assets=False,
                )
            if schedule.partition_selector == "all" and job.partitions is None:
                self.report(
                    f"schedule {name!r} selects all partitions, but job {schedule.job!r} has "
                    "no partitioned assets",
                    (ORCH, "schedules", name, "partition_selector"),
                    severity="warning",
                )

    def sensors(self, jobs: Mapping[str, JobRecord]) -> None:
        keys = self.graph.assets
        for name, sensor in sorted(self.project.orchestration.sensors.items()):
            if sensor.type != "asset_sensor":
                continue
            path: JsonPath = (ORCH, "sensors", name, "watched_assets")
            for index, watched in enumerate(sensor.watched_assets):
                if watched not in keys:
                    self.report(
                        f"sensor {name!r} watches unknown asset {watched!r}",
                        (*path, index),
                        did_you_mean(watched, keys) or f"assets: {known_list(keys)}",
                    )
            job = jobs.get(sensor.job)
            own = [w for w in sensor.watched_assets if job is not None and w in job.assets]
            if own:
                self.report(
                    f"sensor {name!r} watches {', '.join(own)}, which its own job "
                    f"{sensor.job!r} materializes: the sensor ignores what its own runs "
                    "materialize (they would trigger it again, without end), so only other runs "
                    "of these assets trigger it",
                    (*path, sensor.watched_assets.index(own[0])),
                    f"take {', '.join(own)} out of job {sensor.job!r} if it should only read them",
                    severity="warning",
                )

    def unproduced(self, jobs: Mapping[str, JobRecord], never: set[str]) -> None:
        """Batch jobs reading an asset that no job contains and no automation condition that
        can fire materializes: on a fresh deployment the job fails there."""
        in_jobs = {key for job in jobs.values() for key in job.assets}
        for name, job in sorted(jobs.items()):
            if job.type != "batch":
                continue
            chosen = set(job.assets)
            missing: dict[str, str] = {}
            for key in job.assets:
                for dep in self.graph.assets[key].deps:
                    found = self.graph.assets.get(dep)
                    if (
                        found is None
                        or found.kind == "external"
                        or dep in chosen
                        or dep in in_jobs
                        or (found.automation_condition is not None and dep not in never)
                    ):
                        continue
                    missing.setdefault(dep, key)
            if missing:
                shown = ", ".join(f"{dep} (read by {key})" for dep, key in sorted(missing.items()))
                self.report(
                    f"job {name!r} reads {shown}, which no job materializes and no automation "
                    "condition will: on a fresh deployment the job fails there",
                    (ORCH, "jobs", name, "selection"),
                    "add it to this job's selection or to another job, or give it an automation "
                    "condition that can fire",
                    severity="warning",
                )

    def load_time(self, jobs: Mapping[str, JobRecord]) -> None:
        assets = len(self.materializable)
        batch_jobs = sum(1 for j in jobs.values() if j.type == "batch") + 1  # + Dagster's own
        estimate = batch_jobs * SECONDS_PER_JOB_AT_5000_ASSETS * assets / 5000
        if estimate >= SLOW_LOAD_SECONDS:
            self.report(
                f"{assets:,} assets and {batch_jobs} asset jobs: Dagster will need about "
                f"{math.ceil(estimate)} s to load this code location (~1.3 s per job at "
                "5,000 assets)",
                (ORCH, "jobs"),
                "use fewer, broader jobs, or automation conditions instead of scheduled jobs",
                severity="warning",
                about_assets=False,
            )


def _resolved_orchestration(project: FloeProject, package: str | None) -> dict[str, Any]:
    """The orchestration with every default filled and every name made absolute."""
    data = project.orchestration.model_dump(mode="json")
    data["asset_modules"] = [modules.resolve(m, package) for m in data["asset_modules"]]
    for job in data["jobs"].values():
        if job["type"] == "ops":
            job["target_function"] = modules.resolve(job["target_function"], package)
    for sensor in data["sensors"].values():
        if sensor["type"] == "custom":
            sensor["target_function"] = modules.resolve(sensor["target_function"], package)
    for config in data["assets"].values():
        if isinstance(config.get("automation_condition"), str):
            config["automation_condition"] = {"type": config["automation_condition"]}
    for partitions in data["partitions"].values():
        dims = partitions["partitions"].values() if partitions["type"] == "multi" else [partitions]
        for dim in dims:
            if isinstance(dim, dict) and dim["type"] == "time_window" and dim["fmt"] is None:
                dim["fmt"] = default_fmt(parse_cron(dim["cron_schedule"]))
    dbt = data["dbt"]
    if dbt is not None:
        dbt["profiles_dir"] = dbt["profiles_dir"] or dbt["project_dir"]
        dbt["op_name"] = dbt["op_name"] or f"dbt_{project.name}"
        for rules in filter(None, [dbt["translation"], (dbt["translation"] or {}).get("sources")]):
            if isinstance(rules["key_prefix"], str):
                rules["key_prefix"] = [rules["key_prefix"]]
    return data


def build_artifact(
    spec: Spec, *, environment: str, inputs: Inputs
) -> tuple[CompiledArtifact | None, list[Diagnostic]]:
    """The artifact for one environment (not yet sealed: no checksum), or None on errors."""
    assert spec.project is not None and spec.source is not None
    project, source = spec.project, spec.source
    compiler = _Compiler(
        project=project,
        source=source,
        graph=inputs.graph,
        package=spec.package,
        selection=inputs.graph.selection_graph(),
    )
    unchecked = [d for d in inputs.graph_problems if d.code == UNCHECKED]
    compiler.out += [d for d in inputs.graph_problems if d.code != UNCHECKED]
    jobs = compiler.jobs()
    compiler.schedules(jobs)
    compiler.sensors(jobs)
    compiler.unproduced(jobs, automation_checks.never_true(compiler))
    backfill_checks.check(compiler, jobs)
    compiler.load_time(jobs)
    compiler.grouped(inputs.unresolved, unchecked)
    problems = compiler.out
    if has_errors(problems):
        return None, problems
    dbt = project.orchestration.dbt
    artifact = CompiledArtifact(
        schema_version=SCHEMA_VERSION,
        floe_version=__version__,
        project={"name": project.name, "version": project.version},
        environment=environment,
        source=inputs.source,
        variables={
            name: VariableRecord(value=v.value, source=v.source)
            for name, v in spec.variables.items()
        },
        orchestration=Orchestration.model_validate(_resolved_orchestration(project, spec.package)),
        dbt=None
        if dbt is None
        else DbtRecord(
            project_dir=dbt.project_dir,
            profiles_dir=dbt.profiles_dir or dbt.project_dir,
            target=dbt.target,
            observability_level=dbt.observability_level,
            manifest=inputs.manifest,
        ),
        asset_graph=AssetGraphRecord(
            complete=inputs.graph.complete,
            discovery=inputs.discovery,
            assets=list(inputs.graph.assets.values()),
            unresolved=inputs.unresolved,
        ),
        jobs=jobs,
        warnings=[
            WarningRecord(
                message=d.message,
                path=format_path(d.path),
                line=d.position.line if d.position else None,
            )
            for d in problems
            if d.severity == "warning"
        ],
        checksum="",
    )
    # The runtime's trust check, on what it will load: what floe writes, floe loads.
    refused = [
        source.diagnostic(r.message, r.field, hint=r.hint, code=r.code)
        for r in trust.refusals(artifact, spec.package)
    ]
    return (None, problems + refused) if refused else (artifact, problems)
