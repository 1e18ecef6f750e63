"""The dbt project as Dagster assets: ``@dbt_assets`` on the bundled manifest, shaped by the
artifact.

Every model, seed and snapshot is its own asset; tests are asset checks; sources resolve to the
Python assets that write them (floe's rule in ``ports.dbt_manifest.source_asset_key``, the same
the compiler used). Models that share partitions and backfill policy share one ``@dbt_assets``
definition, since Dagster runs one partitions definition per op. A partitioned run receives its
partition as dbt vars (``definitions.partitions`` documents the names).
"""

# No `from __future__ import annotations`: Dagster reads the op's context annotation at
# definition time and refuses it as a string.
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster._utils.warnings import suppress_dagster_warnings
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_SELECT_METADATA_KEY,
    _build_child_map,
    _validate_asset_keys,
    get_upstream_unique_ids,
    is_non_asset_node,
)
from dagster_dbt.asset_utils import DAGSTER_DBT_UNIQUE_ID_METADATA_KEY as UNIQUE_ID

from floe_runtime.artifact.schema import AssetRecord, BackfillPolicyRecord
from floe_runtime.base import files
from floe_runtime.base.errors import FileRefused
from floe_runtime.definitions.automation import condition
from floe_runtime.definitions.errors import LoadError
from floe_runtime.definitions.partitions import backfill_policy, dbt_vars
from floe_runtime.ports.constants import kinds
from floe_runtime.ports.dbt_manifest import (
    ASSET_RESOURCE_TYPES,
    Translation,
    source_asset_key,
)

ALL = "fqn:*"
"""dbt's default selection, every node: what ``@dbt_assets`` selects when given no ``select``."""


@dataclass(frozen=True)
class DbtSetup:
    """Where dbt runs: the project, its profiles, the target and the dbt executable."""

    project_dir: Path
    profiles_dir: Path
    target: str | None
    executable: str
    per_model: bool


def find_dbt(search_path: str | None, python: str) -> str:
    """``dbt`` on PATH, else beside the running interpreter (an unactivated virtualenv)."""
    found = shutil.which("dbt", path=search_path)
    if found:
        return found
    beside = Path(python).parent / "dbt"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise LoadError(
        "dbt executable not found (not on PATH, not beside "
        f"{python}): install it with `pip install 'floe-runtime[dagster]'` or put `dbt` on PATH"
    )


def check_profile(project_dir: Path, profiles_dir: Path, target: str | None) -> None:
    """Refuse, before any run, a profile or target that dbt would only miss at run time."""
    try:
        project = yaml.safe_load(
            files.read_text(project_dir / "dbt_project.yml", files.CONFIG_LIMIT, "dbt_project.yml")
        )
    except (FileRefused, yaml.YAMLError) as exc:
        raise LoadError(f"{project_dir / 'dbt_project.yml'}: cannot read it ({exc})") from None
    profile = (project or {}).get("profile")
    profiles_file = profiles_dir / "profiles.yml"
    if not profiles_file.is_file():
        raise LoadError(
            f"dbt profiles file {profiles_file} is missing: add profiles.yml there, or set "
            "dbt.profiles_dir in floe.yaml and recompile"
        )
    try:
        profiles = (
            yaml.safe_load(files.read_text(profiles_file, files.CONFIG_LIMIT, "profiles.yml")) or {}
        )
    except (FileRefused, yaml.YAMLError) as exc:
        raise LoadError(f"{profiles_file}: cannot read it ({exc})") from None
    entry = profiles.get(profile) if isinstance(profiles, dict) else None
    if not isinstance(entry, dict):
        raise LoadError(
            f"{profiles_file}: no profile {profile!r} (named by dbt_project.yml): add it to "
            "profiles.yml"
        )
    chosen = target or entry.get("target")
    outputs = entry.get("outputs") or {}
    if chosen not in outputs:
        known = ", ".join(sorted(outputs)) or "none"
        raise LoadError(
            f"{profiles_file}: profile {profile!r} has no target {chosen!r} (targets: {known}): "
            "add it, or compile with another dbt target (DBT_TARGET)"
        )


