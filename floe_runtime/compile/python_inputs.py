"""The Python side of an environment's inputs: where the repository is, the asset modules'
assets (read once per set of modules), and what could not be read."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from floe_runtime.artifact.schema import UnresolvedRecord
from floe_runtime.base.diagnostics import Diagnostic, JsonPath
from floe_runtime.compile.problems import problem
from floe_runtime.compile.python_assets import Discovery, DiscoveryMode, discover, search_roots
from floe_runtime.spec import modules
from floe_runtime.spec.load import Spec


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


def python_assets(
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


def unresolved(spec: Spec, discovery: Discovery) -> tuple[list[UnresolvedRecord], list[Diagnostic]]:
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
            problem(
                spec,
                f"{item.module}: {item.reason}" + (f" ({where})" if item.file else ""),
                path,
                hint,
                error=item.fatal,
            )
        )
    return records, problems
