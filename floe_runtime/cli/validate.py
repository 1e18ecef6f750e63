"""``floe validate``: YAML, shape and meaning of floe.yaml files, in every environment."""

from __future__ import annotations

import os
from pathlib import Path

import click

from floe_runtime.cli.common import FORMATS, STRICT, VARIABLES, source_text


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--env", "environment", help="Validate with this environment's values.")
@VARIABLES
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@STRICT
def validate(
    paths: tuple[Path, ...],
    environment: str | None,
    cli_vars: dict[str, str],
    output_format: str,
    strict: bool,
) -> int:
    """Check floe.yaml files: YAML, shape and meaning (default: ./floe.yaml).

    Without --env, every environment under environments/ is checked. With --strict, warnings
    are errors.
    """
    from floe_runtime.base.diagnostics import has_errors
    from floe_runtime.base.diagnostics import strict as as_errors
    from floe_runtime.report import render
    from floe_runtime.spec import load

    targets = list(paths) or [Path("floe.yaml")]
    diagnostics = []
    sources: dict[str, str] = {}
    described: list[str] = []
    for target in targets:
        options = load.SpecOptions(
            path=target, display=str(target), cli_vars=cli_vars, process_env=os.environ
        )
        read = load.read(options)
        found, project = load.validate(options, environment=environment, source=read)
        diagnostics += as_errors(found) if strict else found
        if project is not None:
            described.append(render.describe(project))
        sources.update(source_text(target, read))
    names = [str(t) for t in targets]
    if output_format == "json":
        click.echo(render.as_json(diagnostics, names))
    elif output_format == "github":
        if diagnostics:
            click.echo(render.github(diagnostics))
        click.echo(render.summary_line(names, diagnostics))
    else:
        summary = "\n".join([render.summary_line(names, diagnostics), *described])
        click.echo(render.text(diagnostics, sources, summary))
    return 1 if has_errors(diagnostics) else 0
