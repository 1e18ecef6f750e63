"""An artifact's JSON as the review reads it: the one place outside the models that reads
artifact content by key.

``review/diff.py`` compares two sides entity by entity and field by field, on payloads as
``store.read_payload`` verified them (version and checksum, not shape: a PR diff of large
artifacts must not pay for building the models). Every field it reads for meaning — an
entity's running state, a schedule's cron, an asset's deps, a job's resolved assets — is read
here, so the artifact's layout is known in ``artifact/`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from floe_runtime.artifact.errors import ArtifactError
from floe_runtime.artifact.store import read_payload

Payload = Mapping[str, Any]

# Entity maps under ``orchestration``, in the order a reviewer reads them.
ENTITIES = (
    ("job", "jobs"),
    ("schedule", "schedules"),
    ("sensor", "sensors"),
    ("partition", "partitions"),
    ("backfill", "backfills"),
    ("asset_setting", "assets"),
)
# Project-wide settings compared as one entity each.
SETTINGS = ("asset_modules", "allowed_modules", "dbt", "automation")
# What an asset of the graph is, for review: not where it is defined (origin, configured_by
# lines are provenance).
ASSET_FIELDS = (
    "kind",
    "group",
    "deps",
    "partitions",
    "automation_condition",
    "backfill_policy",
    "tags",
    "owners",
)


def read_view(path: Path) -> ArtifactView:
    """A verified artifact file, as a view that knows its environment and whose every field it
    reads is shaped as floe writes it."""
    view = ArtifactView(read_payload(path))
    if not view.environment:
        raise ArtifactError(f"{path}: not a floe artifact (no environment)")
    field = misshapen(view.payload)
    if field is not None:
        raise ArtifactError(
            f"{path}: the checksum is valid but {field} is not shaped as floe writes it (the "
            "artifact was made by hand); recompile it with `floe compile`"
        )
    return view


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _records(value: Any) -> bool:
    """A map of records by name (absent or empty: none)."""
    return value is None or (
        isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())
    )


def misshapen(payload: Payload) -> str | None:
    """The first field the view reads that is not of the type floe writes (None: all are).

    The version and checksum say who sealed a payload, not that floe made it; this checks, in one
    pass over the records, only what the view reads, so a PR diff of large artifacts still does
    not build the models.
    """
    source, orchestration = payload.get("source"), payload.get("orchestration")
    if not isinstance(source, dict) or not isinstance(source.get("path"), str):
        return "source.path"
    if not isinstance(payload.get("checksum"), str):
        return "checksum"
    if not isinstance(orchestration, dict):
        return "orchestration"
    for _, key in ENTITIES:
        if not _records(orchestration.get(key)):
            return f"orchestration.{key}"
    graph = payload.get("asset_graph")
    if not isinstance(graph, dict) or not isinstance(graph.get("assets"), list):
        return "asset_graph.assets"
    for index, asset in enumerate(graph["assets"]):
        if not (isinstance(asset, dict) and isinstance(asset.get("key"), str)):
            return f"asset_graph.assets[{index}].key"
        if not _strings(asset.get("deps")):
            return f"asset_graph.assets[{index}].deps"
    unresolved = graph.get("unresolved")
    if not (isinstance(unresolved, list) and all(isinstance(u, dict) for u in unresolved)):
        return "asset_graph.unresolved"
    jobs = payload.get("jobs")
    if not _records(jobs):
        return "jobs"
    for name, job in (jobs or {}).items():
        if job.get("type") == "batch" and not _strings(job.get("assets")):
            return f"the assets of job {name[:60]!r}"
    return None


class ArtifactView:
    """Raw accessors over one side's payload (``None``: the side has no such environment)."""

    def __init__(self, payload: Payload | None) -> None:
        self.payload: Payload = payload or {}
        self._orchestration: Mapping[str, Any] = self.payload.get("orchestration") or {}

    @property
    def environment(self) -> str | None:
        name = self.payload.get("environment")
        return name if isinstance(name, str) and name else None

    @property
    def source_path(self) -> str | None:
        """The floe.yaml this side was compiled from, as the artifact names it."""
        source = self.payload.get("source")
        path = source.get("path") if isinstance(source, dict) else None
        return path if isinstance(path, str) else None

    @property
    def identity(self) -> tuple[Any, Any, Any]:
        """(floe.yaml's path, environment, checksum) as recorded, unchecked."""
        return (
            self.payload["source"]["path"],
            self.payload["environment"],
            self.payload["checksum"],
        )

    def orchestration(self, key: str) -> Mapping[str, Any]:
        return self._orchestration.get(key) or {}

    def settings(self) -> dict[str, Any]:
        if not self.payload:
            return {}
        return {key: self._orchestration.get(key) for key in SETTINGS}

    @cached_property
    def assets(self) -> dict[str, Any]:
        graph = self.payload.get("asset_graph") or {}
        return {a["key"]: a for a in graph.get("assets", ())}

    @cached_property
    def job_assets(self) -> dict[str, list[str] | None]:
        """Batch jobs' resolved asset lists (None for ops jobs: they run a function)."""
        jobs = self.payload.get("jobs") or {}
        return {
            name: job["assets"] if job.get("type") == "batch" else None
            for name, job in jobs.items()
        }

    def deps(self, key: str) -> tuple[str, ...]:
        asset = self.assets.get(key)
        return tuple(asset.get("deps") or ()) if asset is not None else ()

    def schedule_timing(self, name: str) -> tuple[str, str]:
        """A schedule's cron and timezone, as written in the artifact."""
        schedule = self.orchestration("schedules")[name]
        return str(schedule.get("cron_schedule")), str(schedule.get("timezone"))

    def resolved_without_dbt(self) -> bool:
        """Whether the job asset lists were resolved without the dbt models."""
        unresolved = (self.payload.get("asset_graph") or {}).get("unresolved", ())
        return any(u.get("source") == "dbt" for u in unresolved)

    def counts(self) -> dict[str, int]:
        counts = {kind: len(self.orchestration(key)) for kind, key in ENTITIES}
        return {**counts, "asset": len(self.assets)}


def enabled(entity: Any) -> bool | None:
    """A schedule's, sensor's or the automation setting's ``enabled`` (None: not an entity)."""
    if not isinstance(entity, Mapping):
        return None
    return entity.get("enabled") is True


def asset_fields(record: Any) -> Any:
    """What an asset is, for review (not where it is defined: origin and pattern lines)."""
    return None if record is None else {f: record.get(f) for f in ASSET_FIELDS}
