"""The compiled artifact: the contract between CI, the PR diff and every environment.

One JSON file per environment, deterministic (sorted keys, no timestamps, paths relative to
the repository), sealed by a checksum over its content, written atomically. The models here
define its JSON Schema (``schemas/compiled-artifacts.schema.json``) and read it back.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from floe_runtime.models import Orchestration

SCHEMA_VERSION = "1.0"
ARTIFACT_NAME = "compiled_artifacts.json"
MANIFEST_NAME = "manifest.json"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRecord(_Record):
    path: str = Field(description="floe.yaml, relative to the repository root.")
    sha256: str = Field(description="sha256 of the file's bytes.")


class VariableRecord(_Record):
    value: str
    source: str = Field(
        description="Where the value came from: floe (FLOE_ENV), cli, process_env, "
        "env_file:<path> or default."
    )


class ManifestRecord(_Record):
    file: str = Field(description="The manifest's file name inside the bundle.")
    digest: str = Field(
        description="sha256 over what matters for orchestration (no timestamps or paths)."
    )
    dbt_version: str | None = None
    adapter_type: str | None = None


class DbtRecord(_Record):
    project_dir: str
    profiles_dir: str
    target: str | None
    observability_level: Literal["per_model", "job_level"]
    manifest: ManifestRecord | None = Field(
        description="None when no manifest was available: dbt assets are then unknown."
    )


class ConfiguredBy(_Record):
    pattern: str
    line: int


class AssetRecord(_Record):
    key: str = Field(description="Asset key, components joined by '/'.")
    kind: Literal["python", "dbt", "external"]
    group: str | None
    deps: list[str]
    tags: dict[str, str]
    owners: list[str]
    partitions: str | None = Field(description="Name of the partitions entry, if any.")
    automation_condition: dict[str, str] | None
    backfill_policy: dict[str, Any] | None
    origin: str | None = Field(description="Where the asset is defined: file:line or dbt path.")
    configured_by: list[ConfiguredBy] = Field(
        description="floe.yaml asset patterns that shaped this asset, with their lines."
    )


class UnresolvedRecord(_Record):
    source: Literal["python", "dbt"]
    what: str
    reason: str


class AssetGraphRecord(_Record):
    complete: bool = Field(description="False when some assets could not be discovered.")
    discovery: Literal["static", "import"]
    assets: list[AssetRecord]
    unresolved: list[UnresolvedRecord]


class JobRecord(_Record):
    type: Literal["batch", "ops"]
    assets: list[str] = Field(description="Resolved asset keys (batch jobs).")
    partitions: str | None = Field(description="The partitions entry its assets share.")
    target_function: str | None = Field(description="Absolute dotted path (ops jobs).")


class WarningRecord(_Record):
    message: str
    path: str
    line: int | None


class CompiledArtifact(_Record):
    """``compiled_artifacts.json``: one environment's fully resolved orchestration."""

    schema_version: str = Field(description="MAJOR.MINOR; the runtime refuses unknown majors.")
    floe_version: str
    project: dict[str, str]
    environment: str
    source: SourceRecord
    variables: dict[str, VariableRecord]
    orchestration: Orchestration
    dbt: DbtRecord | None
    asset_graph: AssetGraphRecord
    jobs: dict[str, JobRecord]
    warnings: list[WarningRecord]
    checksum: str = Field(description="sha256 of the canonical JSON of every other field.")


class ArtifactError(ValueError):
    """An artifact the runtime must not load; the message says what to do."""


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def seal(payload: dict[str, Any]) -> dict[str, Any]:
    """Add the checksum: sha256 over the canonical JSON of everything else."""
    body = {k: v for k, v in payload.items() if k != "checksum"}
    digest = hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()
    return {**body, "checksum": f"sha256:{digest}"}


def write_atomic(path: Path, content: bytes) -> None:
    """Write through a temp file in the same folder and rename it into place, so a reader or
    a crash never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would hide the bundle from other users
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> CompiledArtifact:
    """Load and verify an artifact: readable, a supported major version, checksum intact."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
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
    if seal(payload).get("checksum") != payload.get("checksum"):
        raise ArtifactError(
            f"{path}: checksum mismatch — the artifact was modified after compilation; "
            "recompile it with `floe compile` instead of editing it"
        )
    try:
        return CompiledArtifact.model_validate(payload)
    except ValidationError as exc:
        raise ArtifactError(
            f"{path}: not a valid floe artifact ({exc.error_count()} errors)"
        ) from exc
