"""dbt's half of floe's asset graph, read from ``manifest.json`` without importing dagster or dbt.

The compiler must show the dbt assets exactly as the runtime will define them, and the runtime
defines them with dagster-dbt 0.29's ``@dbt_assets`` and its default ``DagsterDbtTranslator``. So
this module re-implements that translator's rules on the raw manifest (keys, groups, deps through
ephemeral models, tags and kinds, owners, descriptions), plus one floe rule for sources, which
the runtime's translator subclass applies by calling :func:`source_asset_key`.
``tests/test_dbt_manifest.py`` checks the result against real dagster-dbt.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from floe_runtime.base.errors import FloeError
from floe_runtime.ports.constants import DEFAULT_GROUP, KIND_TAG_PREFIX

ASSET_RESOURCE_TYPES: Final = frozenset({"model", "seed", "snapshot"})
"""dbt resource types that dagster-dbt turns into assets; tests become asset checks instead."""

SUPPORTED_SCHEMA_VERSIONS: Final = range(10, 13)
"""Manifest schemas v10 to v12 (dbt 1.6 to 1.11), which agree on every field read here."""

_NON_ASSET_TYPES: Final = frozenset({"metric", "semantic_model", "saved_query", "function"})
_UPSTREAM_TYPES: Final = ASSET_RESOURCE_TYPES | {"source"}
_LOOKUP_SECTIONS: Final = (
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
)
_SCHEMA_VERSION: Final = re.compile(r"/manifest/v(\d+)\.json$")
# Dagster's VALID_TAG_KEY_REGEX (dagster/_utils/tags.py): dbt tags that fail it are dropped.
_VALID_TAG_KEY: Final = re.compile(r"^([A-Za-z0-9_.-]{1,63}/|dagster/kind/)?[A-Za-z0-9_.-]{1,63}$")
# What the digest keeps of each resource and of its config: only what shapes the asset graph.
_DIGEST_FIELDS: Final = (
    "unique_id",
    "resource_type",
    "package_name",
    "name",
    "alias",
    "version",
    "latest_version",
    "source_name",
    "identifier",
    "fqn",
    "original_file_path",
    "group",
    "meta",
    "description",
    "attached_node",
    "checksum",
)
_DIGEST_CONFIG: Final = (
    "enabled",
    "materialized",
    "tags",
    "meta",
    "group",
    "alias",
    "schema",
    "database",
    "access",
    "severity",
    "strategy",
    "unique_key",
    "updated_at",
    "incremental_strategy",
)


class ManifestError(FloeError):
    """A manifest floe cannot use; the message is one line, meant for the user."""


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
    description: str | None
    file: str
    materialized: str | None
    relation: str | None = None


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


@dataclass(frozen=True)
class DbtGraph:
    assets: tuple[DbtAsset, ...]
    sources: tuple[DbtSource, ...]
    adapter_type: str | None


def read_manifest(path: Path) -> tuple[dict[str, Any], bytes]:
    """The manifest and its bytes (the compiler bundles them), read once."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ManifestError(f"{path}: cannot read the dbt manifest: {error.strerror}") from None
    return parse_manifest(raw, path), raw


def load_manifest(path: Path) -> dict[str, Any]:
    """Read ``manifest.json``, refusing anything that is not a dbt manifest floe can read."""
    return read_manifest(path)[0]


