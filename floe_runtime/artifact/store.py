"""The compiled artifact: the contract between CI, the PR diff and every environment.

One JSON file per environment, deterministic (sorted keys, no timestamps, paths relative to
the repository), sealed by a checksum over its content, written atomically. Its schema lives
in ``artifact/schema.py``; this module writes, seals and reads it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from floe_runtime.artifact.errors import ArtifactError
from floe_runtime.base import files
from floe_runtime.base.errors import FileRefused
from floe_runtime.base.output import plural

if TYPE_CHECKING:
    from floe_runtime.artifact.schema import CompiledArtifact

SCHEMA_VERSION = "1.2"
ARTIFACT_NAME = "compiled_artifacts.json"
MANIFEST_NAME = "manifest.json"
AUTOMATION_SENSOR = "floe_automation"
"""The one sensor that evaluates automation conditions (``orchestration.automation``)."""


def sealed(payload: dict[str, Any]) -> tuple[str, str]:
    """The checksum and the file's text, each top-level value rendered once for both.

    One byte layout: sorted keys, nested to three levels, then one compact line per record
    (an asset, a job), so diffs read well and large graphs serialize fast. The checksum is the
    sha256 of that text without the checksum line.
    """
    rendered = {key: _layout(value, 1) for key, value in payload.items() if key != "checksum"}
    body = _mapping(rendered, 0) + "\n"
    checksum = f"sha256:{hashlib.sha256(body.encode('utf-8')).hexdigest()}"
    return checksum, _mapping({**rendered, "checksum": json.dumps(checksum)}, 0) + "\n"


# One encoder for every record (json.dumps would build one per call: thousands per artifact).
_RECORD = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _layout(value: Any, depth: int) -> str:
    if depth >= 3 or not isinstance(value, (dict, list)) or not value:
        return _RECORD.encode(value)
    if isinstance(value, list):
        pad = "  " * (depth + 1)
        items = [pad + _layout(item, depth + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"
    return _mapping({key: _layout(item, depth + 1) for key, item in value.items()}, depth)


def _mapping(rendered: dict[str, str], depth: int) -> str:
    pad = "  " * (depth + 1)
    items = [
        f"{pad}{json.dumps(key, ensure_ascii=False)}: {rendered[key]}" for key in sorted(rendered)
    ]
    return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"


def read(path: Path) -> CompiledArtifact:
    """Load and verify an artifact: readable, a supported major version, checksum intact."""
    payload = read_payload(path)
    from pydantic import ValidationError

    from floe_runtime.artifact.schema import CompiledArtifact

    try:
        return CompiledArtifact.model_validate(payload)
    except ValidationError as exc:
        if _newer_minor(str(payload.get("schema_version"))):
            raise ArtifactError(
                f"{path}: artifact schema version {payload['schema_version']} is newer than this "
                f"floe reads ({SCHEMA_VERSION}) and uses fields it does not know; install the "
                "floe version that compiled it (or newer)"
            ) from exc
        raise ArtifactError(
            f"{path}: not a valid floe artifact ({plural(exc.error_count(), 'error')})"
        ) from exc


def _newer_minor(version: str) -> bool:
    """A version of our major with a higher minor: written by a newer floe (new fields are
    minor; an older floe cannot carry them out, so it refuses rather than drop them)."""
    minor, ours = version.partition(".")[2], SCHEMA_VERSION.partition(".")[2]
    return minor.isdigit() and int(minor) > int(ours)


def read_payload(path: Path) -> dict[str, Any]:
    """An artifact's JSON, its version and checksum verified but not its shape: for readers
    of large artifacts (the PR diff) that must not pay for building the models."""
    try:
        raw = files.read_bytes(path, files.ARTIFACT_LIMIT, "the artifact")
        payload = json.loads(raw.decode("utf-8"))
    except FileRefused as exc:
        raise ArtifactError(str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path}: cannot read the artifact ({exc})") from exc
    if not isinstance(payload, dict):
        raise ArtifactError(f"{path}: not a floe artifact")
    version = str(payload.get("schema_version", ""))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ArtifactError(
            f"{path}: artifact schema version {version or '(none)'} is not supported by this "
            f"floe (reads {SCHEMA_VERSION.split('.')[0]}.x); recompile it with this floe "
            "version, or install the floe version that compiled it"
        )
    if not _sealed_as_written(raw, payload) and sealed(payload)[0] != payload.get("checksum"):
        raise ArtifactError(
            f"{path}: checksum mismatch — the artifact was modified after compilation; "
            "recompile it with `floe compile` instead of editing it"
        )
    return payload


# The checksum line of a file as ``sealed`` lays it out (top-level keys are indented by two).
_CHECKSUM_LINE = re.compile(rb'\n  "checksum": "(sha256:[0-9a-f]{64})",\n')


def _sealed_as_written(raw: bytes, payload: dict[str, Any]) -> bool:
    """The fast check for a file in ``sealed``'s own layout: the bytes without the checksum
    line are exactly what was hashed. Any other layout is checked by re-sealing the payload."""
    match = _CHECKSUM_LINE.search(raw)
    if match is None or match.group(1).decode() != payload.get("checksum"):
        return False
    digest = hashlib.sha256(memoryview(raw)[: match.start() + 1])
    digest.update(memoryview(raw)[match.end() :])
    return f"sha256:{digest.hexdigest()}" == match.group(1).decode()
