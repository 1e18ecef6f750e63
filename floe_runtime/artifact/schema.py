"""The JSON Schema of ``compiled_artifacts.json``, as pydantic models.

``schemas/compiled-artifacts.schema.json`` is generated from these models. The compiler builds
the artifact from them (its many asset records validated from plain data in one call), and the
runtime reads artifacts through them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from floe_runtime.spec.models import Orchestration


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


class ConditionRecord(_Record):
    """``eager`` or ``on_missing``: the type is the whole condition."""

    type: Literal["eager", "on_missing"]


class CronConditionRecord(_Record):
    """``on_cron``: once per tick of its cron, after every upstream asset has updated."""

    type: Literal["on_cron"]
    cron_schedule: str
    cron_timezone: str


AutomationRecord = Annotated[ConditionRecord | CronConditionRecord, Field(discriminator="type")]


class BackfillPolicyRecord(_Record):
    """How Dagster groups partitions into runs (multi_run without a maximum: 1 per run)."""

    type: Literal["multi_run", "single_run"]
    max_partitions_per_run: int | None


class AssetRecord(_Record):
    key: str = Field(description="Asset key, components joined by '/'.")
    kind: Literal["python", "dbt", "external"]
    group: str | None
    deps: list[str]
    tags: dict[str, str]
    owners: list[str]
    partitions: str | None = Field(description="Name of the partitions entry, if any.")
    automation_condition: AutomationRecord | None
    backfill_policy: BackfillPolicyRecord | None
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
