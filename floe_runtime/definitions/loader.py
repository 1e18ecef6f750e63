"""``FloeDefinitions.from_compiled_artifacts()``: one compiled artifact → ``dagster.Definitions``.

Everything comes from the artifact that was reviewed: the asset graph, each job's resolved asset
list, the partitions, automation conditions, schedules and sensors. The code is only asked for
what the artifact cannot carry (the Python asset functions, the dbt project), and the graph it
yields is checked against the artifact's before anything is returned.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import dagster as dg

from floe_runtime.artifact import store
from floe_runtime.artifact.errors import ArtifactError
from floe_runtime.artifact.schema import AssetRecord, CompiledArtifact
from floe_runtime.base.exported import EXPORTED
from floe_runtime.compile import runtime_env, trust
from floe_runtime.compile.errors import TrustError
from floe_runtime.definitions import dev, drift, locate
from floe_runtime.definitions.automation import automation_sensor
from floe_runtime.definitions.dbt import DbtSetup, build_dbt_assets, check_profile, find_dbt
from floe_runtime.definitions.errors import LoadError
from floe_runtime.definitions.jobs import build_jobs
from floe_runtime.definitions.partitions import build_partitions
from floe_runtime.definitions.python_assets import load_python_assets, shape
from floe_runtime.definitions.schedules import build_schedules
from floe_runtime.definitions.sensors import build_sensors
from floe_runtime.ports.dbt_manifest.translation import NONE
from floe_runtime.spec.models import Orchestration
from floe_runtime.spec.yaml_loader import SourceMap, read_yaml_file


class _Places:
    """``floe.yaml:LINE`` for a place in the orchestration, when floe.yaml is at hand."""

    def __init__(self, floe_yaml: Path, shown: str) -> None:
        self.shown = shown
        document = read_yaml_file(floe_yaml, shown)[0] if floe_yaml.is_file() else None
        self.source: SourceMap | None = document.source if document is not None else None

    def __call__(self, *path: str | int) -> str:
        position = self.source.value_at(("orchestration", *path)) if self.source else None
        dotted = ".".join(str(p) for p in ("orchestration", *path))
        return f"{self.shown}:{position.line}" if position else f"{self.shown} ({dotted})"


def _read(file: Path) -> CompiledArtifact:
    try:
        return store.read(file)
    except ArtifactError as exc:
        raise LoadError(str(exc)) from None


def trusted_artifact(artifact: CompiledArtifact, file: Path, root: Path) -> trust.Trusted:
    """The trust check, before any import: a refusal names the floe.yaml line (when floe.yaml
    is at hand) or the artifact's field, and the fix."""
    try:
        return trust.verify(artifact, file, root)
    except TrustError as exc:
        if exc.field[0] != "orchestration":
            raise LoadError(f"{file}: {exc.message}") from None
        places = _Places(root / artifact.source.path, artifact.source.path)
        raise LoadError(f"{places(*exc.field[1:])}: {exc.message}") from None


def _export_environment(artifact: CompiledArtifact) -> None:
    """The bundle's environment for the user's code (and dbt): every variable floe.yaml used,
    set before anything is imported; a process that sets one otherwise is refused."""
    found = runtime_env.mismatches(artifact, os.environ, EXPORTED)
    if found:
        raise LoadError(runtime_env.mismatch_message(artifact, found))
    wanted = runtime_env.expected(artifact)
    for name, value in list(EXPORTED.items()):  # another bundle's, loaded before in this process
        if name not in wanted and os.environ.get(name) == value:
            del os.environ[name], EXPORTED[name]
    for name, value in wanted.items():
        os.environ[name] = EXPORTED[name] = value


def dbt_setup(artifact: CompiledArtifact, root: Path, base: PurePosixPath) -> DbtSetup:
    assert artifact.dbt is not None
    dbt = artifact.dbt
    project_dir = locate.in_project(
        root, str(base / dbt.project_dir), "dbt project", "dbt.project_dir"
    )
    if not (project_dir / "dbt_project.yml").is_file():
        raise LoadError(
            f"{project_dir} has no dbt_project.yml: the artifact's dbt.project_dir does not "
            "point at the dbt project; check the project root (FLOE_PROJECT_ROOT)"
        )
    profiles_dir = locate.in_project(
        root, str(base / dbt.profiles_dir), "dbt profiles folder", "dbt.profiles_dir"
    )
    check_profile(project_dir, profiles_dir, dbt.target)
    return DbtSetup(
        project_dir=project_dir,
        profiles_dir=profiles_dir,
        target=dbt.target,
        executable=find_dbt(os.environ.get("PATH"), sys.executable),
        per_model=dbt.observability_level == "per_model",
    )


