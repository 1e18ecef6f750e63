"""``floe doctor``: the deploy check, run before the code server starts.

A refused bundle in a running deployment shows up late (the code server exits, the UI says it
cannot reach it) and a code root or environment that does not match the bundle shows up later
still, as a failed run. This command applies the runtime's own checks to the bundle, the code
checkout and the process environment it will run with, and says what to fix, without importing
any of the project's code.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import click

from floe_runtime.base.errors import FileRefused, FloeError
from floe_runtime.base.output import printable


@dataclass(frozen=True)
class DoctorArgs:
    """``floe doctor``'s options, parsed."""

    artifact: Path | None = None
    project_root: Path | None = None


@click.command("doctor")
@click.option(
    "--artifact",
    type=click.Path(path_type=Path),
    help="The bundle folder or its compiled_artifacts.json (default: $FLOE_ARTIFACTS, else "
    "dist/floe/$FLOE_ENV/, as the runtime finds it).",
)
@click.option(
    "--project-root",
    type=click.Path(path_type=Path),
    help="The code checkout the bundle's paths point into (default: $FLOE_PROJECT_ROOT, else "
    "the git work tree, else the current folder).",
)
def doctor(artifact: Path | None, project_root: Path | None) -> int:
    """Check that this process can serve the bundle: trusted, same code, dbt ready, same
    environment. Exit 1 with what to fix."""
    return execute(DoctorArgs(artifact, project_root))


def execute(args: DoctorArgs) -> int:
    """Find the bundle and the code root as the runtime would, check both, print the result."""
    from floe_runtime.artifact import store
    from floe_runtime.artifact.errors import ArtifactError
    from floe_runtime.definitions import locate

    cwd = Path.cwd()
    file = locate.artifact_path(args.artifact, os.environ, cwd)
    try:
        compiled = store.read(file)
    except ArtifactError as exc:
        raise FloeError(str(exc)) from None
    root = locate.project_root(args.project_root, os.environ, cwd)
    problems, facts = _checks(compiled, file, root)
    for problem in problems:
        click.echo(f"floe: doctor: {printable(problem)}", err=True)
    if problems:
        click.echo(
            f"floe: doctor: {len(problems)} problem(s); the code server would fail", err=True
        )
        return 1
    click.echo(
        f"floe doctor: OK: bundle {compiled.environment!r} of {compiled.project['name']} "
        f"({file}), project root {root}"
    )
    for fact in facts:
        click.echo(f"  {printable(fact)}")
    return 0


def _checks(compiled: Any, file: Path, root: Path) -> tuple[list[str], list[str]]:
    """Every problem found (the trust check first: nothing else is read when it refuses) and,
    when there is none, one line per thing checked."""
    from floe_runtime.base import files
    from floe_runtime.base.exported import EXPORTED
    from floe_runtime.compile import runtime_env
    from floe_runtime.definitions import loader
    from floe_runtime.definitions.errors import LoadError

    try:
        loader.trusted_artifact(compiled, file, root)
    except LoadError as exc:
        return [f"not trusted: {exc}"], []
    problems: list[str] = []
    facts = [
        "trusted: checksum, every path and module inside the project root, dbt manifest "
        + (compiled.dbt.manifest.digest if compiled.dbt and compiled.dbt.manifest else "(none)")
    ]
    try:
        text = files.read_bytes(root / compiled.source.path, files.FLOE_YAML_LIMIT, "floe.yaml")
    except FileRefused as exc:
        return [f"code: {exc}"], []
    digest = hashlib.sha256(text).hexdigest()
    if digest != compiled.source.sha256:
        problems.append(
            f"{compiled.source.path} under {root} is not the one the bundle was compiled from "
            f"(sha256 {digest[:12]}…, the bundle's {compiled.source.sha256[:12]}…): deploy the "
            "commit the bundle was compiled from, or compile this checkout"
        )
    else:
        facts.append(f"code: {compiled.source.path} is the bundle's (sha256 {digest[:12]}…)")
    if compiled.dbt is not None:
        try:
            setup = loader.dbt_setup(compiled, root, PurePosixPath(compiled.source.path).parent)
        except LoadError as exc:
            problems.append(f"dbt: {exc}")
        else:
            facts.append(
                f"dbt: target {setup.target or '(the profile default)'} in "
                f"{setup.profiles_dir / 'profiles.yml'}, {setup.executable}"
            )
    found = runtime_env.mismatches(compiled, os.environ, EXPORTED)
    if found:
        problems.append(runtime_env.mismatch_message(compiled, found))
    else:
        shown = " ".join(f"{k}={v}" for k, v in sorted(runtime_env.expected(compiled).items()))
        facts.append(f"environment the code will see (set by the runtime): {shown}")
    return problems, facts
