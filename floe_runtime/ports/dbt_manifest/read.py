"""Reading ``manifest.json``: bounded, version-checked, and its shape checked field by field
(a manifest is as hostile as any input)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from floe_runtime.base import files
from floe_runtime.base.diagnostics import and_more, capped
from floe_runtime.base.errors import FileRefused
from floe_runtime.ports.errors import ManifestError

ASSET_RESOURCE_TYPES: Final = frozenset({"model", "seed", "snapshot"})
"""dbt resource types that dagster-dbt turns into assets; tests become asset checks instead."""

SUPPORTED_SCHEMA_VERSIONS: Final = range(10, 13)
"""Manifest schemas v10 to v12 (dbt 1.6 to 1.11), which agree on every field read here."""

NODE_SECTIONS: Final = (
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
)
"""The manifest sections whose entries are dbt nodes keyed by unique id."""
_SCHEMA_VERSION: Final = re.compile(r"/manifest/v(\d+)\.json$")


def manifest_bytes(path: Path) -> bytes:
    """A manifest's bytes, read once, bounded (the compiler bundles them as they are)."""
    try:
        return files.read_bytes(path, files.MANIFEST_LIMIT, "the dbt manifest")
    except FileRefused as error:
        raise ManifestError(str(error)) from None


def load_manifest(path: Path) -> dict[str, Any]:
    """Read ``manifest.json``, refusing anything that is not a dbt manifest floe can read."""
    return parse_manifest(manifest_bytes(path), path=path)


def parse_manifest(raw: bytes, *, path: Path) -> dict[str, Any]:
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
        shown, left = capped(problems, 3)
        more = and_more(left, " (", ")")
        raise ManifestError(f"{path}: malformed dbt manifest: {'; '.join(shown)}{more}")
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
_SHAPE_SECTIONS: Final = (*NODE_SECTIONS, "groups")
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
        if _plainly_valid(section, list(resources.values())):
            continue
        for unique_id, props in resources.items():
            found = _resource_problems(section, props)
            if found:
                where = f"{section}[{unique_id!r}]"
                problems += [f"{where}{problem}" for problem in found]
                if len(problems) > 20:
                    return problems
    return problems


# The types a field may have in a plainly valid resource (``object``: the field is absent).
_PLAIN_TYPES: Final = {
    _STR: frozenset({str, object}),
    _OPT_STR: frozenset({str, type(None), object}),
    _DICT: frozenset({dict, object}),
    _STR_LIST: frozenset({list, object}),
    _NAMES: frozenset({str, list, type(None), object}),
}


def _plainly_valid(section: str, resources: list[Any]) -> bool:
    """The common case, checked column by column (one set of types per field instead of
    function calls per resource). True only where :func:`_resource_problems` would find
    nothing in any of ``resources``; anything unusual is left to it, for its messages."""
    if section == "groups" or any(type(props) is not dict for props in resources):
        return False
    required = _REQUIRED.get(section, ("resource_type",))
    if not all(name in props for props in resources for name in required):
        return False
    if any(props.get("version") and type(props.get("alias")) is not str for props in resources):
        return False
    configs = [c for props in resources if type(c := props.get("config")) is dict]
    depends = [d for props in resources if type(d := props.get("depends_on")) is dict]
    metas = [props.get("meta") for props in resources] + [c.get("meta") for c in configs]
    dagster = [d for m in metas if type(m) is dict and (d := m.get("dagster")) is not None]
    return (
        _columns(resources, _RESOURCE_FIELDS)
        and _columns(configs, _CONFIG_FIELDS)
        and _columns(depends, {"nodes": _STR_LIST})
        and all(type(d) is dict for d in dagster)
        and _columns(dagster, _DAGSTER_META_FIELDS)
    )


def _columns(records: list[dict[str, Any]], fields: Mapping[str, str]) -> bool:
    for name, expected in fields.items():
        values = [record.get(name, _ABSENT) for record in records]
        types = set(map(type, values))
        if not types <= _PLAIN_TYPES[expected]:
            return False
        if list in types and not all(
            type(item) is str for value in values if type(value) is list for item in value
        ):
            return False
    return True


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
