"""From a floe.yaml path to a checked project: read, interpolate, shape, meaning.

This is the one pipeline every face uses (``floe validate``, the hooks, the compiler). Each stage
returns diagnostics as data; a stage runs only when the one before it produced a usable value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from floe_runtime.base.diagnostics import Diagnostic, JsonPath, has_errors, sort_key
from floe_runtime.spec import environments, semantics
from floe_runtime.spec.interpolation import Variable, interpolate
from floe_runtime.spec.models import FloeProject
from floe_runtime.spec.modules import package_of
from floe_runtime.spec.provenance import with_provenance
from floe_runtime.spec.shape import build_project
from floe_runtime.spec.yaml_loader import SourceMap, YamlDocument, read_yaml_file


@dataclass(frozen=True)
class Spec:
    """A floe.yaml as far as it could be checked, with everything learned on the way."""

    path: Path
    display: str
    environment: str | None
    project: FloeProject | None = None
    source: SourceMap | None = None
    package: str | None = None
    variables: dict[str, Variable] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.project is not None and not has_errors(self.diagnostics)


Read = tuple[YamlDocument | None, list[Diagnostic]]


def load_spec(
    path: Path,
    display: str,
    environment: str | None,
    cli_vars: Mapping[str, str],
    process_env: Mapping[str, str],
    read: Read | None = None,
) -> Spec:
    """Check one floe.yaml for one environment (None: process environment and defaults).

    ``read`` is the file as ``read_yaml_file`` returned it, so that checking several
    environments reads and parses it once.
    """
    spec = Spec(path, display, environment)
    document, read_problems = read if read is not None else read_yaml_file(path, display)
    problems = list(read_problems)
    if document is None:
        return replace(spec, diagnostics=problems)
    env_file = None
    if environment is not None:
        prefix = display[: len(display) - len(path.name)]
        env_file, env_problems = environments.load_env_file(path.parent, environment, prefix)
        problems += env_problems
        if env_file is None:
            return replace(spec, source=document.source, diagnostics=problems)
    layers = environments.layers(env_file, cli_vars, process_env)
    data, variables, interpolation_problems = interpolate(document.data, document.source, layers)
    problems += interpolation_problems
    spec = replace(spec, source=document.source, variables=variables)
    # Values that could not be interpolated are reported once, not again by later stages.
    unresolved = [d.path for d in interpolation_problems if d.severity == "error"]
    project, shape_problems = build_project(data, document.source)
    problems += _outside(shape_problems, unresolved)
    if project is None:
        prefix = display[: len(display) - len(path.name)]
        problems = with_provenance(problems, document.data, variables, path.parent, prefix)
        return replace(spec, diagnostics=problems)
    package = package_of(path)
    problems += _outside(semantics.check(project, document.source, package), unresolved)
    prefix = display[: len(display) - len(path.name)]
    problems = with_provenance(problems, document.data, variables, path.parent, prefix)
    if has_errors(problems):
        return replace(spec, diagnostics=problems)
    return replace(spec, project=project, package=package, diagnostics=problems)


def _outside(diagnostics: list[Diagnostic], paths: list[JsonPath]) -> list[Diagnostic]:
    return [d for d in diagnostics if not any(d.path[: len(p)] == p for p in paths)]


def validate(
    path: Path,
    display: str,
    environment: str | None,
    cli_vars: Mapping[str, str],
    process_env: Mapping[str, str],
    read: Read | None = None,
) -> tuple[list[Diagnostic], FloeProject | None]:
    """Diagnostics for one file, for one environment or for every declared one; and the
    project as the last environment sees it (None when invalid).

    Without ``--env``, a project with ``environments/`` is checked in each environment; a
    problem that appears only in some of them says which.
    """
    declared: list[str | None] = [environment]
    if environment is None and path.is_file():
        declared = [*sorted(environments.discover(path.parent))] or [None]
    found: dict[Diagnostic, list[str]] = {}
    project = None
    read = read or read_yaml_file(path, display)
    for env in declared:
        spec = load_spec(path, display, env, cli_vars, process_env, read)
        project = spec.project if spec.ok else None
        for diagnostic in spec.diagnostics:
            found.setdefault(diagnostic, []).append(env or "")
    merged = [
        d if len(envs) == len(declared) else d.with_suffix(f"[environment: {', '.join(envs)}]")
        for d, envs in found.items()
    ]
    return sorted(merged, key=sort_key), project
