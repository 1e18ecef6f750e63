"""``floe init``: write a floe.yaml that reproduces an existing dbt project's and Dagster code
location's orchestration, reading the code as syntax (it is never imported or run)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click

from floe_runtime.base.output import plural, printable


@dataclass(frozen=True)
class InitArgs:
    """``floe init``'s options, parsed."""

    code_location: Path | None = None
    dbt_dir: Path | None = None
    output: Path = Path("floe.yaml")
    name: str | None = None
    run_dbt_parse: bool = False
    force: bool = False


@click.command("init")
@click.option(
    "-f",
    "--code-location",
    "code_location",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The Dagster code location to convert (the file `dagster dev -f` loads).",
)
@click.option(
    "--dbt-project-dir",
    "dbt_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The dbt project (default: the one folder below the output holding dbt_project.yml).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("floe.yaml"),
    show_default=True,
    help="Where to write floe.yaml.",
)
@click.option("--name", help="Project name (default: the dbt project's name).")
@click.option(
    "--dbt-parse",
    "run_dbt_parse",
    is_flag=True,
    help="Run `dbt parse` to learn the dbt assets (default: target/manifest.json when present).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing floe.yaml.")
def init(
    *,
    code_location: Path | None,
    dbt_dir: Path | None,
    output: Path,
    name: str | None,
    run_dbt_parse: bool,
    force: bool,
) -> int:
    """Write floe.yaml from an existing dbt project and Dagster code location."""
    return execute(InitArgs(code_location, dbt_dir, output, name, run_dbt_parse, force))


def execute(args: InitArgs) -> int:
    """Convert, validate what would be written, and write it (never over a file unless
    ``--force``)."""
    from floe_runtime.base import files
    from floe_runtime.base.diagnostics import has_errors
    from floe_runtime.convert.project import InitOptions, plan
    from floe_runtime.report import render

    if os.path.lexists(args.output) and not args.force:
        shown = printable(str(args.output))
        click.echo(f"floe: {shown} already exists; pass --force to overwrite it", err=True)
        return 1
    options = InitOptions(
        output=args.output,
        dbt_dir=args.dbt_dir,
        code_location=args.code_location,
        name=args.name,
        run_dbt_parse=args.run_dbt_parse,
        process_env=os.environ,
    )
    result = plan(options)
    if has_errors(result.diagnostics):
        click.echo(render.text(result.diagnostics, {str(args.output): result.text}, ""), err=True)
        click.echo(f"floe: the floe.yaml written for this project would not validate; nothing "
                   f"was written to {printable(str(args.output))}", err=True)  # fmt: skip
        return 1
    files.write_atomic(args.output, result.text.encode("utf-8"))
    found = result.conversion
    click.echo(
        f"floe: wrote {printable(str(args.output))}: {plural(len(found.jobs), 'job')}, "
        f"{plural(len(found.schedules), 'schedule')}, "
        f"{plural(len(found.registry.entries), 'partitions definition')}, "
        f"{plural(len(found.notes), 'construct')} left as comments"
    )
    for where in found.partitions_in_code:
        click.echo(f"floe: next: delete partitions_def= at {printable(where)}", err=True)
    if args.code_location is not None:
        click.echo(
            "floe: next: load the compiled artifact in the code location: "
            "defs = FloeDefinitions.from_compiled_artifacts(resources=...)",
            err=True,
        )
    return 0
