"""``floe compile``'s edge: read what each environment needs, compile it, write its bundle.

A bundle is ``<out>/<env>/compiled_artifacts.json`` plus, with dbt, the ``manifest.json`` the
runtime loads. Every environment is compiled in memory first (dbt parses run side by side);
bundles are written only when all requested environments compiled, each file atomically.
The inputs come from ``python_inputs`` (asset modules) and ``dbt_manifests`` (one parse per
distinct target); ``compiler.build_artifact`` turns one environment's into its artifact.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from floe_runtime.artifact.schema import (
    CompiledArtifact,
    SourceRecord,
    UnresolvedRecord,
)
from floe_runtime.artifact.store import ARTIFACT_NAME, MANIFEST_NAME, sealed
from floe_runtime.base import files
from floe_runtime.base.diagnostics import (
    Diagnostic,
    has_errors,
)
from floe_runtime.compile import asset_graph, dbt_manifests, leaks, python_inputs
from floe_runtime.compile.compiler import Inputs, build_artifact
from floe_runtime.compile.dbt_parse import Parsed
from floe_runtime.compile.functions import (
    check_targets,
)
from floe_runtime.compile.options import CompileOptions
from floe_runtime.compile.problems import problem
from floe_runtime.compile.python_assets import Discovery, DiscoveryMode
from floe_runtime.compile.unchanged import same_manifest
from floe_runtime.ports.constants import DEFAULT_GROUP
from floe_runtime.spec.load import Read, Spec, SpecOptions, bounded, load_spec, read
from floe_runtime.spec.provenance import with_provenance


@dataclass
class Compiled:
    """One environment's outcome."""

    environment: str
    artifact: CompiledArtifact | None
    diagnostics: list[Diagnostic]
    manifest: bytes | None = None
    summary: dict[str, int] = field(default_factory=dict)
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.artifact is not None


def _dbt_and_python(
    specs: Mapping[str, Spec], floe_yaml: Path, work: Path, options: CompileOptions
) -> tuple[dict[str, Parsed], dict[str, tuple[Discovery, DiscoveryMode]]]:
    """Every environment's dbt manifest (with ``--dbt-parse``) and Python assets; dbt runs
    while the Python assets are read."""
    cache: dict[tuple[str, ...], tuple[Discovery, DiscoveryMode]] = {}

    def python() -> dict[str, tuple[Discovery, DiscoveryMode]]:
        process_env = options.spec.process_env
        return {
            env: python_inputs.python_assets(spec, floe_yaml, options.discover, process_env, cache)
            for env, spec in specs.items()
            if spec.ok
        }

    if not options.dbt_parse:
        return {}, python()
    from concurrent.futures import ThreadPoolExecutor  # only compiles that run dbt need it

    with ThreadPoolExecutor(max_workers=1) as pool:
        parsing = pool.submit(dbt_manifests.parse_all, specs, floe_yaml, work, options)
        discovered = python()
        return parsing.result(), discovered


def _compile(
    spec: Spec,
    environment: str,
    floe_yaml: Path,
    discovery: tuple[Discovery, DiscoveryMode],
    parsed: Parsed | Path | None,
) -> Compiled:
    assert spec.project is not None and spec.source is not None
    python, mode = discovery
    unresolved, problems = python_inputs.unresolved(spec, python)
    problems += check_targets(spec, floe_yaml)
    dbt = dbt_manifests.environment_dbt(
        spec, floe_yaml, parsed, {a.key: a.group or DEFAULT_GROUP for a in python.assets}
    )
    problems += dbt.problems
    if has_errors(problems):
        return Compiled(environment, None, spec.diagnostics + problems)
    settings = spec.project.orchestration.dbt
    if settings is not None and dbt.graph is None:
        unresolved.append(
            UnresolvedRecord(source="dbt", what=settings.project_dir, reason="no manifest")
        )
    graph, graph_problems = asset_graph.build(spec.project, spec.source, python, dbt.graph)
    source = SourceRecord(
        path=python_inputs.repository_path(floe_yaml),
        sha256=hashlib.sha256(
            files.read_bytes(floe_yaml, files.FLOE_YAML_LIMIT, "floe.yaml")
        ).hexdigest(),
    )
    artifact, compile_problems = build_artifact(
        spec,
        environment=environment,
        inputs=Inputs(source, graph, mode, unresolved, dbt.record, graph_problems),
    )
    text = ""
    if artifact is not None:
        payload = artifact.model_dump(mode="json")
        checksum, text = sealed(payload)
        if leaked := leaks.in_artifact(payload, text):
            compile_problems += [problem(spec, m, (), error=True) for m in leaked]
            artifact, text = None, ""
        else:
            artifact = artifact.model_copy(update={"checksum": checksum})
    kinds: list[str] = [a.kind for a in graph.assets.values()]
    summary = {k: kinds.count(k) for k in ("python", "dbt", "external")}
    return Compiled(
        environment,
        artifact,
        spec.diagnostics + problems + compile_problems,
        dbt.manifest if artifact is not None else None,
        summary,
        text,
    )


def compile_environments(options: CompileOptions, *, source: Read | None = None) -> list[Compiled]:
    """Compile each requested environment in memory (``source``: floe.yaml, already read)."""
    floe_yaml = options.spec.path
    source = bounded(source or read(options.spec), len(options.environments))
    specs = {
        env: load_spec(options.spec, environment=env, source=source) for env in options.environments
    }
    work = Path(tempfile.mkdtemp(prefix="floe-compile-"))
    try:
        parsed, discovered = _dbt_and_python(specs, floe_yaml, work, options)
        results = []
        for index, (env, spec) in enumerate(specs.items(), start=1):
            if not spec.ok:
                results.append(Compiled(env, None, spec.diagnostics))
                continue
            if len(specs) > 1:
                options.progress(f"compiling {env} ({index}/{len(specs)})")
            discovery = discovered[env]
            found: Parsed | Path | None = parsed.get(env)
            dbt = spec.project.orchestration.dbt if spec.project is not None else None
            if found is None and dbt is not None and dbt.manifest_path is None:
                found = options.manifests.get(env)
            result = _compile(spec, env, floe_yaml, discovery, found)
            results.append(_with_provenance(result, spec, source, options.spec))
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _with_provenance(result: Compiled, spec: Spec, source: Read, options: SpecOptions) -> Compiled:
    """Compile's own findings on values from variables name the variable (as validation's do)."""
    document = source.document
    if document is None:
        return result
    own = result.diagnostics[len(spec.diagnostics) :]
    named = with_provenance(
        own, document.data, spec.variables, spec.path.parent, options.shown_folder
    )
    return replace(result, diagnostics=spec.diagnostics + named)


def write_bundles(results: list[Compiled], *, out: Path) -> list[Path]:
    """Write every environment's bundle (only call when all compiled)."""
    written = []
    files.check_folder(out)
    for result in results:
        assert result.artifact is not None
        folder = out / result.environment
        if result.manifest is not None:
            if not same_manifest(folder / MANIFEST_NAME, result.manifest):
                files.write_atomic(folder / MANIFEST_NAME, result.manifest)
        else:
            files.remove(folder / MANIFEST_NAME)
        target = folder / ARTIFACT_NAME
        files.write_atomic(target, result.text.encode("utf-8"))
        written.append(target)
    return written
