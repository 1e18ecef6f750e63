"""Whether a freshly parsed dbt manifest says anything the bundled one does not.

Every ``dbt parse`` stamps its manifest with the time and id of the run (``metadata``'s
``generated_at``, ``invocation_id``, …, and a ``created_at`` on every resource), so two parses
of an unchanged project never give the same bytes. A recompile that changes nothing must leave
the bundle's ``manifest.json`` alone (same bytes, same modification time: file watchers and
deploy syncs stay quiet), so the two are compared without those stamps.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from floe_runtime.base import files
from floe_runtime.base.errors import FileRefused

VOLATILE_METADATA: Final = (
    "generated_at",
    "invocation_id",
    "invocation_started_at",
    "run_started_at",
)
VOLATILE_FIELD: Final = "created_at"


def same_manifest(path: Path, new: bytes) -> bool:
    """The regular file at ``path`` holds a manifest equal to ``new`` but for parse stamps."""
    if os.path.islink(path) or not path.is_file():
        return False
    try:
        old = files.read_bytes(path, files.MANIFEST_LIMIT, "the dbt manifest")
    except FileRefused:
        return False
    if old == new:
        return True
    try:
        return bool(_without_stamps(json.loads(old)) == _without_stamps(json.loads(new)))
    except (ValueError, RecursionError):
        return False


def _without_stamps(manifest: Any) -> Any:
    if not isinstance(manifest, dict):
        return manifest
    for section in manifest.values():
        if isinstance(section, dict):
            for resource in section.values():
                if isinstance(resource, dict):
                    resource.pop(VOLATILE_FIELD, None)
    metadata = manifest.get("metadata")
    if isinstance(metadata, dict):
        for name in VOLATILE_METADATA:
            metadata.pop(name, None)
    return manifest
