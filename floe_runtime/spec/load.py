"""From a floe.yaml path to a checked project: read, interpolate, shape, meaning.

This is the one pipeline every face uses (``floe validate``, the hooks, the compiler). Each stage
returns diagnostics as data; a stage runs only when the one before it produced a usable value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from floe_runtime.base.diagnostics import Diagnostic, JsonPath, has_errors, sort_key
from floe_runtime.spec import environments, semantics
from floe_runtime.spec.interpolation import Variable, interpolate
from floe_runtime.spec.models import FloeProject
from floe_runtime.spec.modules import package_of
from floe_runtime.spec.provenance import with_provenance
from floe_runtime.spec.shape import build_project
from floe_runtime.spec.yaml_loader import MAX_NODES, SourceMap, YamlDocument, read_yaml_file


@dataclass(frozen=True, kw_only=True)
class SpecOptions:
    """What checking a floe.yaml depends on besides the environment (in the spirit of black's
    ``Mode``: one frozen value passed down, instead of a growing list of parameters)."""

    path: Path
    display: str = ""
    cli_vars: Mapping[str, str] = field(default_factory=dict)
    process_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """The file's name in messages: as the user typed it."""
        return self.display or str(self.path)

    @property
    def shown_folder(self) -> str:
        """Its folder as the user typed it (``""``, ``demo/shop/``): env files are named so."""
        return self.shown[: len(self.shown) - len(self.path.name)]


@dataclass(frozen=True)
class Spec:
    """A floe.yaml as far as it could be checked, with everything learned on the way."""

    path: Path
    display: str
    environment: str
    project: FloeProject | None = None
    source: SourceMap | None = None
    package: str | None = None
    variables: dict[str, Variable] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.project is not None and not has_errors(self.diagnostics)


class Read(NamedTuple):
    """floe.yaml as read once: its document (None when it does not parse) and what reading it
    found."""

    document: YamlDocument | None
    problems: list[Diagnostic]


def read(options: SpecOptions) -> Read:
    """floe.yaml read and parsed once, to check it in several environments."""
    return Read(*read_yaml_file(options.path, options.shown))


def bounded(source: Read, environments: int) -> Read:
    """``source``, unless checking it in ``environments`` environments means walking more
    values than one file may hold: every environment interpolates and checks the whole file
    again, so ten environments of a file at the limit would take ten times as long."""
    document, problems = source
    if document is None or document.values * environments <= MAX_NODES:
        return source
    refused = document.source.diagnostic(
        f"checking this file in {environments} environments means "
        f"{document.values * environments:,} values ({document.values:,} each); floe checks "
        f"at most {MAX_NODES:,} in one run",
        (),
        hint="check one environment at a time: --env NAME",
        code="too-large",
    )
    return Read(None, [*problems, refused])


def load_spec(options: SpecOptions, *, environment: str, source: Read | None = None) -> Spec:
    """Check one floe.yaml in one environment (``default`` without ``environments/``: the
    process environment and the defaults); ``source`` is the file as ``read`` returned it."""
    path, display = options.path, options.shown
    spec = Spec(path, display, environment)
    document, read_problems = source if source is not None else read(options)
    problems = list(read_problems)
    if document is None:
        return replace(spec, diagnostics=problems)
    env_file = None
    if environment != environments.DEFAULT_ENVIRONMENT or environments.discover(path.parent):
        env_file, env_problems = environments.load_env_file(
            path.parent, environment, options.shown_folder
        )
        problems += env_problems
        if env_file is None:
            return replace(spec, source=document.source, diagnostics=problems)
    layers = environments.layers(env_file, options.cli_vars, options.process_env)
    data, variables, interpolation_problems = interpolate(document.data, document.source, layers)
    problems += interpolation_problems
    spec = replace(spec, source=document.source, variables=variables)
    # Values that could not be interpolated are reported once, not again by later stages.
    unresolved = [d.path for d in interpolation_problems if d.severity == "error"]
    project, shape_problems = build_project(data, document.source)
    problems += _outside(shape_problems, unresolved)
    if project is None:
        problems = with_provenance(
            problems, document.data, variables, path.parent, options.shown_folder
        )
        return replace(spec, diagnostics=problems)
    package = package_of(path)
    problems += _outside(semantics.check(project, document.source, package), unresolved)
    problems = with_provenance(
        problems, document.data, variables, path.parent, options.shown_folder
    )
    if has_errors(problems):
        return replace(spec, diagnostics=problems)
    return replace(spec, project=project, package=package, diagnostics=problems)


def _outside(diagnostics: list[Diagnostic], paths: list[JsonPath]) -> list[Diagnostic]:
    return [d for d in diagnostics if not any(d.path[: len(p)] == p for p in paths)]


def validate(
    options: SpecOptions, *, environment: str | None = None, source: Read | None = None
) -> tuple[list[Diagnostic], FloeProject | None]:
    """Diagnostics for one file, in one environment or in every declared one; and the project
    as the last environment sees it (None when invalid).

    Without an environment, a project with ``environments/`` is checked in each; a problem
    that appears only in some of them says which.
    """
    chosen = environments.select(options.path, name=environment, every=environment is None)
    found: dict[Diagnostic, list[str]] = {}
    project = None
    source = bounded(source or read(options), len(chosen))
    for env in chosen:
        spec = load_spec(options, environment=env, source=source)
        project = spec.project if spec.ok else None
        for diagnostic in spec.diagnostics:
            found.setdefault(diagnostic, []).append(env)
    merged = [
        d if len(envs) == len(chosen) else d.with_suffix(f"[environment: {', '.join(envs)}]")
        for d, envs in found.items()
    ]
    return sorted(merged, key=sort_key), project
