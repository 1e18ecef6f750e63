"""The dbt assets as dagster-dbt 0.29's ``@dbt_assets`` and default translator define them:
keys, groups, deps through ephemeral models, tags and kinds, owners, descriptions, and sources
resolved to the assets that write their tables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from floe_runtime.ports.constants import DEFAULT_GROUP, KIND_TAG_PREFIX
from floe_runtime.ports.dbt_manifest.read import ASSET_RESOURCE_TYPES, NODE_SECTIONS
from floe_runtime.ports.dbt_manifest.translation import NONE, Translation
from floe_runtime.ports.errors import ManifestError, TemplateError

_NON_ASSET_TYPES: Final = frozenset({"metric", "semantic_model", "saved_query", "function"})
_UPSTREAM_TYPES: Final = ASSET_RESOURCE_TYPES | {"source"}
# Dagster's VALID_TAG_KEY_REGEX (dagster/_utils/tags.py): dbt tags that fail it are dropped.
_VALID_TAG_KEY: Final = re.compile(r"^([A-Za-z0-9_.-]{1,63}/|dagster/kind/)?[A-Za-z0-9_.-]{1,63}$")


@dataclass(frozen=True)
class DbtAsset:
    """One dbt model, seed or snapshot, as the Dagster asset dagster-dbt makes of it."""

    key: str
    unique_id: str
    resource_type: str
    name: str
    group: str | None
    deps: tuple[str, ...]
    tags: Mapping[str, str]
    owners: tuple[str, ...]
    file: str
    materialized: str | None
    relation: str | None = None
    props: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def description(self) -> str:
        """dagster-dbt's description, built when asked (compiling never needs it)."""
        return _description(self.props)


@dataclass(frozen=True)
class DbtSource:
    """A dbt source table: not a dbt asset, but the key dbt assets depend on.

    ``resolved_to`` is the dbt asset Dagster puts in its place when their tables are the same
    (dagster-dbt's source metadata and Dagster's ``resolve_assets_def_deps``)."""

    unique_id: str
    key: str
    source_name: str
    table_name: str
    python_asset: bool
    relation: str | None = None
    resolved_to: str | None = None
    file: str | None = None  # where the source is declared, relative to the dbt project


@dataclass(frozen=True)
class DbtGraph:
    assets: tuple[DbtAsset, ...]
    sources: tuple[DbtSource, ...]
    adapter_type: str | None


def _meta_asset_key(props: Mapping[str, Any]) -> list[str] | None:
    # dagster-dbt reads config.meta first and falls back to the top-level meta for the key only.
    meta = props.get("config", {}).get("meta", {}) or props.get("meta", {})
    configured = meta.get("dagster", {}).get("asset_key", [])
    if not configured:
        return None
    return [configured] if isinstance(configured, str) else list(configured)


def source_asset_key(
    source_props: Mapping[str, Any],
    *,
    python_asset_keys: Collection[str],
    translation: Translation = NONE,
) -> tuple[list[str], bool]:
    """The asset key of a dbt source table, and whether it names a Python asset.

    ``meta.dagster.asset_key`` wins, as in dagster-dbt. Otherwise floe maps the table onto the
    Python asset whose key is the table's name, if one exists, so ``bronze.orders`` feeds from
    an ``orders`` asset without any dbt meta. Failing both, it keeps dagster-dbt's default
    ``[source_name, table_name]``, which Dagster shows as an external asset. floe.yaml's
    ``dbt.translation.sources`` then renames the result (its ``{key}``).
    """
    parts, named = _source_key(source_props, python_asset_keys)
    if not translation.renames_sources:
        return parts, named
    parts = translation.sources.apply_key(source_props, parts)
    configured = _meta_asset_key(source_props) is not None
    return parts, configured or "/".join(parts) in python_asset_keys


def _source_key(
    source_props: Mapping[str, Any], python_asset_keys: Collection[str]
) -> tuple[list[str], bool]:
    configured = _meta_asset_key(source_props)
    if configured is not None:
        return configured, True
    name: str = source_props["name"]
    if name in python_asset_keys:
        return [name], True
    return [source_props["source_name"], name], False