class FloeTranslator(DagsterDbtTranslator):
    """dagster-dbt's default translation, floe.yaml's ``dbt.translation`` templates (the same
    functions the compiler applied), and the artifact's settings on top."""

    def __init__(
        self,
        records: Mapping[str, AssetRecord],
        python_keys: frozenset[str],
        translation: Translation,
    ) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self.records = records
        self.python_keys = python_keys
        self.translation = translation
        self._specs: dict[tuple[int, str], dg.AssetSpec] = {}
        # each node's key is asked for by the spec, its group and its automation condition
        self._keys: dict[int, tuple[Mapping[str, Any], dg.AssetKey]] = {}

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        known = self._keys.get(id(dbt_resource_props))
        if known is not None and known[0] is dbt_resource_props:
            return known[1]
        if dbt_resource_props["resource_type"] == "source":
            parts = source_asset_key(
                dbt_resource_props, python_asset_keys=self.python_keys, translation=self.translation
            )[0]
            key = dg.AssetKey(parts)
        else:
            default = super().get_asset_key(dbt_resource_props).path
            key = dg.AssetKey(self.translation.nodes.apply_key(dbt_resource_props, default))
        self._keys[id(dbt_resource_props)] = (dbt_resource_props, key)  # held: ids stay unique
        return key

    def record(self, props: Mapping[str, Any]) -> AssetRecord | None:
        return self.records.get(self.get_asset_key(props).to_user_string())

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        found = self.record(dbt_resource_props)
        return found.group if found is not None else super().get_group_name(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition[Any] | None:
        found = self.record(dbt_resource_props)
        return condition(found.automation_condition) if found is not None else None

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetSpec:
        # dagster-dbt asks for the same node many times while it builds the definitions (deps,
        # checks, selections); building an AssetSpec is what loading a large project costs.
        cache_key = (id(manifest), unique_id)
        cached = self._specs.get(cache_key)
        if cached is not None:
            return cached
        spec = super().get_asset_spec(manifest, unique_id, project)
        found = self.records.get(spec.key.to_user_string())
        if found is not None and found.kind == "dbt":
            extra = kinds(found.tags) - set(spec.kinds)
            spec = spec.merge_attributes(kinds=extra) if extra else spec
        self._specs[cache_key] = spec
        return spec


def dbt_nodes(manifest: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The manifest's nodes that dagster-dbt makes assets of (ephemeral models are not)."""
    for props in manifest["nodes"].values():
        if props["resource_type"] in ASSET_RESOURCE_TYPES and (
            props.get("config", {}).get("materialized") != "ephemeral"
        ):
            yield props


def _release_duckdb(adapter: Any) -> None:
    """dbt-duckdb keeps its database open for the life of the process once dagster-dbt has
    queried it (row counts, column metadata), and DuckDB locks the file: close it, or the next
    dbt process of this run could not write."""
    manager: Any = type(getattr(adapter, "connections", None))
    environment = getattr(manager, "_ENV", None)
    if environment is None or getattr(manager, "TYPE", None) != "duckdb":
        return
    with manager._LOCK:
        environment.close()
        manager._ENV = None


def _selector(props: Mapping[str, Any]) -> str:
    return "fqn:" + ".".join(props["fqn"])


def _only_dagster_checks(
    context: dg.AssetExecutionContext, manifest: Mapping[str, Any], *, select_all: bool
) -> list[str]:
    """``--exclude`` for every dbt test the run's selection would pick that is not one of the
    checks Dagster selected: dbt's eager indirect selection also runs tests whose *other* parent
    is outside the run (a ``relationships`` test attached to a model the job does not build, a
    singular test on two models), which Dagster does not count among the job's checks and which
    fail on a warehouse where that model was never built. What runs is what Dagster lists."""
    assets_def = context.assets_def
    ours = {assets_def.get_asset_spec(key).metadata[UNIQUE_ID] for key in assets_def.keys}
    selected = {
        assets_def.get_asset_spec(key).metadata[UNIQUE_ID] for key in context.selected_asset_keys
    }
    wanted = {
        (assets_def.get_spec_for_check_key(key).metadata or {})[UNIQUE_ID]
        for key in context.selected_asset_check_keys
    }
    # the op's own `fqn:*` selects every test directly, less those on another op's models
    direct = select_all and not context.is_subset
    elsewhere = {props["unique_id"] for props in dbt_nodes(manifest)} - ours if direct else set()
    unwanted = []
    for unique_id, props in manifest["nodes"].items():
        if props["resource_type"] != "test" or unique_id in wanted:
            continue
        parents = set(props.get("depends_on", {}).get("nodes", []))
        if parents & selected or (direct and not parents & elsewhere):
            unwanted.append(_selector(props))
    return ["--exclude", " ".join(sorted(unwanted))] if unwanted else []


def _op(
    setup: DbtSetup,
    name: str,
    manifest: Mapping[str, Any],
    translator: FloeTranslator,
    select: str,
    exclude: str,
    partitions: tuple[str, dg.PartitionsDefinition] | None,
    policy: dg.BackfillPolicy | None,
) -> dg.AssetsDefinition:
    partitions_def = partitions[1] if partitions else None
    if select == ALL and not exclude:
        decorator = _all_nodes_op(manifest, translator, name, partitions_def, policy)
    else:
        decorator = dbt_assets(
            manifest=manifest,
            select=select,
            exclude=exclude,
            name=name,
            dagster_dbt_translator=translator,
            partitions_def=partitions_def,
            backfill_policy=policy,
        )

    @decorator
    def _build(context: dg.AssetExecutionContext) -> Iterator[Any]:
        dbt = DbtCliResource(
            project_dir=str(setup.project_dir),
            profiles_dir=str(setup.profiles_dir),
            target=setup.target,
            dbt_executable=setup.executable,
        )
        args = ["build", *_only_dagster_checks(context, manifest, select_all=select == ALL)]
        if partitions is not None:
            args += ["--vars", json.dumps(dbt_vars(context, *partitions))]
        invocation = dbt.cli(args, context=context)
        stream = invocation.stream()
        if setup.per_model:
            stream = stream.fetch_row_counts().fetch_column_metadata()
        try:
            yield from stream
        finally:
            _release_duckdb(invocation.adapter)

    return _build


@suppress_dagster_warnings
def _all_nodes_op(
    manifest: Mapping[str, Any],
    translator: FloeTranslator,
    name: str,
    partitions_def: dg.PartitionsDefinition | None,
    policy: dg.BackfillPolicy | None,
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """``@dbt_assets(manifest, select="fqn:*")`` without dbt's selector.

    dagster-dbt 0.29 builds a dbt ``Manifest`` and a networkx graph to evaluate the selection,
    whose answer for the default selection is known: every node of the manifest (dagster-dbt
    says so itself where dbt-core is absent). The rest is its ``build_dbt_specs`` and
    ``dbt_assets`` as they are — the same translator calls, checks, op tags and defaults — in
    the manifest's order; ``tests/differential/test_dbt_op.py`` holds them equal.
    """
    nodes = manifest["nodes"]
    child_map = _build_child_map(manifest)
    specs: list[dg.AssetSpec] = []
    check_specs: dict[str, dg.AssetCheckSpec] = {}
    key_by_unique_id: dict[str, dg.AssetKey] = {}

    def add_checks(spec: dg.AssetSpec, unique_id: str, selected_only: bool = True) -> None:
        for child in child_map.get(unique_id, []):
            if child.startswith("test") and (child in nodes or not selected_only):
                check = translator.get_asset_check_spec(spec, manifest, child, None)
                if check is not None:
                    check_specs[check.get_python_identifier()] = check

    for unique_id, props in nodes.items():
        if is_non_asset_node(props) or props["resource_type"] not in ASSET_RESOURCE_TYPES:
            continue
        spec = translator.get_asset_spec(manifest, unique_id, None)
        key_by_unique_id[unique_id] = spec.key
        specs.append(spec)
        add_checks(spec, unique_id)
        for upstream_id in get_upstream_unique_ids(manifest, props):
            upstream = translator.get_asset_spec(manifest, upstream_id, None)
            key_by_unique_id[upstream_id] = upstream.key
            if (
                upstream_id.startswith("source")
                and translator.settings.enable_source_tests_as_checks
            ):
                add_checks(upstream, upstream_id, selected_only=False)
    _validate_asset_keys(translator, manifest, key_by_unique_id)
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition) and policy is None:
        policy = dg.BackfillPolicy.single_run()  # dbt_assets' default for time partitions
    return dg.multi_asset(
        name=name,
        specs=specs,
        check_specs=list(check_specs.values()),
        can_subset=True,
        partitions_def=partitions_def,
        op_tags={DAGSTER_DBT_SELECT_METADATA_KEY: ALL},
        backfill_policy=policy,
        allow_arbitrary_check_specs=True,
    )


# What the models of one dbt op share: a partitions entry and a backfill policy.
_Shared = tuple[str | None, BackfillPolicyRecord | None]


def op_name(base: str, partitions: str | None, policy: BackfillPolicyRecord | None) -> str:
    """A dbt op's name from what its models share, never from its place among the others: a
    new partitions entry adds an op and renames none (``dbt_shop``, ``dbt_shop_daily``,
    ``dbt_shop_daily_multi_run_10``)."""
    parts = [base, *([partitions] if partitions else [])]
    if policy is not None:
        parts.append(policy.type)
        if policy.max_partitions_per_run:
            parts.append(str(policy.max_partitions_per_run))
    return "_".join(parts)


def build_dbt_assets(
    manifest: Mapping[str, Any],
    records: Mapping[str, AssetRecord],
    python_keys: frozenset[str],
    partitions: Mapping[str, dg.PartitionsDefinition],
    setup: DbtSetup,
    *,
    base_name: str,
    translation: Translation,
) -> list[dg.AssetsDefinition]:
    """One ``@dbt_assets`` per (partitions, backfill policy) the models need, named by
    :func:`op_name` from ``base_name`` (floe.yaml's ``dbt.op_name``)."""
    translator = FloeTranslator(records, python_keys, translation)
    groups: dict[_Shared, list[Mapping[str, Any]]] = {}
    for props in dbt_nodes(manifest):
        found = translator.record(props)
        shared = (None, None) if found is None else (found.partitions, found.backfill_policy)
        groups.setdefault(shared, []).append(props)
    ordered = sorted(groups, key=_group_order)
    built = []
    for index, group in enumerate(ordered):
        partitions_name, policy = group
        name = op_name(base_name, partitions_name, policy)
        if index == 0:
            # the first group takes everything the others do not: the common case is one
            # group and dbt's default selection, with nothing to exclude
            others = [p for g in ordered[1:] for p in groups[g]]
            select, exclude = ALL, " ".join(_selector(p) for p in others)
        else:
            select, exclude = " ".join(_selector(p) for p in groups[group]), ""
        chosen = None
        if partitions_name is not None:
            chosen = (partitions_name, partitions[partitions_name])
        dagster_policy = None if policy is None else backfill_policy(policy)
        built.append(
            _op(setup, name, manifest, translator, select, exclude, chosen, dagster_policy)
        )
    return built


def _group_order(group: _Shared) -> tuple[bool, str, str]:
    """Unpartitioned models first, then by partitions entry, then by the policy's JSON (no
    policy first): a stable order, so the same op takes the models the others do not."""
    partitions, policy = group
    policy_json = json.dumps(None if policy is None else policy.model_dump(), sort_keys=True)
    return partitions is not None, partitions or "", policy_json
