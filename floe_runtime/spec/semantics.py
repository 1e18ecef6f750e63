"""What floe.yaml means, checked before anything runs.

Shape is the model's business; this module checks meaning: references resolve, crons and
timezones are ones Dagster accepts, partition definitions make sense, selections parse, and
what floe will import, call or read passes ``spec.trust`` (the runtime's own rules). Rules
that need the asset graph (selections that pick nothing, sensors on unknown assets) belong to
the compiler.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from floe_runtime.base.diagnostics import (
    ERROR_LIMIT,
    Diagnostic,
    JsonPath,
    Position,
    Severity,
    did_you_mean,
    format_path,
    known_list,
)
from floe_runtime.ports.cron import Cron, parse_cron
from floe_runtime.ports.errors import CronError, GlobError, SelectionError
from floe_runtime.ports.globs import compile_glob
from floe_runtime.ports.partition_keys import now_utc, range_problems
from floe_runtime.ports.partitions import (
    MACHINE_DEPENDENT_ZONES,
    fmt_problem,
    key_format,
    known_zones,
    parse_time,
    static_key_problem,
    zone,
)
from floe_runtime.ports.selection import parse_selection, runtime_only_attributes
from floe_runtime.spec import trust
from floe_runtime.spec.models import BatchJob, FloeProject, OnCronCondition, OpsJob
from floe_runtime.spec.partitions import MultiPartitions, StaticPartitions, TimeWindowPartitions
from floe_runtime.spec.triggers import Backfill, PartitionRange
from floe_runtime.spec.yaml_loader import SourceMap

ORCH = "orchestration"
HINTED_REFERENCES = 500
"""Unknown names that get a "did you mean"; past that a file is broken wholesale, and the
hint search (bounded per name) must not add up to minutes."""
SELECTION_BUDGET = 1 << 20
"""Characters of selections parsed per file: parsing is linear, but 5 MiB of selections would
take seconds (and Dagster's own parser far longer); real files hold a few kilobytes."""


class _Stopped(Exception):
    """Raised at the error limit: the rest of a file broken wholesale is not checked."""


@dataclass
class _Checker:
    project: FloeProject
    source: SourceMap
    package: str | None
    out: list[Diagnostic] = field(default_factory=list)
    hints_left: int = HINTED_REFERENCES
    errors_left: int = ERROR_LIMIT
    selection_left: int = SELECTION_BUDGET
    now: datetime = field(default_factory=now_utc)  # one instant for every range checked

    def error(
        self,
        message: str,
        path: JsonPath,
        hint: str | None = None,
        code: str = "semantic",
        position: Position | None = None,
        severity: Severity = "error",
    ) -> None:
        self.out.append(
            self.source.diagnostic(
                message, path, hint=hint, severity=severity, code=code, position=position
            )
        )
        if severity == "error":
            self.errors_left -= 1
            if self.errors_left == 0:
                raise _Stopped

    def reference(self, name: str, known: Mapping[str, object], what: str, path: JsonPath) -> bool:
        if name in known:
            return True
        if self.hints_left > 0:
            self.hints_left -= 1
            hint = did_you_mean(name, known) or f"known {what}s: {known_list(known)}"
        else:
            hint = f"check the {what} name (hints stop after {HINTED_REFERENCES} unknown names)"
        self.error(f"unknown {what} {name!r}", path, hint, code="reference")
        return False

    # ── crons and timezones ────────────────────────────────────────────────────────────

    def cron(self, expression: str, path: JsonPath) -> Cron | None:
        try:
            return parse_cron(expression)
        except CronError as exc:
            self.error(
                f"invalid cron {expression!r}: {exc}",
                path,
                "5 fields: minute hour day-of-month month day-of-week, or @daily/@hourly/...",
                code="cron",
            )
            return None

    def timezone(self, name: str, path: JsonPath) -> bool:
        if zone(name) is not None:
            return True
        if name in MACHINE_DEPENDENT_ZONES or name.startswith(("posix/", "right/")):
            self.error(
                f"timezone {name!r} depends on the machine that reads it",
                path,
                "use an IANA name like Europe/Berlin, the same on every machine",
                code="timezone",
            )
            return False
        hint = did_you_mean(name, known_zones()) or "use an IANA name like Europe/Berlin"
        self.error(f"unknown timezone {name!r}", path, hint, code="timezone")
        return False

    def trust(self) -> None:
        """The rules the runtime applies again before it imports anything (spec.trust)."""
        for refusal in trust.refusals(self.project.orchestration, self.package, None):
            self.error(refusal.message, refusal.field, refusal.hint, code=refusal.code)

    # ── partitions ─────────────────────────────────────────────────────────────────────

    def partitions(self) -> None:
        defs = self.project.orchestration.partitions
        for name, definition in defs.items():
            path: JsonPath = (ORCH, "partitions", name)
            if isinstance(definition, TimeWindowPartitions):
                self.time_window(definition, path)
            elif isinstance(definition, StaticPartitions):
                self.static(definition, path)
            elif isinstance(definition, MultiPartitions):
                self.multi(definition, path, defs)

    def time_window(self, tw: TimeWindowPartitions, path: JsonPath) -> None:
        cron = self.cron(tw.cron_schedule, (*path, "cron_schedule"))
        tz_ok = self.timezone(tw.timezone, (*path, "timezone"))
        if cron is None:
            return
        fmt = key_format(tw)
        if tw.fmt is not None:
            problem = fmt_problem(tw.fmt, cron)
            if problem is not None:
                self.error(problem, (*path, "fmt"), code="partitions")
        if not tz_ok:
            return
        bounds: dict[str, datetime] = {}
        for which in ("start", "end"):
            text = getattr(tw, which)
            if text is None:
                continue
            parsed = parse_time(text, fmt, tw.timezone)
            if parsed is None:
                self.error(
                    f"{which} {text!r} is not a date",
                    (*path, which),
                    f"write it as YYYY-MM-DD, YYYY-MM-DDTHH:MM or in the key format {fmt!r}",
                    code="partitions",
                )
            else:
                bounds[which] = parsed
        if "start" in bounds and "end" in bounds and bounds["start"] > bounds["end"]:
            self.error(
                f"start {tw.start!r} is after end {tw.end!r}", (*path, "end"), code="partitions"
            )

    def static(self, static: StaticPartitions, path: JsonPath) -> None:
        seen: dict[str, int] = {}
        for index, key in enumerate(static.partition_keys):
            key_path = (*path, "partition_keys", index)
            problem = static_key_problem(key)
            if problem is not None:
                self.error(
                    problem,
                    key_path,
                    "Dagster and floe use these characters in "
                    "partition ranges and multi-partition keys",
                    code="partitions",
                )
            if key in seen:
                self.error(
                    f"partition key {key!r} is listed twice (first at item {seen[key] + 1})",
                    key_path,
                    code="partitions",
                )
            seen.setdefault(key, index)

    def multi(self, multi: MultiPartitions, path: JsonPath, defs: Mapping[str, object]) -> None:
        time_dims = 0
        for dim_name, dim in multi.partitions.items():
            dim_path = (*path, "partitions", dim_name)
            resolved: object = dim
            if isinstance(dim, str):
                others = {k: v for k, v in defs.items() if k != path[-1]}
                if not self.reference(dim, others, "partitions entry", dim_path):
                    continue
                resolved = defs[dim]
                if isinstance(resolved, MultiPartitions):
                    self.error(
                        f"dimension {dim_name!r} refers to {dim!r}, which is itself multi",
                        dim_path,
                        "a multi partition combines time_window, static or dynamic definitions",
                        code="partitions",
                    )
                    continue
            elif isinstance(dim, TimeWindowPartitions):
                self.time_window(dim, dim_path)
            elif isinstance(dim, StaticPartitions):
                self.static(dim, dim_path)
            if isinstance(resolved, TimeWindowPartitions):
                time_dims += 1
        if time_dims > 1:
            self.error(
                "a multi partition can have at most one time_window dimension",
                (*path, "partitions"),
                code="partitions",
            )

    # ── assets ─────────────────────────────────────────────────────────────────────────

    def assets(self) -> None:
        orchestration = self.project.orchestration
        for pattern, config in orchestration.assets.items():
            path: JsonPath = (ORCH, "assets", pattern)
            try:
                compile_glob(pattern)
            except GlobError as exc:
                key_pos = self.source.key_at(path)
                self.error(
                    f"invalid asset pattern {pattern!r}: {exc.message}",
                    path,
                    "patterns use * ? [ab] and {a,b}",
                    code="pattern",
                    position=key_pos,
                )
            if config.partitions is not None:
                self.reference(
                    config.partitions,
                    orchestration.partitions,
                    "partitions entry",
                    (*path, "partitions"),
                )
            condition = config.automation_condition
            if isinstance(condition, OnCronCondition):
                cond_path = (*path, "automation_condition")
                self.cron(condition.cron_schedule, (*cond_path, "cron_schedule"))
                self.timezone(condition.cron_timezone, (*cond_path, "cron_timezone"))
            policy = config.backfill_policy
            if (
                policy is not None
                and policy.type == "single_run"
                and (policy.max_partitions_per_run is not None)
            ):
                self.error(
                    "max_partitions_per_run only applies to type multi_run",
                    (*path, "backfill_policy", "max_partitions_per_run"),
                    "remove it, or use type: multi_run",
                    code="assets",
                )

    # ── jobs, schedules, sensors, backfills ────────────────────────────────────────────

    def jobs(self) -> None:
        for name, job in self.project.orchestration.jobs.items():
            path: JsonPath = (ORCH, "jobs", name)
            if isinstance(job, BatchJob):
                for index, expression in enumerate(job.selection):
                    self.selection(expression, (*path, "selection", index))
            elif isinstance(job, OpsJob):
                self.arguments(job.args, (*path, "args"))

    def arguments(self, value: object, path: JsonPath) -> None:
        """Arguments travel as JSON (the artifact) and Dagster run config: neither carries
        infinities or NaN, which JSON would silently turn into null."""
        stack: list[tuple[object, JsonPath]] = [(value, path)]
        while stack:
            item, where = stack.pop()
            if isinstance(item, dict):
                stack += [(v, (*where, str(k))) for k, v in item.items()]
            elif isinstance(item, list):
                stack += [(v, (*where, i)) for i, v in enumerate(item)]
            elif isinstance(item, float) and not math.isfinite(item):
                self.error(
                    f"{format_path(where)} is {item}, which JSON and Dagster config cannot carry",
                    where,
                    "use a finite number, or a string the function parses",
                    code="args",
                )

    def selection(self, expression: str, path: JsonPath) -> None:
        spent = self.selection_left <= 0
        self.selection_left -= len(expression)
        if self.selection_left < 0:
            if not spent:
                self.error(
                    f"the selections in this file add up to more than {SELECTION_BUDGET:,} "
                    "characters; floe parses no more of them",
                    path,
                    "select by group:, tag:, kind: or owner: instead of listing keys one by one",
                    code="too-large",
                )
            return
        try:
            parsed = parse_selection(expression)
        except SelectionError as exc:
            self.error(
                f"invalid asset selection: {exc.message}",
                path,
                "Dagster's selection syntax: key:, group:, tag:, kind:, +x, x+, and, or, not",
                code="selection",
                position=self.source.inside_string(path, exc.column),
            )
            return
        runtime = runtime_only_attributes(parsed)
        if "table_name" in runtime:
            self.error(
                "selection uses table_name:, which Dagster parses but resolves only in its UI "
                "(in code it raises NotImplementedError); a job cannot select by it",
                path,
                "select the same assets by key:, group:, tag:, kind: or owner:",
                code="selection",
            )
        state = [a for a in runtime if a != "table_name"]
        if state:
            self.error(
                f"selection uses {', '.join(a + ':' for a in state)}, which depends on runtime "
                "state; floe resolves every job before deploy",
                path,
                "select by key:, group:, tag:, kind: or owner:",
                code="selection",
            )

    def schedules(self) -> None:
        jobs = self.project.orchestration.jobs
        for name, schedule in self.project.orchestration.schedules.items():
            path: JsonPath = (ORCH, "schedules", name)
            self.reference(schedule.job, jobs, "job", (*path, "job"))
            self.cron(schedule.cron_schedule, (*path, "cron_schedule"))
            self.timezone(schedule.timezone, (*path, "timezone"))

    def sensors(self) -> None:
        jobs = self.project.orchestration.jobs
        for name, sensor in self.project.orchestration.sensors.items():
            path: JsonPath = (ORCH, "sensors", name)
            self.reference(sensor.job, jobs, "job", (*path, "job"))
            if sensor.type == "run_status":
                for index, watched in enumerate(sensor.watched_jobs):
                    self.reference(watched, jobs, "job", (*path, "watched_jobs", index))
            elif sensor.type == "custom":
                self.arguments(sensor.args, (*path, "args"))
            elif sensor.type == "file_watcher":
                try:
                    compile_glob(sensor.pattern)
                except GlobError as exc:
                    self.error(
                        f"invalid file pattern: {exc.message}", (*path, "pattern"), code="pattern"
                    )

    def backfills(self) -> None:
        orchestration = self.project.orchestration
        for name, backfill in orchestration.backfills.items():
            path: JsonPath = (ORCH, "backfills", name)
            known = self.reference(backfill.job, orchestration.jobs, "job", (*path, "job"))
            if known and isinstance(orchestration.jobs[backfill.job], OpsJob):
                self.error(
                    f"job {backfill.job!r} is an ops job; only batch jobs of partitioned "
                    "assets can be backfilled",
                    (*path, "job"),
                    code="backfill",
                )
            if backfill.partitions is not None and not self.reference(
                backfill.partitions,
                orchestration.partitions,
                "partitions entry",
                (*path, "partitions"),
            ):
                continue
            if backfill.partition_range is not None:
                self.backfill_range(backfill, backfill.partition_range, path)

    def backfill_range(
        self, backfill: Backfill, partition_range: PartitionRange, path: JsonPath
    ) -> None:
        """A range written in its named partitions' keys, inside them, start before end."""
        defs = self.project.orchestration.partitions
        name = backfill.partitions
        definition = defs.get(name) if name else None
        try:
            problems = range_problems(
                partition_range.start, partition_range.end, definition, defs, name, self.now
            )
        except CronError:
            return  # the partitions' own cron error is already reported
        range_path = (*path, "partition_range")
        for problem in problems:
            where = (*range_path, problem.bound) if problem.bound else range_path
            self.error(problem.message, where, problem.hint, code="backfill")

    def run(self) -> list[Diagnostic]:
        try:
            self.trust()
            self.partitions()
            self.assets()
            self.jobs()
            self.schedules()
            self.sensors()
            self.backfills()
        except _Stopped:
            self.out.append(
                self.source.diagnostic(
                    f"floe stopped checking this file's meaning after {ERROR_LIMIT:,} errors",
                    (),
                    hint="fix these and validate again",
                    severity="warning",
                    code="limit",
                )
            )
        return self.out


def check(project: FloeProject, source: SourceMap, package: str | None) -> list[Diagnostic]:
    """Every semantic problem of a shape-valid project, in file order."""
    return _Checker(project, source, package).run()
