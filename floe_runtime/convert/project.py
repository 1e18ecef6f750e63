"""``floe init`` from start to text: find the dbt project, read the code location, translate,
render, and check the result as ``floe validate`` would, before anything is written."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from floe_runtime.base.diagnostics import Diagnostic
from floe_runtime.compile import dbt_parse
from floe_runtime.convert import dbt_project
from floe_runtime.convert.modules import read_location
from floe_runtime.convert.render import Header, render
from floe_runtime.convert.translate import Conversion, translate
from floe_runtime.spec import environments, load
from floe_runtime.spec.yaml_loader import load_yaml

_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True, kw_only=True)
class InitOptions:
    output: Path  # the floe.yaml to write
    dbt_dir: Path | None = None  # else found under the output's folder
    code_location: Path | None = None
    name: str | None = None
    run_dbt_parse: bool = False
    process_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    text: str
    conversion: Conversion
    diagnostics: list[Diagnostic]


def plan(options: InitOptions) -> Plan:
    """The floe.yaml text for ``options`` and what ``floe validate`` says of it."""
    folder = options.output.resolve().parent
    dbt_dir = options.dbt_dir.resolve() if options.dbt_dir else dbt_project.find(folder)
    project = dbt_project.read(dbt_dir) if dbt_dir is not None else None
    sources = [_shown(dbt_dir, folder)] if dbt_dir is not None else []
    conversion = Conversion()
    if options.code_location is not None:
        location = read_location(options.code_location, folder)
        conversion = translate(
            location, folder, lambda keys: _dbt_keys(options, dbt_dir, keys) if dbt_dir else None
        )
        sources.append(_shown(options.code_location.resolve(), folder))
    header = Header(
        name=_name(options.name or (project.name if project else None) or folder.name),
        sources=sources or ["nothing (no dbt project or code location found)"],
        dbt_dir=_shown(dbt_dir, folder) if dbt_dir is not None else None,
        dbt_profiles=project.has_profiles if project else True,
    )
    text = render(header, conversion)
    return Plan(text, conversion, _validate(options.output, text))


def _dbt_keys(options: InitOptions, dbt_dir: Path, python_keys: list[str]) -> list[str] | None:
    manifest = dbt_dir / "target" / "manifest.json"
    if options.run_dbt_parse:
        with tempfile.TemporaryDirectory(prefix="floe-init-") as work:
            parsed = dbt_parse.parse(
                project_dir=dbt_dir,
                profiles_dir=dbt_dir,
                target=None,
                environment="default",
                work_dir=Path(work),
                process_env=options.process_env or os.environ,
            )
            return dbt_project.asset_keys(parsed, python_keys)
    if manifest.is_file():
        return dbt_project.asset_keys(manifest, python_keys)
    return None


def _shown(path: Path, folder: Path) -> str:
    return os.path.relpath(path, folder).replace(os.sep, "/")


def _name(raw: str) -> str:
    name = _NOT_IDENTIFIER.sub("_", raw) or "project"
    return name if not name[0].isdigit() else f"p_{name}"


def _validate(output: Path, text: str) -> list[Diagnostic]:
    """What ``floe validate`` will say once the text is written: in every environment declared
    beside it (the file does not exist yet, so they are listed here)."""
    options = load.SpecOptions(path=output, display=str(output), process_env=os.environ)
    document = load.Read(*load_yaml(text, str(output)))
    declared: list[str | None] = [*sorted(environments.discover(output.parent))] or [None]
    diagnostics: list[Diagnostic] = []
    for environment in declared:
        found, _ = load.validate(options, environment=environment, source=document)
        diagnostics += [d for d in found if d not in diagnostics]
    return diagnostics
