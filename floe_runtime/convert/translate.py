"""The orchestration a Dagster code location declares, as floe.yaml entries.

Recognised: ``@asset``/``@multi_asset`` (asset modules, ``partitions_def=``), ``@dbt_assets``
(``partitions_def=`` over every dbt model when the manifest is known), ``define_asset_job``,
``ScheduleDefinition``, ``build_schedule_from_partitioned_job`` and the partitions constructors.
Every other Dagster construct that orchestrates (sensors, ``@schedule``, ``@job``, custom
translators, resources, run config, tags) becomes a :class:`Note` naming its file and line:
nothing is dropped without a word.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floe_runtime.compile.python_assets import discover
from floe_runtime.convert.modules import CodeLocation, Module
from floe_runtime.convert.partitions import Registry, read_partitions
from floe_runtime.convert.selection import (
    SelectionReader,
    Untranslatable,
    callee,
    literal_str,
    text,
)
from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.selection import parse_selection

ASSET_DECORATORS = frozenset({"asset", "multi_asset", "graph_asset", "graph_multi_asset"})
UNTRANSLATED_DECORATORS = {
    "schedule": "schedule function",
    "sensor": "sensor",
    "asset_sensor": "asset sensor",
    "multi_asset_sensor": "multi-asset sensor",
    "run_status_sensor": "run status sensor",
    "run_failure_sensor": "run failure sensor",
    "job": "op job",
}
UNTRANSLATED_CALLS = {
    "SensorDefinition": "sensor",
    "AutomationConditionSensorDefinition": "automation condition sensor",
    "build_sensor_for_freshness_checks": "freshness sensor",
    "load_assets_from_package_module": "asset package (list its modules in asset_modules)",
}
# Calls asset discovery cannot read but floe init does: not notes.
_READ_HERE = ("define_asset_job(", "load_assets_from_modules(")
_JOB_FIELDS = {"name", "selection", "description", "partitions_def"}
_SCHEDULE_FIELDS = {
    "name", "cron_schedule", "job", "job_name", "execution_timezone", "default_status",
    "description",
}  # fmt: skip
_PARTITIONED_SCHEDULE_FIELDS = {
    "job", "name", "description", "minute_of_hour", "hour_of_day", "day_of_week", "day_of_month",
    "default_status",
}  # fmt: skip


@dataclass(frozen=True, order=True)
class Note:
    """Something floe init did not translate: ``# floe init: could not translate ...``."""

    file: str
    line: int
    what: str


@dataclass
class Conversion:
    asset_modules: list[str] = field(default_factory=list)
    registry: Registry = field(default_factory=Registry)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    partitions_in_code: list[str] = field(default_factory=list)  # file:line to delete
    groups: dict[str, list[str]] = field(default_factory=dict)


DbtKeys = Callable[[list[str]], Sequence[str] | None]
"""The dbt asset keys, given the Python ones dbt sources map onto (None: no manifest)."""


def translate(location: CodeLocation, display_root: Path, dbt_keys_for: DbtKeys) -> Conversion:
    """Everything ``location`` declares that floe.yaml can say, and notes for the rest."""
    found = Conversion(
        notes=[Note(p.file, p.line, f"module ({p.reason})") for p in location.problems]
    )
    keys = _python_assets(location, display_root, found)
    dbt_keys = dbt_keys_for([k for group in found.groups.values() for k in group])
    reader = _Reader(location, found, keys, dbt_keys)
    reader.read()
    found.notes.sort()
    return found


def _python_assets(
    location: CodeLocation, display_root: Path, found: Conversion
) -> dict[tuple[str, int], list[str]]:
    keys: dict[tuple[str, int], list[str]] = {}
    for name, module in sorted(location.modules.items()):
        discovery = discover([name], location.roots, display_root)
        if discovery.assets:
            found.asset_modules.append(name)
        for asset in discovery.assets:
            keys.setdefault((name, asset.line), []).append(asset.key)
            found.groups.setdefault(asset.group or "default", []).append(asset.key)
        for problem in discovery.unresolved:
            if not problem.fatal and not problem.reason.startswith(_READ_HERE):
                found.notes.append(Note(module.file, problem.line or 1, problem.reason))
    return keys


