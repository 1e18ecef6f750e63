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


def _project(props: Mapping[str, Any]) -> list[Any]:
    """The orchestration-relevant, machine-independent part of one manifest resource, by
    position (a field dbt leaves out counts as null)."""
    config = props.get("config") or {}
    return [
        list(map(props.get, _DIGEST_FIELDS)),
        list(map(config.get, _DIGEST_CONFIG)),
        sorted(props.get("tags") or ()),
        sorted((props.get("depends_on") or {}).get("nodes") or ()),
    ]


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of what the asset graph depends on, stable across parses and machines.

    Timestamps, invocation ids, absolute paths, compiled SQL and target-resolved database and
    schema names are left out; file checksums stand in for the SQL itself. The projection is
    encoded as one canonical JSON document (sorted keys inside meta and config values).
    """
    metadata = manifest.get("metadata") or {}
    records: list[Any] = [[metadata.get("adapter_type"), metadata.get("project_name")]]
    for section in ("nodes", "sources"):
        resources = manifest.get(section) or {}
        records += ([section, uid, _project(resources[uid])] for uid in sorted(resources))
    groups = manifest.get("groups") or {}
    records += (
        ["groups", uid, groups[uid].get("name"), groups[uid].get("owner")] for uid in sorted(groups)
    )
    encoded = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(encoded.encode("utf-8")).hexdigest()
