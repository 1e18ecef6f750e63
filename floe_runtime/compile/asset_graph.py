"""The asset graph one environment will run: Python assets, dbt models, external sources, and
the settings floe.yaml's asset patterns put on them.

Pure: discovered Python assets + a dbt graph + the project → asset records and diagnostics.
Asset keys here are Dagster's user strings (components joined by "/").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import TypeAdapter

from floe_runtime.artifact.schema import AssetRecord
from floe_runtime.base.diagnostics import Diagnostic, JsonPath, Position, closest
from floe_runtime.compile.python_assets import Discovery
from floe_runtime.ports.constants import DEFAULT_GROUP, KIND_TAG_PREFIX
from floe_runtime.ports.dbt_manifest import DbtGraph
from floe_runtime.ports.errors import GlobError
from floe_runtime.ports.globs import Glob, compile_glob
from floe_runtime.ports.selection import AssetInfo, SelectionGraph
from floe_runtime.spec.models import AssetConfig, FloeProject
from floe_runtime.spec.yaml_loader import SourceMap

# Dagster's VALID_GROUP_NAME_REGEX (dagster/_core/definitions/utils.py), anchored at both ends.
_VALID_GROUP = re.compile(r"[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*\Z")
UNCHECKED = "unchecked"
"""Code of a finding an incomplete graph cannot confirm; the compiler groups them."""
_SETTINGS = ("partitions", "automation_condition", "backfill_policy", "group_name", "compute_kind")


@dataclass(frozen=True)
class AssetGraph:
    assets: dict[str, AssetRecord]
    complete: bool
    python_complete: bool = True  # every Python asset is known (only dbt may be missing)

    def selection_graph(self) -> SelectionGraph:
        return SelectionGraph(
            AssetInfo(
                key=a.key,
                group=a.group,
                tags=a.tags,
                owners=tuple(a.owners),
                deps=tuple(a.deps),
                materializable=a.kind != "external",
            )
            for a in self.assets.values()
        )

    def materializable(self) -> list[str]:
        return sorted(k for k, a in self.assets.items() if a.kind != "external")


_RECORDS: Final = TypeAdapter(list[AssetRecord])


def _condition(value: Any) -> dict[str, Any] | None:
    """Automation conditions in one form, ``{"type": ...}`` (plus on_cron's cron), for the
    artifact's typed records to validate."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"type": value}
    return value.model_dump()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Rule:
    """One asset pattern, ready to match: its regex, floe.yaml line and the settings it sets."""

    pattern: str
    regex: Glob
    line: int
    settings: dict[str, Any]


def _rules(patterns: Mapping[str, AssetConfig], source: SourceMap) -> list[_Rule]:
    rules = []
    for pattern, config in patterns.items():
        try:
            regex = compile_glob(pattern)
        except GlobError:
            continue  # validation reported it
        where = source.key_at(("orchestration", "assets", pattern))
        settings = {n: getattr(config, n) for n in _SETTINGS if getattr(config, n) is not None}
        rules.append(_Rule(pattern, regex, where.line if where else 0, settings))
    return rules


def _settings(key: str, rules: list[_Rule]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every pattern matching ``key``, in file order; a later pattern's setting wins. (Who
    shaped the asset as plain data: the record's validator builds the models.)"""
    merged: dict[str, Any] = {}
    shaped: list[dict[str, Any]] = []
    for rule in rules:
        if rule.regex.match(key):
            shaped.append({"line": rule.line, "pattern": rule.pattern})
            merged.update(rule.settings)
    return merged, shaped


def build(
    project: FloeProject,
    source: SourceMap,
    python: Discovery,
    dbt: DbtGraph | None,
) -> tuple[AssetGraph, list[Diagnostic]]:
    """Assemble the graph and apply floe.yaml's asset patterns."""
    problems: list[Diagnostic] = []

    def error(message: str, path: JsonPath, hint: str | None = None) -> None:
        problems.append(source.diagnostic(message, path, hint=hint, code="graph"))

    raw = _facts(python, dbt, error)
    patterns = project.orchestration.assets
    shaped_records = _shaped(raw, _rules(patterns, source))
    # validated from plain data in one call: the validator builds every record and its parts
    records = {r.key: r for r in _RECORDS.validate_python(shaped_records)}
    _check_groups(records, error)
    dbt_known = dbt is not None or project.orchestration.dbt is None
    graph = AssetGraph(
        records, complete=python.complete and dbt_known, python_complete=python.complete
    )
    problems += _unused_patterns(patterns, records, source, graph.complete)
    problems += _code_partitions(python, records, source)
    problems += _cut_sources(python, dbt, records, source)
    return graph, problems


def _facts(
    python: Discovery, dbt: DbtGraph | None, error: Callable[[str, JsonPath, str | None], None]
) -> dict[str, dict[str, Any]]:
    """Python assets, then dbt models, as facts read from here on (no copies); a key defined
    twice keeps its first definition and is an error naming both. Deps nothing defines are
    external assets."""
    raw: dict[str, dict[str, Any]] = {}
    found: list[tuple[dict[str, Any], str, JsonPath, str | None]] = [
        (
            {
                "kind": "python",
                "group": asset.group,
                "deps": asset.deps,
                "tags": dict(asset.tags) | {f"{KIND_TAG_PREFIX}{k}": "" for k in asset.kinds},
                "owners": asset.owners,
                "origin": f"{asset.file}:{asset.line}",
            },
            asset.key,
            ("orchestration", "asset_modules"),
            None,
        )
        for asset in python.assets
    ]
    found += [
        (
            {
                "kind": "dbt",
                "group": model.group,
                "deps": model.deps,
                "tags": model.tags,
                "owners": model.owners,
                "origin": f"dbt:{model.file}",
            },
            model.key,
            ("orchestration", "dbt"),
            "give one of them another key (dbt: meta.dagster.asset_key)",
        )
        for model in (dbt.assets if dbt is not None else ())
    ]
    for facts, key, where, hint in found:
        if key in raw:
            error(
                f"asset {key!r} is defined twice ({raw[key]['origin']} and {facts['origin']})",
                where,
                hint,
            )
            continue
        raw[key] = facts
    for dep in sorted({d for a in raw.values() for d in a["deps"]} - raw.keys()):
        raw[dep] = {
            "kind": "external",
            "group": None,
            "deps": set(),
            "tags": {},
            "owners": [],
            "origin": None,
        }
    return raw


def _shaped(raw: dict[str, dict[str, Any]], rules: list[_Rule]) -> list[dict[str, Any]]:
    """Every asset's record as plain data, with the settings of the patterns it matches."""
    shaped_records: list[dict[str, Any]] = []
    for key in sorted(raw):
        facts = raw[key]
        settings, shaped = ({}, []) if facts["kind"] == "external" else _settings(key, rules)
        tags = facts["tags"]
        if "compute_kind" in settings:
            tags = {**tags, f"{KIND_TAG_PREFIX}{settings['compute_kind']}": ""}
        policy = settings.get("backfill_policy")
        shaped_records.append(
            {
                "key": key,
                "kind": facts["kind"],
                "group": settings.get("group_name") or facts["group"] or DEFAULT_GROUP,
                "deps": sorted(set(facts["deps"]) - {key}),
                "tags": dict(sorted(tags.items())),
                "owners": sorted(facts["owners"]),
                "partitions": settings.get("partitions"),
                "automation_condition": _condition(settings.get("automation_condition")),
                "backfill_policy": policy.model_dump() if policy is not None else None,
                "origin": facts["origin"],
                "configured_by": shaped,
            }
        )
    return shaped_records


def _check_groups(
    records: Mapping[str, AssetRecord], error: Callable[[str, JsonPath, str | None], None]
) -> None:
    for key, record in records.items():
        if record.group is not None and not _VALID_GROUP.match(record.group):
            error(
                f"asset {key!r} ({record.origin}) is in group {record.group!r}, which "
                "Dagster refuses",
                ("orchestration", "dbt" if record.kind == "dbt" else "asset_modules"),
                "a group is letters, digits and '_', in segments separated by '/' (like "
                "marketing/finance); set group_name in code, dbt meta, or an asset pattern",
            )


def _unused_patterns(
    patterns: Mapping[str, AssetConfig],
    records: Mapping[str, AssetRecord],
    source: SourceMap,
    complete: bool,
) -> Iterable[Diagnostic]:
    used = {c.pattern for r in records.values() for c in r.configured_by}
    for pattern in patterns:
        if pattern in used:
            continue
        path: JsonPath = ("orchestration", "assets", pattern)
        yield Diagnostic(
            f"asset pattern {pattern!r} matches no asset",
            source.file,
            source.key_at(path),
            path,
            "check the spelling, or remove the pattern",
            severity="warning",
            code="pattern" if complete else UNCHECKED,
        )


def _code_partitions(
    python: Discovery, records: Mapping[str, AssetRecord], source: SourceMap
) -> Iterable[Diagnostic]:
    """A partitions_def in code and partitions from floe.yaml cannot both hold."""
    for asset in python.assets:
        record = records.get(asset.key)
        if record is None or not asset.partitioned_in_code:
            continue
        if record.partitions is None:
            yield _partitioned_only_in_code(asset.key, f"{asset.file}:{asset.line}", record, source)
            continue
        pattern = record.configured_by[-1].pattern if record.configured_by else ""
        path: JsonPath = ("orchestration", "assets", pattern, "partitions")
        yield source.diagnostic(
            f"asset {asset.key!r} already sets partitions_def in {asset.file}:{asset.line}; "
            f"floe.yaml also gives it partitions {record.partitions!r}",
            path,
            hint="declare the partitions in one place (floe.yaml is the place floe manages)",
            code="graph",
            position=source.value_at(path) or Position(1, 1),
        )


def _partitioned_only_in_code(
    key: str, where: str, record: AssetRecord, source: SourceMap
) -> Diagnostic:
    """floe builds the asset from floe.yaml: a partitions_def left in code is a half-done
    conversion that would silently run a partitioned asset unpartitioned."""
    pattern = record.configured_by[-1].pattern if record.configured_by else None
    path: JsonPath = ("orchestration", "assets", *([pattern] if pattern is not None else []))
    place = f"asset pattern {pattern!r}" if pattern is not None else "orchestration.assets"
    return source.diagnostic(
        f"asset {key!r} sets partitions_def in {where}, but floe.yaml gives it no partitions "
        f"({place}): list, review, backfills and schedules treat it as unpartitioned",
        path,
        hint=f"delete partitions_def= from {where} and set `partitions: <name>` for {key!r} "
        "under orchestration.assets in floe.yaml",
        severity="warning",
        code="graph",
        position=source.key_at(path) or Position(1, 1),
    )


def _cut_sources(
    python: Discovery,
    dbt: DbtGraph | None,
    records: Mapping[str, AssetRecord],
    source: SourceMap,
) -> Iterable[Diagnostic]:
    """A dbt source that names no Python asset but looks like one: lineage is cut there (the
    source becomes an external asset) where the user most likely meant the Python asset."""
    if dbt is None:
        return
    python_keys = {a.key: f"{a.file}:{a.line}" for a in python.assets}
    for item in dbt.sources:
        record = records.get(item.key)
        if item.python_asset or item.resolved_to or record is None or record.kind != "external":
            continue
        names = (item.table_name, f"{item.source_name}_{item.table_name}", item.key)
        guess = next((g for n in names if (g := closest(n, python_keys)) is not None), None)
        if guess is None:
            continue  # a raw table other tools load: external is what the user wants
        declared = f" (dbt:{item.file})" if item.file else ""
        yield source.diagnostic(
            f"dbt source {item.source_name}.{item.table_name}{declared} matches no Python "
            f"asset: it becomes the external asset {item.key!r}, and the lineage from Python "
            "to dbt is cut there",
            ("orchestration", "dbt"),
            hint=f"did you mean the Python asset {guess!r} ({python_keys[guess]})? name the "
            f"source table {guess!r}, or set meta.dagster.asset_key: [{guess!r}] on it",
            severity="warning",
            code="graph",
        )
