"""The dbt side of an environment's inputs: one ``dbt parse`` per distinct target for all the
environments of a command, then each environment's part of the graph from its manifest (parsed,
or a ``manifest_path``), scanned for leaked secrets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from floe_runtime.artifact.schema import ManifestRecord
from floe_runtime.artifact.store import MANIFEST_NAME
from floe_runtime.base.diagnostics import INCOMPLETE, Diagnostic, JsonPath
from floe_runtime.compile import leaks
from floe_runtime.compile.dbt_parse import DbtParses, Parsed, Request
from floe_runtime.compile.errors import DbtParseError
from floe_runtime.compile.options import CompileOptions
from floe_runtime.compile.problems import problem
from floe_runtime.ports.dbt_manifest import (
    DbtGraph,
    dbt_graph,
    manifest_bytes,
    manifest_digest,
    parse_manifest,
)
from floe_runtime.ports.dbt_manifest.translation import NONE
from floe_runtime.ports.errors import ManifestError
from floe_runtime.spec.load import Spec

DBT: JsonPath = ("orchestration", "dbt")


@dataclass(frozen=True)
class EnvironmentDbt:
    """An environment's dbt part of the graph, its manifest (record and bytes), or why not."""

    graph: DbtGraph | None = None
    record: ManifestRecord | None = None
    manifest: bytes | None = None
    problems: list[Diagnostic] = field(default_factory=list)


def parse_all(
    specs: Mapping[str, Spec], floe_yaml: Path, work: Path, options: CompileOptions
) -> dict[str, Parsed]:
    """The manifest of every environment with a dbt project: one parse per distinct target
    (each project folder handed to ``prepare_dbt`` first, once, before any parse starts)."""
    requests = []
    for env, spec in specs.items():
        settings = spec.project.orchestration.dbt if spec.ok and spec.project else None
        if settings is None:
            continue
        base = floe_yaml.parent
        requests.append(
            Request(
                environment=env,
                project_dir=base / settings.project_dir,
                profiles_dir=base / (settings.profiles_dir or settings.project_dir),
                target=settings.target,
            )
        )
    if options.prepare_dbt is not None:
        for project_dir in dict.fromkeys(r.project_dir for r in requests):
            options.prepare_dbt(project_dir)
    parses = options.dbt_parses or DbtParses(options.spec.process_env)
    if not requests:
        parses.led.set()
        return {}
    return parses.resolve(
        requests,
        work,
        options.progress,
        persistent=options.dbt_cache,
        follow=options.dbt_follow,
    )


def environment_dbt(
    spec: Spec,
    floe_yaml: Path,
    parsed: Parsed | Path | None,
    python_keys: Mapping[str, str],
) -> EnvironmentDbt:
    """The dbt part of the graph, from a parse (its bytes) or a manifest file."""
    assert spec.project is not None
    settings = spec.project.orchestration.dbt
    if settings is None:
        return EnvironmentDbt()
    if isinstance(parsed, DbtParseError):
        return EnvironmentDbt(problems=[problem(spec, str(parsed), DBT, error=True)])
    path = floe_yaml.parent / settings.manifest_path if settings.manifest_path else None
    if isinstance(parsed, Path):
        path = parsed
    if path is None and parsed is None:
        unchecked = problem(
            spec,
            "no dbt manifest: dbt models are not in the asset graph, so selections are checked "
            "against the Python assets only",
            DBT,
            "compile with --dbt-parse, or set dbt.manifest_path",
        )  # a limit of this check, not a finding (--strict keeps it a warning)
        return EnvironmentDbt(problems=[replace(unchecked, code=INCOMPLETE)])
    if isinstance(parsed, bytes):
        shown, raw = Path(settings.project_dir) / "manifest.json (from dbt parse)", parsed
    else:
        assert path is not None
        shown, raw = path, b""
    try:
        raw = raw or manifest_bytes(shown)
        with leaks.ManifestScan(raw) as scan:  # scans meanwhile: read it last
            manifest = parse_manifest(raw, path=shown)
            translation = settings.translation.rules() if settings.translation else NONE
            graph = dbt_graph(
                manifest,
                python_asset_keys=python_keys,
                python_groups=python_keys,
                translation=translation,
            )
            digest = manifest_digest(manifest)
            if leaked := scan.messages(manifest):
                return EnvironmentDbt(problems=[problem(spec, m, DBT, error=True) for m in leaked])
    except ManifestError as exc:
        return EnvironmentDbt(problems=[problem(spec, str(exc), DBT, error=True)])
    metadata = manifest.get("metadata", {})
    record = ManifestRecord(
        file=MANIFEST_NAME,
        digest=digest,
        dbt_version=metadata.get("dbt_version"),
        adapter_type=metadata.get("adapter_type"),
    )
    return EnvironmentDbt(graph, record, raw)