class _Reader:
    def __init__(
        self,
        location: CodeLocation,
        found: Conversion,
        keys: dict[tuple[str, int], list[str]],
        dbt_keys: Sequence[str] | None,
    ) -> None:
        self.location, self.found, self.keys, self.dbt_keys = location, found, keys, dbt_keys
        self.selections = SelectionReader(location, self._keys_of)
        self.job_names: dict[int, str] = {}  # id(define_asset_job call) → job name
        self.job_partitions_at: dict[str, tuple[str, int, str]] = {}

    def _keys_of(self, module: str, func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
        line = min([func.lineno, *(d.lineno for d in func.decorator_list)])
        return self.keys.get((module, line), [])

    def note(self, module: Module, node: ast.AST, what: str) -> None:
        self.found.notes.append(Note(module.file, getattr(node, "lineno", 1), what))

    def read(self) -> None:
        """Assets first, then jobs, then what refers to jobs, each across every module."""
        modules = list(self.location.modules.values())
        for module in modules:
            self._definitions_of(module)
        calls = [(m, n) for m in modules for n in ast.walk(m.tree) if isinstance(n, ast.Call)]
        for module, call in calls:
            if callee(call) == "define_asset_job":
                self._job(module, call)
        for module, call in calls:
            name = callee(call)
            if name == "ScheduleDefinition":
                self._guard(module, call, self._schedule)
            elif name == "build_schedule_from_partitioned_job":
                self._guard(module, call, self._partitioned_schedule)
            elif name == "Definitions":
                self._definitions(module, call)
            elif name in UNTRANSLATED_CALLS:
                self.note(module, call, f"{UNTRANSLATED_CALLS[name]} {text(call)}")
        self._job_partitions()

    def _definitions_of(self, module: Module) -> None:
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._decorated(module, node)
            elif isinstance(node, ast.ClassDef):
                bases = [callee(b) for b in node.bases]
                if "DagsterDbtTranslator" in bases:
                    self.note(module, node, f"custom DagsterDbtTranslator {node.name} "
                              "(write it as translation: in floe.yaml)")  # fmt: skip

    def _guard(self, module: Module, call: ast.Call, read: Any) -> None:
        try:
            read(module, call)
        except Untranslatable as exc:
            self.note(module, call, str(exc))

    def _decorated(self, module: Module, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in func.decorator_list:
            name = callee(decorator)
            if name in UNTRANSLATED_DECORATORS:
                self.note(module, decorator, f"{UNTRANSLATED_DECORATORS[name]} {func.name}")
            if not isinstance(decorator, ast.Call):
                continue
            given = _keyword(decorator, "partitions_def")
            if name in ASSET_DECORATORS and given is not None:
                self._asset_partitions(module, func, given, self._keys_of(module.name, func))
            elif name == "dbt_assets":
                self._dbt_assets(module, func, decorator, given)

    def _asset_partitions(
        self, module: Module, func: ast.AST, given: ast.expr, keys: list[str]
    ) -> None:
        try:
            partitions = read_partitions(self.location, module.name, given, self.found.registry)
        except Untranslatable as exc:
            self.note(module, given, f"{exc} of {getattr(func, 'name', 'an asset')}")
            return
        if not keys:
            self.note(module, given, f"partitions_def of {getattr(func, 'name', '?')} (its keys)")
            return
        for key in keys:
            self.found.assets.setdefault(key, {})["partitions"] = partitions
        self.found.partitions_in_code.append(f"{module.file}:{given.lineno}")

    def _dbt_assets(
        self, module: Module, func: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call,
        given: ast.expr | None,
    ) -> None:  # fmt: skip
        translator = _keyword(call, "dagster_dbt_translator")
        if translator is not None and not _plain_translator(translator):
            self.note(module, translator, f"dagster_dbt_translator={text(translator)}")
        for option in ("select", "exclude", "selector"):
            value = _keyword(call, option)
            if value is not None and literal_str(value) not in ("fqn:*", ""):
                self.note(module, value, f"@dbt_assets({option}={text(value)}) of {func.name}")
                return
        if given is None:
            return
        if self.dbt_keys is None:
            self.note(module, given, f"partitions_def of @dbt_assets {func.name} (no dbt manifest)")
            return
        self._asset_partitions(module, func, given, list(self.dbt_keys))

    def _job(self, module: Module, call: ast.Call) -> None:
        name = literal_str(_argument(call, 0, "name"))
        if name is None or not name.isidentifier():
            self.note(module, call, f"job {text(call)} (its name)")
            return
        self.job_names[id(call)] = name
        job: dict[str, Any] = {"type": "batch"}
        selection = _argument(call, 1, "selection")
        try:
            job["selection"] = _valid(
                ["*"] if selection is None else self.selections.read(module.name, selection)
            )
        except Untranslatable as exc:
            self.note(module, call, f"job {name}: {exc}")
            return
        description = literal_str(_keyword(call, "description"))
        if description:
            job["description"] = description
        for keyword in call.keywords:
            if keyword.arg not in _JOB_FIELDS:
                self.note(module, keyword.value, f"job {name}: {keyword.arg or '**'}=")
        partitions = _keyword(call, "partitions_def")
        if partitions is not None:
            try:
                chosen = read_partitions(
                    self.location, module.name, partitions, self.found.registry
                )
                self.job_partitions_at[name] = (module.file, partitions.lineno, chosen)
            except Untranslatable as exc:
                self.note(module, partitions, f"job {name}: {exc}")
        self.found.jobs[name] = job

    def _job_partitions(self) -> None:
        """A job's ``partitions_def`` is its assets' partitions in floe; say so when no asset
        carries them."""
        given = {spec.get("partitions") for spec in self.found.assets.values()}
        for job, (file, line, partitions) in sorted(self.job_partitions_at.items()):
            if partitions not in given:
                what = (f"job {job}: partitions_def={partitions} (floe takes a job's partitions "
                        f"from its assets: give them partitions: {partitions})")  # fmt: skip
                self.found.notes.append(Note(file, line, what))

    def _job_of(self, module: Module, node: ast.expr | None) -> str:
        if node is None:
            raise Untranslatable("schedule without job")
        _, value = self.location.value(module.name, node)
        name = self.job_names.get(id(value))
        if name is None:
            raise Untranslatable(f"schedule job {text(node)}")
        return name

    def _schedule(self, module: Module, call: ast.Call) -> None:
        job_name = literal_str(_keyword(call, "job_name"))
        job = job_name or self._job_of(module, _keyword(call, "job"))
        cron = literal_str(_keyword(call, "cron_schedule"))
        if cron is None:
            raise Untranslatable(f"schedule for {job}: cron_schedule {text(call)}")
        name = literal_str(_argument(call, 0, "name")) or f"{job}_schedule"
        schedule: dict[str, Any] = {"job": job, "cron_schedule": cron}
        zone = _keyword(call, "execution_timezone")
        schedule["timezone"] = literal_str(zone) if zone is not None else "UTC"
        if schedule["timezone"] is None:
            raise Untranslatable(f"schedule {name}: execution_timezone {text(zone)}")  # type: ignore[arg-type]
        self._finish(module, call, name, schedule, _SCHEDULE_FIELDS)
        if self._maybe_partitioned(job):
            self.note(module, call, f"schedule {name}: a ScheduleDefinition asks for a run "
                      "without a partition; floe asks for the latest partition of a partitioned "
                      "job")  # fmt: skip

    def _maybe_partitioned(self, job: str) -> bool:
        """Whether the job may select partitioned assets (a traversal may reach any)."""
        if not self.found.assets or job not in self.found.jobs:
            return False
        if job in self.job_partitions_at or self._partitions_of(job) is not None:
            return True
        simple = all(
            atom.partition(":")[0] in ("key", "group") and " " not in atom and "+" not in atom
            for atom in self.found.jobs[job]["selection"]
        )
        return not simple

    def _partitioned_schedule(self, module: Module, call: ast.Call) -> None:
        job = self._job_of(module, _argument(call, 0, "job"))
        partitions = self._partitions_of(job)
        cadence = self.found.registry.cadences.get(partitions) if partitions else None
        if partitions is None or cadence is None:
            raise Untranslatable(f"schedule from partitioned job {job} (its time partitions)")
        offsets = [_offset(_keyword(call, k)) for k in ("minute_of_hour", "hour_of_day")]
        day = _offset(_keyword(call, "day_of_week")) or _offset(_keyword(call, "day_of_month"))
        if cadence.schedule_type is None and (any(o is not None for o in offsets) or day):
            raise Untranslatable(f"schedule offsets of {job} (its partitions have a custom cron)")
        cron = self.found.registry.entries[partitions]["cron_schedule"]
        if any(o is not None for o in offsets) or day is not None:
            cron = cadence.cron(offsets[0], offsets[1], day)
        schedule: dict[str, Any] = {
            "job": job,
            "cron_schedule": cron,
            "timezone": self.found.registry.entries[partitions]["timezone"],
            "partition_selector": "latest",
        }
        name = literal_str(_keyword(call, "name")) or f"{job}_schedule"
        self._finish(module, call, name, schedule, _PARTITIONED_SCHEDULE_FIELDS)

    def _finish(
        self, module: Module, call: ast.Call, name: str, schedule: dict[str, Any],
        fields: set[str],
    ) -> None:  # fmt: skip
        status = _keyword(call, "default_status")
        if status is not None:
            if callee(status) not in ("RUNNING", "STOPPED"):
                raise Untranslatable(f"schedule {name}: default_status {text(status)}")
            schedule["enabled"] = callee(status) == "RUNNING"
        description = literal_str(_keyword(call, "description"))
        if description:
            schedule["description"] = description
        for keyword in call.keywords:
            if keyword.arg not in fields:
                self.note(module, keyword.value, f"schedule {name}: {keyword.arg or '**'}=")
        self.found.schedules[name] = schedule

    def _partitions_of(self, job: str) -> str | None:
        """The job's partitions: its own ``partitions_def``, else the one its selected assets
        (by ``key:`` or ``group:``) all share."""
        if job in self.job_partitions_at:
            return self.job_partitions_at[job][2]
        if job not in self.found.jobs:
            return None
        selected: set[str | None] = set()
        groups = {g: set(keys) for g, keys in self.found.groups.items()}
        for atom in self.found.jobs[job]["selection"]:
            kind, _, value = atom.partition(":")
            keys = groups.get(value.strip('"'), set()) if kind == "group" else {value.strip('"')}
            if kind not in ("group", "key") or not keys:
                return None
            selected |= {self.found.assets.get(k, {}).get("partitions") for k in keys}
        return selected.pop() if len(selected) == 1 else None

    def _definitions(self, module: Module, call: ast.Call) -> None:
        for keyword in call.keywords:
            if keyword.arg == "resources":
                self.note(module, keyword.value, "Definitions(resources=...): pass resources= to "
                          "FloeDefinitions.from_compiled_artifacts")  # fmt: skip
            elif keyword.arg not in ("assets", "jobs", "schedules", "sensors", "asset_checks"):
                self.note(module, keyword.value, f"Definitions({keyword.arg or '**'}=...)")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    return call.args[index] if len(call.args) > index else _keyword(call, name)


def _offset(node: ast.expr | None) -> int | None:
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    raise Untranslatable(f"schedule offset {text(node)}")


def _plain_translator(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and callee(node) == "DagsterDbtTranslator"
        and not (node.args or node.keywords)
    )


def _valid(selection: list[str]) -> list[str]:
    for expr in selection:
        try:
            parse_selection(expr)
        except SelectionError as exc:
            raise Untranslatable(f"selection {expr!r} ({exc})") from exc
    return selection