def _dbt_assets(
    artifact: CompiledArtifact,
    manifest: Mapping[str, Any],
    records: Mapping[str, AssetRecord],
    python_keys: frozenset[str],
    partitions: Mapping[str, dg.PartitionsDefinition],
    setup: DbtSetup,
) -> list[dg.AssetsDefinition]:
    """The dbt ops, keyed and named as the artifact says (a 1.0 artifact has no op_name)."""
    settings = artifact.orchestration.dbt
    assert settings is not None
    return build_dbt_assets(
        manifest,
        records,
        python_keys,
        partitions,
        setup,
        base_name=settings.op_name or f"dbt_{artifact.project['name']}",
        translation=settings.translation.rules() if settings.translation else NONE,
    )


class FloeDefinitions:
    """Entry point of the runtime: ``FloeDefinitions.from_compiled_artifacts()``."""

    @staticmethod
    def from_compiled_artifacts(
        path: str | Path | None = None,
        *,
        project_root: str | Path | None = None,
        resources: Mapping[str, Any] | None = None,
        definitions: dg.Definitions | Sequence[dg.Definitions] | None = None,
        strict: bool = True,
    ) -> dg.Definitions:
        """Load a compiled artifact (a file or bundle folder; default ``$FLOE_ARTIFACTS``, else
        ``dist/floe/$FLOE_ENV/``) into Dagster definitions. ``project_root`` (default
        ``$FLOE_PROJECT_ROOT``, else the git work tree or working directory) is where the
        artifact's relative paths point. ``resources`` and ``definitions`` are merged in.
        ``strict=False`` turns a drift between code and artifact into a warning. Under
        ``dagster dev`` (or ``FLOE_DEV=1``) floe.yaml is compiled first when the bundle is
        missing or stale: see ``floe_runtime.definitions.dev``."""
        cwd = Path.cwd()
        root = locate.project_root(project_root, os.environ, cwd)
        if dev.active(os.environ):
            caller = sys._getframe(1).f_globals.get("__file__")  # the code location file
            file = dev.prepare(path, os.environ, cwd, root, Path(caller) if caller else None)
        else:
            file = locate.artifact_path(path, os.environ, cwd)
        artifact = _read(file)
        trusted = trusted_artifact(artifact, file, root)  # before anything is imported
        _export_environment(artifact)
        source = PurePosixPath(artifact.source.path)
        places = _Places(trusted.floe_yaml, str(source))
        roots = trusted.roots
        orchestration = artifact.orchestration
        records = {record.key: record for record in artifact.asset_graph.assets}
        partitions = build_partitions(orchestration.partitions)

        python = load_python_assets(
            orchestration.asset_modules,
            roots,
            [places("asset_modules", i) for i in range(len(orchestration.asset_modules))],
        )
        assets = shape(python.assets, records, partitions)
        if artifact.dbt is not None:
            setup = dbt_setup(artifact, root, source.parent)
            python_keys = frozenset(s.key.to_user_string() for a in assets for s in a.specs)
            if trusted.manifest is None:
                raise LoadError(
                    f"{file}: the artifact was compiled without a dbt manifest, so its dbt "
                    "models cannot run; compile with `floe compile --dbt-parse` (or set "
                    "dbt.manifest_path)"
                )
            assets += _dbt_assets(
                artifact, trusted.manifest, records, python_keys, partitions, setup
            )
        drift.check(drift.differences(assets, records, partitions), str(file), strict)

        jobs, sensors = _jobs_and_sensors(artifact, orchestration, root, roots, places)
        ours = dg.Definitions(
            assets=[*assets, *python.other],
            jobs=list(jobs.values()),
            schedules=build_schedules(artifact, jobs),
            sensors=sensors,
            resources=dict(resources or {}),
        )
        extra = (
            [definitions] if isinstance(definitions, dg.Definitions) else list(definitions or [])
        )
        return dg.Definitions.merge(ours, *extra) if extra else ours


def _jobs_and_sensors(
    artifact: CompiledArtifact,
    orchestration: Orchestration,
    root: Path,
    roots: list[Path],
    places: _Places,
) -> tuple[dict[str, Any], list[Any]]:
    """The artifact's jobs, and its sensors (with the automation sensor when an asset has a
    condition)."""
    jobs = build_jobs(
        artifact.jobs,
        artifact.orchestration.jobs,
        roots,
        {name: places("jobs", name, "target_function") for name in artifact.jobs},
    )
    sensors: list[Any] = [
        *build_sensors(
            artifact,
            jobs,
            project_root=root,
            roots=roots,
            places={
                name: places("sensors", name, "target_function")
                for name in artifact.orchestration.sensors
            },
        )
    ]
    if any(r.automation_condition is not None for r in artifact.asset_graph.assets):
        sensors.append(automation_sensor(orchestration.automation))
    return jobs, sensors