def node_asset_key(props: Mapping[str, Any], *, translation: Translation = NONE) -> list[str]:
    """A model's, seed's or snapshot's key: dagster-dbt's default, then floe.yaml's
    ``dbt.translation`` (the runtime passes dagster-dbt's own default through the same rules)."""
    return translation.nodes.apply_key(props, _node_key(props))


def _node_key(props: Mapping[str, Any]) -> list[str]:
    """dagster-dbt's ``default_asset_key_fn`` for models, seeds and snapshots."""
    configured = _meta_asset_key(props)
    if configured is not None:
        return configured
    if props.get("version"):
        return [props["alias"]]
    schema = props["config"].get("schema")
    return [props["name"]] if schema is None else [schema, props["name"]]


def _is_non_asset(props: Mapping[str, Any]) -> bool:
    """Nodes dagster-dbt sees through to their own parents when it builds deps."""
    resource_type = props["resource_type"]
    return resource_type in _NON_ASSET_TYPES or (
        resource_type == "model" and props.get("config", {}).get("materialized") == "ephemeral"
    )


def _description(props: Mapping[str, Any]) -> str:
    """dagster-dbt's ``default_description_fn``: the dbt description plus the raw SQL."""
    raw = props.get("raw_sql") or props.get("raw_code", "")
    # textwrap.indent's rule (prefix every line that is not blank), without its generator
    code = "".join(["    " + line if line.strip() else line for line in raw.splitlines(True)])
    summary = props.get("description") or f"dbt {props['resource_type']} {props['name']}"
    return "\n\n".join(filter(None, [summary, f"#### Raw SQL:\n```sql\n{code}\n```"]))


