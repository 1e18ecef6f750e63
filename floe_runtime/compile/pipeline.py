"""``floe compile``'s edge: read what each environment needs, compile it, write its bundle.

A bundle is ``<out>/<env>/compiled_artifacts.json`` plus, with dbt, the ``manifest.json`` the
runtime loads. Every environment is compiled in memory first (dbt parses run side by side);
bundles are written only when all requested environments compiled, each file atomically.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from floe_runtime.artifact.schema import (
    CompiledArtifact,
    ManifestRecord,
    SourceRecord,
    UnresolvedRecord,
)
from floe_runtime.artifact.store import ARTIFACT_NAME, MANIFEST_NAME, sealed
from floe_runtime.base import files
from floe_runtime.base.diagnostics import (
    INCOMPLETE,
    Diagnostic,
    JsonPath,
    Severity,
    has_errors,
)
from floe_runtime.compile import asset_graph, leaks
from floe_runtime.compile.compiler import Inputs, compile_environment
from floe_runtime.compile.dbt_parse import DbtParseError, DbtParses, Parsed, Request
from floe_runtime.compile.functions import JOB_INJECTED, SENSOR_INJECTED, check_function
from floe_runtime.compile.python_assets import Discovery, DiscoveryMode, discover, search_roots
from floe_runtime.compile.unchanged import same_manifest
from floe_runtime.ports.constants import DEFAULT_GROUP
from floe_runtime.ports.dbt_manifest import (
    DbtGraph,
    ManifestError,
    dbt_graph,
    manifest_bytes,
    manifest_digest,
    parse_manifest,
)
from floe_runtime.ports.dbt_manifest.translation import NONE
from floe_runtime.spec import modules
from floe_runtime.spec.load import Read, Spec, SpecOptions, bounded, load_spec, read
from floe_runtime.spec.models import OpsJob
from floe_runtime.spec.provenance import with_provenance
from floe_runtime.spec.triggers import CustomSensor

DBT: JsonPath = ("orchestration", "dbt")


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


def repository_root(path: Path) -> Path:
    """The git work tree holding ``path`` (the same layout on every clone); outside git, the
    folder its Python package is imported from."""
    resolved = path.resolve()
    for folder in resolved.parents:
        if (folder / ".git").exists():
            return folder
    return search_roots(resolved, modules.package_of(resolved))[0]


def repository_path(path: Path) -> str:
    """``path`` as it is named on every clone of the repository."""
    return path.resolve().relative_to(repository_root(path)).as_posix()


def _problem(
    spec: Spec, message: str, path: JsonPath, hint: str | None = None, error: bool = False
) -> Diagnostic:
    assert spec.source is not None
    severity: Severity = "error" if error else "warning"
    return spec.source.diagnostic(message, path, hint=hint, severity=severity, code="compile")


def _python(
    spec: Spec,
    floe_yaml: Path,
    mode: DiscoveryMode,
    process_env: Mapping[str, str],
    cache: dict[tuple[str, ...], tuple[Discovery, DiscoveryMode]],
) -> tuple[Discovery, DiscoveryMode]:
    """Python assets, read once per set of modules (the same in every environment)."""
    assert spec.project is not None
    names = tuple(
        modules.resolve(m, spec.package) for m in spec.project.orchestration.asset_modules
    )
    if names not in cache:
        roots = search_roots(floe_yaml, spec.package)
        shown = repository_root(floe_yaml)
        found = None
        if mode == "import":
            from floe_runtime.compile.import_discovery import discover_by_import

            found = discover_by_import(names, roots, shown, process_env)
        cache[names] = (found, "import") if found else (discover(names, roots, shown), "static")
    return cache[names]


def _dbt_parse_all(
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


def _dbt_and_python(
    specs: Mapping[str, Spec], floe_yaml: Path, work: Path, options: CompileOptions
) -> tuple[dict[str, Parsed], dict[str, tuple[Discovery, DiscoveryMode]]]:
    """Every environment's dbt manifest (with ``--dbt-parse``) and Python assets; dbt runs
    while the Python assets are read."""
    cache: dict[tuple[str, ...], tuple[Discovery, DiscoveryMode]] = {}

    def python() -> dict[str, tuple[Discovery, DiscoveryMode]]:
        process_env = options.spec.process_env
        return {
            env: _python(spec, floe_yaml, options.discover, process_env, cache)
            for env, spec in specs.items()
            if spec.ok
        }

    if not options.dbt_parse:
        return {}, python()
    from concurrent.futures import ThreadPoolExecutor  # only compiles that run dbt need it

    with ThreadPoolExecutor(max_workers=1) as pool:
        parsing = pool.submit(_dbt_parse_all, specs, floe_yaml, work, options)
        discovered = python()
        return parsing.result(), discovered


def _dbt(
    spec: Spec,
    floe_yaml: Path,
    parsed: Parsed | Path | None,
    python_keys: Mapping[str, str],
) -> tuple[DbtGraph | None, ManifestRecord | None, bytes | None, list[Diagnostic]]:
    """The dbt part of the graph, from a parse (its bytes) or a manifest file."""
    assert spec.project is not None
    settings = spec.project.orchestration.dbt
    if settings is None:
        return None, None, None, []
    if isinstance(parsed, DbtParseError):
        return None, None, None, [_problem(spec, str(parsed), DBT, error=True)]
    path = floe_yaml.parent / settings.manifest_path if settings.manifest_path else None
    if isinstance(parsed, Path):
        path = parsed
    if path is None and parsed is None:
        return (
            None,
            None,
            None,
            [
                replace(  # a limit of this check, not a finding (--strict keeps it a warning)
                    _problem(
                        spec,
                        "no dbt manifest: dbt models are not in the asset graph, so selections "
                        "are checked against the Python assets only",
                        DBT,
                        "compile with --dbt-parse, or set dbt.manifest_path",
                    ),
                    code=INCOMPLETE,
                )
            ],
        )
    if isinstance(parsed, bytes):
        shown, raw = Path(settings.project_dir) / "manifest.json (from dbt parse)", parsed
    else:
        assert path is not None
        shown, raw = path, b""
    try:
        raw = raw or manifest_bytes(shown)
        with leaks.ManifestScan(raw) as scan:  # scans meanwhile: read it last
            manifest = parse_manifest(raw, shown)
            translation = settings.translation.rules() if settings.translation else NONE
            graph = dbt_graph(manifest, python_keys, python_keys, translation)
            digest = manifest_digest(manifest)
            if leaked := scan.messages(manifest):
                return None, None, None, [_problem(spec, m, DBT, error=True) for m in leaked]
    except ManifestError as exc:
        return None, None, None, [_problem(spec, str(exc), DBT, error=True)]
    metadata = manifest.get("metadata", {})
    record = ManifestRecord(
        file=MANIFEST_NAME,
        digest=digest,
        dbt_version=metadata.get("dbt_version"),
        adapter_type=metadata.get("adapter_type"),
    )
    return graph, record, raw, []


def _unresolved(
    spec: Spec, discovery: Discovery
) -> tuple[list[UnresolvedRecord], list[Diagnostic]]:
    """Python modules floe could not read: recorded in the artifact, and a warning each."""
    assert spec.project is not None
    records: list[UnresolvedRecord] = []
    problems: list[Diagnostic] = []
    declared = [modules.resolve(m, spec.package) for m in spec.project.orchestration.asset_modules]
    for item in discovery.unresolved:
        where = f"{item.file}:{item.line}" if item.file and item.line else item.module
        records.append(UnresolvedRecord(source="python", what=where, reason=item.reason))
        index = declared.index(item.module) if item.module in declared else None
        path: JsonPath = ("orchestration", "asset_modules", *([index] if index is not None else []))
        if item.fatal:
            hint = "fix or remove the module: Dagster cannot load it either"
        elif item.reason.startswith(("ModuleNotFoundError", "ImportError")):
            hint = "install the project's dependencies here, or compile with --discover static"
        else:
            hint = (
                "these assets are unresolved (the artifact says complete: false); write them "
                "with literal @asset decorators, or compile with --discover import"
            )
        problems.append(
            _problem(
                spec,
                f"{item.module}: {item.reason}" + (f" ({where})" if item.file else ""),
                path,
                hint,
                error=item.fatal,
            )
        )
    return records, problems


def _functions(spec: Spec, floe_yaml: Path) -> list[Diagnostic]:
    """Every ``target_function``: defined in its module, and ``args`` fit its parameters."""
    assert spec.project is not None
    orchestration = spec.project.orchestration
    callers: Sequence[tuple[JsonPath, str, Mapping[str, Any], frozenset[str]]] = [
        (("orchestration", "jobs", name), job.target_function, job.args, JOB_INJECTED)
        for name, job in orchestration.jobs.items()
        if isinstance(job, OpsJob)
    ] + [
        (("orchestration", "sensors", name), sensor.target_function, sensor.args, SENSOR_INJECTED)
        for name, sensor in orchestration.sensors.items()
        if isinstance(sensor, CustomSensor)
    ]
    roots = search_roots(floe_yaml, spec.package)
    problems = []
    for path, dotted, args, injected in callers:
        absolute = modules.resolve(dotted, spec.package)
        for found in check_function(absolute, args, roots, injected):
            where: JsonPath = (
                (*path, "args", found.argument) if found.argument else (*path, "target_function")
            )
            problems.append(_problem(spec, found.message, where, found.hint, error=found.certain))
    return problems


def _compile(
    spec: Spec,
    environment: str,
    floe_yaml: Path,
    discovery: tuple[Discovery, DiscoveryMode],
    parsed: Parsed | Path | None,
) -> Compiled:
    assert spec.project is not None and spec.source is not None
    python, mode = discovery
    unresolved, problems = _unresolved(spec, python)
    problems += _functions(spec, floe_yaml)
    dbt, record, manifest, dbt_problems = _dbt(
        spec, floe_yaml, parsed, {a.key: a.group or DEFAULT_GROUP for a in python.assets}
    )
    problems += dbt_problems
    if has_errors(problems):
        return Compiled(environment, None, spec.diagnostics + problems)
    settings = spec.project.orchestration.dbt
    if settings is not None and dbt is None:
        unresolved.append(
            UnresolvedRecord(source="dbt", what=settings.project_dir, reason="no manifest")
        )
    graph, graph_problems = asset_graph.build(spec.project, spec.source, python, dbt)
    source = SourceRecord(
        path=repository_path(floe_yaml),
        sha256=hashlib.sha256(
            files.read_bytes(floe_yaml, files.FLOE_YAML_LIMIT, "floe.yaml")
        ).hexdigest(),
    )
    artifact, compile_problems = compile_environment(
        spec, environment, Inputs(source, graph, mode, unresolved, record, graph_problems)
    )
    text = ""
    if artifact is not None:
        payload = artifact.model_dump(mode="json")
        checksum, text = sealed(payload)
        if leaked := leaks.in_artifact(payload, text):
            compile_problems += [_problem(spec, m, (), error=True) for m in leaked]
            artifact, text = None, ""
        else:
            artifact = artifact.model_copy(update={"checksum": checksum})
    kinds: list[str] = [a.kind for a in graph.assets.values()]
    summary = {k: kinds.count(k) for k in ("python", "dbt", "external")}
    return Compiled(
        environment,
        artifact,
        spec.diagnostics + problems + compile_problems,
        manifest if artifact is not None else None,
        summary,
        text,
    )


@dataclass(frozen=True, kw_only=True)
class CompileOptions:
    """How to compile: the spec's inputs, which environments, and how to find the assets."""

    spec: SpecOptions
    environments: tuple[str, ...]
    dbt_parse: bool = False
    discover: DiscoveryMode = "static"
    progress: Callable[[str], None] = field(default=lambda message: None)
    prepare_dbt: Callable[[Path], None] | None = None
    """Called with each dbt project folder before ``dbt parse`` (the review's base installs
    its dbt packages there)."""
    dbt_parses: DbtParses | None = None
    """The parses this compile shares with others of the same command (the review's head and
    base); None: its own."""
    dbt_cache: bool = True
    """Keep floe's dbt target folders between runs, so dbt parses incrementally and not at
    all when nothing it reads changed (off for the review's temporary base checkout)."""
    dbt_follow: str | None = None
    """Reuse the parses of the compile named so (it leads: ``dbt_parses.led``)."""
    manifests: Mapping[str, Path] = field(default_factory=dict)
    """Per environment, a manifest to read when there is neither a parse nor a
    ``manifest_path`` (``floe list``: the compiled bundle's)."""


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
    document = source[0]
    if document is None:
        return result
    own = result.diagnostics[len(spec.diagnostics) :]
    named = with_provenance(
        own, document.data, spec.variables, spec.path.parent, options.shown_folder
    )
    return replace(result, diagnostics=spec.diagnostics + named)


def write_bundles(results: list[Compiled], out: Path) -> list[Path]:
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