def parse_manifest(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse manifest bytes read from ``path`` (named in errors) and check it is a manifest."""
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path}: not a dbt manifest: not valid JSON ({error})") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path}: not a dbt manifest: the JSON is not an object")
    metadata = manifest.get("metadata")
    schema = metadata.get("dbt_schema_version") if isinstance(metadata, dict) else None
    if not isinstance(schema, str):
        raise ManifestError(
            f"{path}: not a dbt manifest: no metadata.dbt_schema_version"
            " (run `dbt parse` and point floe at target/manifest.json)"
        )
    match = _SCHEMA_VERSION.search(schema)
    if match is None:
        raise ManifestError(f"{path}: not a dbt manifest: its dbt_schema_version is {schema!r}")
    if int(match[1]) not in SUPPORTED_SCHEMA_VERSIONS:
        raise ManifestError(
            f"{path}: unsupported dbt manifest schema {schema!r}; floe reads"
            f" v{SUPPORTED_SCHEMA_VERSIONS.start}-v{SUPPORTED_SCHEMA_VERSIONS.stop - 1}"
            " (dbt 1.6-1.11)"
        )
    for section in ("nodes", "sources"):
        if not isinstance(manifest.get(section), dict):
            raise ManifestError(f"{path}: not a dbt manifest: no {section!r} mapping")
    problems = shape_problems(manifest)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ManifestError(f"{path}: malformed dbt manifest: {'; '.join(problems[:3])}{more}")
    return manifest


# What each field floe reads must be, when present: a manifest is as hostile as any input.
_STR, _OPT_STR, _DICT, _STR_LIST = "a string", "a string or null", "an object", "a list of strings"
_NAMES = "a string, a list of strings or null"
_PLAIN: Final = {_STR: str, _OPT_STR: str, _DICT: dict}
_ABSENT: Final = object()
_RESOURCE_FIELDS: Final = {
    "resource_type": _STR,
    "name": _STR,
    "unique_id": _STR,
    "original_file_path": _STR,
    "source_name": _STR,
    "description": _OPT_STR,
    "raw_code": _OPT_STR,
    "raw_sql": _OPT_STR,
    "group": _OPT_STR,
    "database": _OPT_STR,
    "schema": _OPT_STR,
    "alias": _OPT_STR,
    "config": _DICT,
    "meta": _DICT,
    "depends_on": _DICT,
    "tags": _STR_LIST,
}
_CONFIG_FIELDS: Final = {
    "meta": _DICT,
    "materialized": _OPT_STR,
    "schema": _OPT_STR,
    "group": _OPT_STR,
    "alias": _OPT_STR,
}
_DAGSTER_META_FIELDS: Final = {"group": _OPT_STR, "owners": _NAMES, "asset_key": _NAMES}
_SHAPE_SECTIONS: Final = (*_LOOKUP_SECTIONS, "groups")
_REQUIRED: Final = {
    "nodes": ("resource_type", "name", "original_file_path", "config"),
    "sources": ("resource_type", "name", "source_name"),
}


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _fits(value: Any, expected: str) -> bool:
    if expected == _STR:
        return isinstance(value, str)
    if expected == _OPT_STR:
        return value is None or isinstance(value, str)
    if expected == _DICT:
        return isinstance(value, dict)
    strings = isinstance(value, list) and all(isinstance(item, str) for item in value)
    if expected == _STR_LIST:
        return strings
    return value is None or isinstance(value, str) or strings


def _fields(record: Mapping[str, Any], fields: Mapping[str, str], where: str) -> list[str]:
    problems = []
    for name, expected in fields.items():
        value = record.get(name, _ABSENT)
        if value is _ABSENT or type(value) is _PLAIN.get(expected):  # the common, valid case
            continue
        if not _fits(value, expected):
            problems.append(f"{where}.{name} must be {expected}, not {_kind(value)}")
    return problems


def shape_problems(manifest: Mapping[str, Any]) -> list[str]:
    """Every field floe reads that has the wrong type, checked once before anything reads it
    (so a ``config: null`` or a node that is a list is a message, not a crash)."""
    problems: list[str] = []
    metadata = manifest.get("metadata")
    if isinstance(metadata, dict):
        problems += _fields(
            metadata, {"adapter_type": _OPT_STR, "project_name": _OPT_STR}, "metadata"
        )
    for section in _SHAPE_SECTIONS:
        resources = manifest.get(section)
        if resources is None:
            continue
        if not isinstance(resources, dict):
            problems.append(f"{section} must be an object, not {_kind(resources)}")
            continue
        for unique_id, props in resources.items():
            found = _resource_problems(section, props)
            if found:
                where = f"{section}[{unique_id!r}]"
                problems += [f"{where}{problem}" for problem in found]
                if len(problems) > 20:
                    return problems
    return problems


def _resource_problems(section: str, props: Any) -> list[str]:
    """What is wrong with one resource, each message starting where in it (``.config …``)."""
    if not isinstance(props, dict):
        return [f" must be an object, not {_kind(props)}"]
    if section == "groups":
        problems = _fields(props, {"name": _STR, "owner": _DICT}, "")
        owner = props.get("owner")
        if isinstance(owner, dict):
            problems += _fields(owner, {"email": _NAMES}, ".owner")
        return problems
    problems = [
        f" has no {name}"
        for name in _REQUIRED.get(section, ("resource_type",))
        if name not in props
    ]
    problems += _fields(props, _RESOURCE_FIELDS, "")
    if props.get("version") and not isinstance(props.get("alias"), str):
        problems.append(" is versioned but has no alias")
    config = props.get("config")
    config_meta = None
    if isinstance(config, dict):
        problems += _fields(config, _CONFIG_FIELDS, ".config")
        config_meta = config.get("meta")
    depends_on = props.get("depends_on")
    if isinstance(depends_on, dict) and "nodes" in depends_on:
        problems += _fields(depends_on, {"nodes": _STR_LIST}, ".depends_on")
    for meta_where, meta in (("meta", props.get("meta")), ("config.meta", config_meta)):
        dagster = meta.get("dagster") if isinstance(meta, dict) else None
        if dagster is None:
            continue
        if not isinstance(dagster, dict):
            problems.append(f".{meta_where}.dagster must be an object, not {_kind(dagster)}")
            continue
        problems += _fields(dagster, _DAGSTER_META_FIELDS, f".{meta_where}.dagster")
    return problems


def _meta_asset_key(props: Mapping[str, Any]) -> list[str] | None:
    # dagster-dbt reads config.meta first and falls back to the top-level meta for the key only.
    meta = props.get("config", {}).get("meta", {}) or props.get("meta", {})
    configured = meta.get("dagster", {}).get("asset_key", [])
    if not configured:
        return None
    return [configured] if isinstance(configured, str) else list(configured)


def source_asset_key(
    source_props: Mapping[str, Any], python_asset_keys: Collection[str]
) -> tuple[list[str], bool]:
    """The asset key of a dbt source table, and whether it names a Python asset.

    ``meta.dagster.asset_key`` wins, as in dagster-dbt. Otherwise floe maps the table onto the
    Python asset whose key is the table's name, if one exists, so ``bronze.orders`` feeds from
    an ``orders`` asset without any dbt meta. Failing both, it keeps dagster-dbt's default
    ``[source_name, table_name]``, which Dagster shows as an external asset.
    """
    configured = _meta_asset_key(source_props)
    if configured is not None:
        return configured, True
    name: str = source_props["name"]
    if name in python_asset_keys:
        return [name], True
    return [source_props["source_name"], name], False


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
    shared = {key for key, count in _counts(s.key for s in sources.values()).items() if count > 1}
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


def _counts(items: Iterable[str]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in items:
        counted[item] = counted.get(item, 0) + 1
    return counted


class _Resolver:
    """Keys and upstreams of one manifest, memoised: deps share parents, ephemerals share BFS."""

    def __init__(self, manifest: Mapping[str, Any], python_asset_keys: Collection[str]) -> None:
        self.sections = [manifest.get(section) or {} for section in _LOOKUP_SECTIONS]
        self.python_asset_keys = python_asset_keys
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
                parts = source_asset_key(props, self.python_asset_keys)[0]
            else:
                parts = _node_key(props)
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
    python_asset_keys: Collection[str],
    python_groups: Mapping[str, str] | None = None,
) -> DbtGraph:
    """The dbt assets and source keys of a manifest, as ``@dbt_assets`` next to the Python
    assets (``python_groups``: key → group) will define them in one ``Definitions``.

    Raises :class:`ManifestError` where dagster-dbt would refuse to load the definitions: two
    dbt resources (or sources, after floe's rule) that share one asset key.
    """
    python_asset_keys = frozenset(python_asset_keys)
    resolver = _Resolver(manifest, python_asset_keys)
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
                group=_group(props),
                deps=tuple(sorted({resolver.key(upstream_id) for upstream_id in upstream_ids})),
                tags={**tags, **kind_tags},
                owners=_owners(props, groups),
                description=_description(props),
                file=props["original_file_path"],
                materialized=config.get("materialized"),
                relation=relation_name(props),
            )
        )
    _check_unique_keys(ids_by_key)

    sources: dict[str, DbtSource] = {}
    for unique_id in sorted(manifest["sources"]):
        props = manifest["sources"][unique_id]
        parts, python_asset = source_asset_key(props, python_asset_keys)
        sources[unique_id] = DbtSource(
            unique_id=unique_id,
            key="/".join(parts),
            source_name=props["source_name"],
            table_name=props["name"],
            python_asset=python_asset,
            relation=relation_name(props),
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


def _project(props: Mapping[str, Any]) -> dict[str, Any]:
    """The orchestration-relevant, machine-independent part of one manifest resource."""
    projected = {field: props[field] for field in _DIGEST_FIELDS if field in props}
    config = props.get("config") or {}
    projected["config"] = {field: config[field] for field in _DIGEST_CONFIG if field in config}
    projected["tags"] = sorted(props.get("tags") or ())
    projected["depends_on"] = sorted((props.get("depends_on") or {}).get("nodes") or ())
    return projected


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of what the asset graph depends on, stable across parses and machines.

    Timestamps, invocation ids, absolute paths, compiled SQL and target-resolved database and
    schema names are left out; file checksums stand in for the SQL itself. Each resource is
    hashed as one canonical JSON line as soon as it is projected, so no copy of the manifest
    lives long enough to make the garbage collector walk it.
    """
    digest = hashlib.sha256()

    def line(record: Any) -> None:
        encoded = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest.update(encoded.encode("utf-8") + b"\n")

    metadata = manifest.get("metadata") or {}
    line([metadata.get("adapter_type"), metadata.get("project_name")])
    for section in ("nodes", "sources"):
        resources = manifest.get(section) or {}
        for unique_id in sorted(resources):
            line([section, unique_id, _project(resources[unique_id])])
    groups = manifest.get("groups") or {}
    for unique_id in sorted(groups):
        line(["groups", unique_id, groups[unique_id].get("name"), groups[unique_id].get("owner")])
    return "sha256:" + digest.hexdigest()
