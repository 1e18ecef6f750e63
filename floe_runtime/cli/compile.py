"""``floe compile``: one checksummed artifact bundle per environment, written atomically."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from floe_runtime.base.output import plural, printable
from floe_runtime.cli.common import (
    FLOE_YAML,
    REPORT_FORMAT,
    STRICT,
    VARIABLES,
    progress,
    source_text,
    spec_options,
)

if TYPE_CHECKING:
    from floe_runtime.compile.pipeline import Compiled
    from floe_runtime.compile.python_assets import DiscoveryMode


@dataclass(frozen=True)
class CompileArgs:
    """``floe compile``'s options, parsed (the pre-commit hook builds one too)."""

    path: Path = Path("floe.yaml")
    environment: str | None = None
    all_envs: bool = False
    check: bool = False
    out: Path = Path("dist/floe")
    cli_vars: Mapping[str, str] = field(default_factory=dict)
    dbt_parse: bool = False
    discover: DiscoveryMode = "static"
    output_format: str = "text"
    strict: bool = False


@click.command("compile")
@FLOE_YAML
@click.option("--env", "environment", help="Compile this environment.")
@click.option("--all-envs", is_flag=True, help="Compile every environment under environments/.")
@click.option("--check", is_flag=True, help="Compile in memory and report; write nothing.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),  # a file or symlink here is refused by files.check_folder
    default=Path("dist/floe"),
    show_default=True,
    help="Bundle folder.",
)
@VARIABLES
@click.option(
    "--dbt-parse",
    is_flag=True,
    help="Run `dbt parse` for each environment's target and bundle its manifest.",
)
@click.option(
    "--discover",
    type=click.Choice(["static", "import"]),
    default="static",
    show_default=True,
    help="Read Python assets from source (static) or by importing them with Dagster.",
)
@REPORT_FORMAT
@STRICT
def compile_command(
    *,
    path: Path,
    environment: str | None,
    all_envs: bool,
    check: bool,
    out: Path,
    cli_vars: dict[str, str],
    dbt_parse: bool,
    discover: DiscoveryMode,
    output_format: str,
    strict: bool,
) -> int:
    """Compile floe.yaml into one artifact per environment (dist/floe/<env>/).

    With --check and no --env, every environment is checked (as validate does). With
    --strict, warnings are errors: nothing is written and the exit code is 1.
    """
    return execute(
        CompileArgs(
            path=path,
            environment=environment,
            all_envs=all_envs,
            check=check,
            out=out,
            cli_vars=cli_vars,
            dbt_parse=dbt_parse,
            discover=discover,
            output_format=output_format,
            strict=strict,
        )
    )


def execute(args: CompileArgs) -> int:
    """Compile the chosen environments, write the bundles when every one compiled (``--check``:
    write nothing), and report (``--strict``: an environment with a warning has failed)."""
    from floe_runtime.artifact.store import ARTIFACT_NAME
    from floe_runtime.compile import pipeline
    from floe_runtime.compile.options import CompileOptions
    from floe_runtime.report.formats import RENDERER_BY_NAME, Report
    from floe_runtime.spec import environments
    from floe_runtime.spec.errors import EnvironmentChoiceError
    from floe_runtime.spec.load import read

    path = args.path
    try:
        chosen = environments.select(
            path,
            name=args.environment,
            every=args.all_envs or (args.check and args.environment is None),
        )
    except EnvironmentChoiceError as exc:
        raise click.UsageError(f"{exc} or use --all-envs" if exc.declared else str(exc)) from None
    options = CompileOptions(
        spec=spec_options(path, args.cli_vars),
        environments=tuple(chosen),
        dbt_parse=args.dbt_parse,
        discover=args.discover,
        progress=progress,
    )
    out = None if args.check else args.out
    source = read(options.spec)
    results = pipeline.compile_environments(options, source=source)
    if args.strict:
        results = [_strict(r) for r in results]
    diagnostics = list(dict.fromkeys(d for r in results for d in r.diagnostics))
    ok = all(r.ok for r in results)
    if ok and out is not None:
        pipeline.write_bundles(results, out=out)
    lines = "\n".join(_outcome_line(r, out) for r in results)
    environments_found = {
        r.environment: {
            "ok": r.ok,
            "artifact": str(out / r.environment / ARTIFACT_NAME) if r.ok and out else None,
            "checksum": r.artifact.checksum if r.artifact else None,
            "assets": r.summary,
        }
        for r in results
    }
    report = Report(
        diagnostics,
        [str(path)],
        source_text(path, source),
        lines,
        lines,
        {"environments": environments_found},
    )
    click.echo(RENDERER_BY_NAME[args.output_format](report))
    return 0 if ok else 1


def _strict(result: Compiled) -> Compiled:
    """A compiled environment with warnings has failed under ``--strict``."""
    from dataclasses import replace

    from floe_runtime.base.diagnostics import strict

    promoted = strict(result.diagnostics)
    if promoted == result.diagnostics:
        return result
    return replace(result, artifact=None, manifest=None, diagnostics=promoted)


def _outcome_line(result: Compiled, out: Path | None) -> str:
    from floe_runtime.report.render import error_count

    if not result.ok:
        errors = error_count(result.diagnostics)
        return printable(f"floe: {result.environment}: failed ({plural(errors, 'error')})")
    artifact = result.artifact
    assert artifact is not None
    s = result.summary
    where = "checked, nothing written" if out is None else f"{out / result.environment}"
    counts = [
        plural(s["python"] + s["dbt"], "asset")
        + f" ({s['python']} python, {s['dbt']} dbt, {s['external']} external)",
        plural(len(artifact.jobs), "job"),
        plural(len(artifact.orchestration.schedules), "schedule"),
        plural(len(artifact.orchestration.sensors), "sensor"),
    ]
    return printable(f"floe: {result.environment}: {', '.join(counts)} -> {where}")
