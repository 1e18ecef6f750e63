"""A digest of what in a manifest matters for orchestration: the same project parsed at another
time or in another folder gives the same digest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

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
