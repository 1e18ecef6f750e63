"""``floe validate``: YAML, shape and meaning of floe.yaml files, in every environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from floe_runtime.cli.common import REPORT_FORMAT, STRICT, VARIABLES, source_text, spec_options


@dataclass(frozen=True)
class ValidateArgs:
    """``floe validate``'s options, parsed (the pre-commit hook builds one too)."""

    paths: tuple[Path, ...] = ()
    environment: str | None = None
    cli_vars: Mapping[str, str] = field(default_factory=dict)
    output_format: str = "text"
    strict: bool = False


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--env", "environment", help="Validate with this environment's values.")
@VARIABLES
@REPORT_FORMAT
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
    return execute(ValidateArgs(paths, environment, cli_vars, output_format, strict))


def execute(args: ValidateArgs) -> int:
    """Check each floe.yaml, print one report, exit 1 on an error."""
    from floe_runtime.base.diagnostics import has_errors
    from floe_runtime.base.diagnostics import strict as as_errors
    from floe_runtime.report import render
    from floe_runtime.report.formats import RENDERER_BY_NAME, Report
    from floe_runtime.spec import load

    targets = list(args.paths) or [Path("floe.yaml")]
    diagnostics = []
    sources: dict[str, str] = {}
    described: list[str] = []
    for target in targets:
        options = spec_options(target, args.cli_vars)
        read = load.read(options)
        found, project = load.validate(options, environment=args.environment, source=read)
        diagnostics += as_errors(found) if args.strict else found
        if project is not None:
            described.append(render.describe(project))
        sources.update(source_text(target, read))
    names = [str(t) for t in targets]
    summary = render.summary_line(names, diagnostics)
    report = Report(diagnostics, names, sources, "\n".join([summary, *described]), summary)
    click.echo(RENDERER_BY_NAME[args.output_format](report))
    return 1 if has_errors(diagnostics) else 0