def _owners(props: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """``meta.dagster.owners``, else the email of the owner of the node's dbt group."""
    configured = props.get("meta", {}).get("dagster", {}).get("owners")
    if isinstance(configured, str):  # Dagster refuses a bare string at load time
        raise ManifestError(
            f"{props['unique_id']}: meta.dagster.owners must be a list, got {configured!r}"
        )
    if configured:
        return tuple(configured)
    group = groups.get(props.get("group") or "")
    email = (group or {}).get("owner", {}).get("email")
    if not email:
        return ()
    return (email,) if isinstance(email, str) else tuple(email)


def _group(props: Mapping[str, Any]) -> str | None:
    """``meta.dagster.group`` (top-level meta only), else the dbt group."""
    dagster_group = props.get("meta", {}).get("dagster", {}).get("group")
    return dagster_group or props.get("config", {}).get("group") or None


def relation_name(props: Mapping[str, Any]) -> str | None:
    """dagster-dbt's ``dagster/table_name``: database, schema, alias (and a source's name)."""
    parts = [
        props.get("database"),
        props.get("schema"),
        props.get("alias"),
        props.get("name") if props.get("resource_type") == "source" else None,
    ]
    return ".".join([str(part) for part in parts if part]) or None


def _by_table_name(
    assets: list[DbtAsset],
    sources: Mapping[str, DbtSource],
    known: Collection[str],
    python_groups: Mapping[str, str],
) -> tuple[list[DbtAsset], dict[str, str]]:
    """Dagster's ``resolve_assets_def_deps`` on the dbt assets: a dep on a key nothing defines
    is replaced by the one asset of the same group whose key ends in that (one-part) name, else
    by the one asset whose table name is the source's table. Sources sharing a key carry no
    table name (dagster-dbt drops their metadata); two assets on one table are an error."""
    known_deps = all(dep in known for asset in assets for dep in asset.deps)
    if known_deps:
        return assets, {}
    by_table: dict[str, list[str]] = {}
    for asset in assets:
        if asset.relation is not None:
            by_table.setdefault(asset.relation, []).append(asset.key)
    by_group_name: dict[tuple[str, str], list[str]] = {}
    groups = {**python_groups, **{a.key: a.group or DEFAULT_GROUP for a in assets}}
    for key, group in groups.items():
        by_group_name.setdefault((group, key.rsplit("/", 1)[-1]), []).append(key)
    dbt_keys = {asset.key for asset in assets}
    shared = {key for key, count in Counter(s.key for s in sources.values()).items() if count > 1}
    table_of = {s.key: s.relation for s in sources.values() if s.key not in shared}
    resolved: list[DbtAsset] = []
    replaced: dict[str, str] = {}
    for asset in assets:
        deps = []
        for dep in asset.deps:
            target = None
            if dep not in known:
                named = by_group_name.get((asset.group or DEFAULT_GROUP, dep), [])
                if "/" not in dep and len(named) == 1 and named[0] not in dbt_keys:
                    target = named[0]
                else:
                    same_table = by_table.get(table_of.get(dep) or "", [])
                    if len(same_table) > 1:
                        raise ManifestError(
                            f"dbt resources {', '.join(sorted(same_table))} share the table "
                            f"{table_of[dep]!r}, so Dagster cannot tell which one {asset.key} "
                            f"reads through {dep}"
                        )
                    target = same_table[0] if same_table else None
            if target is not None:
                replaced[dep] = target
            deps.append(target or dep)
        changed = tuple(sorted(set(deps)))
        resolved.append(asset if changed == asset.deps else replace(asset, deps=changed))
    return resolved, replaced


class _Resolver:
    """Keys and upstreams of one manifest, memoised: deps share parents, ephemerals share BFS."""

    def __init__(
        self,
        manifest: Mapping[str, Any],
        python_asset_keys: Collection[str],
        translation: Translation,
    ) -> None:
        self.sections = [manifest.get(section) or {} for section in NODE_SECTIONS]
        self.python_asset_keys = python_asset_keys
        self.translation = translation
        self.keys: dict[str, str] = {}
        self.expanded: dict[str, frozenset[str]] = {}

    def props(self, unique_id: str) -> Mapping[str, Any]:
        for section in self.sections:
            found = section.get(unique_id)
            if found is not None:
                return found  # type: ignore[no-any-return]
        raise ManifestError(f"dbt manifest: {unique_id} is referenced but not defined")

    def key(self, unique_id: str) -> str:
        key = self.keys.get(unique_id)
        if key is None:
            props = self.props(unique_id)
            if props["resource_type"] == "source":
                parts = source_asset_key(
                    props, python_asset_keys=self.python_asset_keys, translation=self.translation
                )[0]
            else:
                parts = node_asset_key(props, translation=self.translation)
            key = self.keys[unique_id] = "/".join(parts)
        return key

    def upstream_ids(self, props: Mapping[str, Any]) -> set[str]:
        """dagster-dbt's ``get_upstream_unique_ids``: parents, seen through ephemerals."""
        upstream: set[str] = set()
        for parent_id in props.get("depends_on", {}).get("nodes", []):
            parent = self.props(parent_id)
            if _is_non_asset(parent):
                upstream |= self._through(parent_id, parent)
            elif parent["resource_type"] in _UPSTREAM_TYPES:
                upstream.add(parent_id)
        return upstream

    def _through(self, unique_id: str, props: Mapping[str, Any]) -> frozenset[str]:
        found = self.expanded.get(unique_id)
        if found is None:
            reached: set[str] = set()
            visited: set[str] = set()
            queue = list(props.get("depends_on", {}).get("nodes", []))
            while queue:
                candidate_id = queue.pop()
                if candidate_id in visited:
                    continue
                visited.add(candidate_id)
                candidate = self.props(candidate_id)
                if _is_non_asset(candidate):
                    queue.extend(candidate.get("depends_on", {}).get("nodes", []))
                elif candidate["resource_type"] in _UPSTREAM_TYPES:
                    reached.add(candidate_id)
            found = self.expanded[unique_id] = frozenset(reached)
        return found


def dbt_graph(
    manifest: Mapping[str, Any],
    *,
    python_asset_keys: Collection[str],
    python_groups: Mapping[str, str] | None = None,
    translation: Translation = NONE,
) -> DbtGraph:
    """The dbt assets and source keys of a manifest, as ``@dbt_assets`` next to the Python
    assets (``python_groups``: key → group) will define them in one ``Definitions``, with
    floe.yaml's ``dbt.translation`` applied.

    Raises :class:`ManifestError` where dagster-dbt would refuse to load the definitions: two
    dbt resources (or sources, after floe's rule) that share one asset key, or a translation
    template that does not fit a node.
    """
    try:
        return _dbt_graph(manifest, frozenset(python_asset_keys), python_groups, translation)
    except TemplateError as exc:
        raise ManifestError(f"dbt.translation: {exc}") from None


def _dbt_graph(
    manifest: Mapping[str, Any],
    python_asset_keys: frozenset[str],
    python_groups: Mapping[str, str] | None,
    translation: Translation,
) -> DbtGraph:
    resolver = _Resolver(manifest, python_asset_keys, translation)
    adapter_type: str | None = manifest.get("metadata", {}).get("adapter_type")
    kind_tags = {f"{KIND_TAG_PREFIX}dbt": "", f"{KIND_TAG_PREFIX}{adapter_type or 'dbt'}": ""}
    groups = {group["name"]: group for group in (manifest.get("groups") or {}).values()}

    assets: list[DbtAsset] = []
    ids_by_key: dict[str, set[str]] = {}
    for unique_id, props in manifest["nodes"].items():
        if props["resource_type"] not in ASSET_RESOURCE_TYPES or _is_non_asset(props):
            continue
        key = resolver.key(unique_id)
        ids_by_key.setdefault(key, set()).add(unique_id)
        upstream_ids = resolver.upstream_ids(props)
        for upstream_id in upstream_ids:
            ids_by_key.setdefault(resolver.key(upstream_id), set()).add(upstream_id)
        tags = {tag: "" for tag in props.get("tags", []) if _VALID_TAG_KEY.match(tag)}
        config = props.get("config", {})
        assets.append(
            DbtAsset(
                key=key,
                unique_id=unique_id,
                resource_type=props["resource_type"],
                name=props["name"],
                group=translation.nodes.apply_group(props, _group(props), key),
                deps=tuple(sorted({resolver.key(upstream_id) for upstream_id in upstream_ids})),
                tags={**tags, **kind_tags},
                owners=_owners(props, groups),
                file=props["original_file_path"],
                materialized=config.get("materialized"),
                relation=relation_name(props),
                props=props,
            )
        )
    _check_unique_keys(ids_by_key)

    sources: dict[str, DbtSource] = {}
    for unique_id in sorted(manifest["sources"]):
        props = manifest["sources"][unique_id]
        parts, python_asset = source_asset_key(
            props, python_asset_keys=python_asset_keys, translation=translation
        )
        sources[unique_id] = DbtSource(
            unique_id=unique_id,
            key="/".join(parts),
            source_name=props["source_name"],
            table_name=props["name"],
            python_asset=python_asset,
            relation=relation_name(props),
            file=props.get("original_file_path"),
        )
    known = python_asset_keys | {asset.key for asset in assets}
    assets, replaced = _by_table_name(assets, sources, known, python_groups or {})
    final = tuple(
        replace(source, resolved_to=replaced.get(source.key)) for source in sources.values()
    )
    assets.sort(key=lambda asset: asset.key)
    return DbtGraph(assets=tuple(assets), sources=final, adapter_type=adapter_type)


def _check_unique_keys(ids_by_key: Mapping[str, set[str]]) -> None:
    """dagster-dbt's ``_validate_asset_keys``, caught at compile time instead of at load."""
    clashes = [
        f"{key} <- {', '.join(sorted(ids))}"
        for key, ids in sorted(ids_by_key.items())
        if len(ids) > 1
    ]
    if clashes:
        raise ManifestError(
            "dbt resources share a Dagster asset key (give each its own meta.dagster.asset_key): "
            + "; ".join(clashes)
        )
