"""The ``floe`` command: the edge where diagnostics become text and exit codes.

Exit codes: 0 valid, 1 invalid input, 2 usage error, 3 internal error (a bug, reported in one
line, never as a traceback). Heavy modules are imported inside commands so ``floe --help`` and
the hooks start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from floe_runtime import __version__

FORMATS = click.Choice(["text", "json", "github"])
BUG_URL = "https://github.com/floe/compile/issues"


def _parse_vars(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", ctx=ctx, param=param)
        parsed[name] = value
    return parsed


VARIABLES = click.option(
    "--var",
    "cli_vars",
    multiple=True,
    callback=_parse_vars,
    metavar="KEY=VALUE",
    help="Set a variable (beats the process environment and env files).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="floe")
def cli() -> None:
    """floe: one declarative floe.yaml for dbt on Dagster."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--env", "environment", help="Validate with this environment's values.")
@VARIABLES
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
def validate(
    paths: tuple[Path, ...],
    environment: str | None,
    cli_vars: dict[str, str],
    output_format: str,
) -> int:
    """Check floe.yaml files: YAML, shape and meaning (default: ./floe.yaml).

    Without --env, every environment under environments/ is checked.
    """
    from floe_runtime.report import render
    from floe_runtime.spec import load as spec
    from floe_runtime.spec.yaml_loader import read_yaml_file

    targets = list(paths) or [Path("floe.yaml")]
    diagnostics = []
    sources: dict[str, str] = {}
    described: list[str] = []
    for target in targets:
        display = str(target)
        read = read_yaml_file(target, display)
        found, project = spec.validate(target, display, environment, cli_vars, os.environ, read)
        diagnostics += found
        if project is not None:
            described.append(render.describe(project))
        sources.update(_source_text(target, read))
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
    return 1 if any(d.severity == "error" for d in diagnostics) else 0


def _progress(message: str) -> None:
    click.echo(f"floe: {message}", err=True)


@cli.command("compile")
@click.argument(
    "path",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("floe.yaml"),
)
@click.option("--env", "environment", help="Compile this environment.")
@click.option("--all-envs", is_flag=True, help="Compile every environment under environments/.")
@click.option("--check", is_flag=True, help="Compile in memory and report; write nothing.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
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
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
def compile_command(
    path: Path,
    environment: str | None,
    all_envs: bool,
    check: bool,
    out: Path,
    cli_vars: dict[str, str],
    dbt_parse: bool,
    discover: str,
    output_format: str,
) -> int:
    """Compile floe.yaml into one artifact per environment (dist/floe/<env>/)."""
    from floe_runtime.artifact.store import ARTIFACT_NAME
    from floe_runtime.compile import pipeline as bundle
    from floe_runtime.report import render
    from floe_runtime.spec.yaml_loader import read_yaml_file

    if environment and all_envs:
        raise click.UsageError("use --env NAME or --all-envs, not both")
    declared = bundle.declared_environments(path) if path.is_file() else []
    if not environment and not all_envs:
        if len(declared) > 1:
            raise click.UsageError(
                f"choose an environment with --env ({', '.join(declared)}) or use --all-envs"
            )
        all_envs = True
    requested = declared if all_envs else [str(environment)]
    if not path.is_file():
        requested = [environment or bundle.DEFAULT_ENVIRONMENT]
    read = read_yaml_file(path, str(path))
    results = bundle.compile_environments(
        path, str(path), requested, cli_vars, os.environ, dbt_parse, discover, _progress, read
    )
    diagnostics = _merge([d for r in results for d in r.diagnostics])
    ok = all(r.ok for r in results)
    if ok and not check:
        bundle.write_bundles(results, out)
    source = _source_text(path, read)
    lines = [_compile_line(r, out, check) for r in results]
    if output_format == "json":
        environments = {
            r.environment: {
                "ok": r.ok,
                "artifact": str(out / r.environment / ARTIFACT_NAME)
                if r.ok and not check
                else None,
                "checksum": r.payload["checksum"] if r.payload else None,
                "assets": r.summary,
            }
            for r in results
        }
        click.echo(render.as_json(diagnostics, [str(path)], environments=environments))
    elif output_format == "github":
        if diagnostics:
            click.echo(render.github(diagnostics))
        click.echo("\n".join(lines))
    else:
        click.echo(render.text(diagnostics, source, "\n".join(lines)))
    return 0 if ok else 1


def _source_text(path: Path, read: Any) -> dict[str, str]:
    """The text of a file read for checking, to quote its lines under errors (read again only
    when it did not parse, to show where)."""
    document = read[0]
    if document is not None:
        return {document.source.file: document.source.text}
    if path.is_file() and path.stat().st_size <= 5 * 1024 * 1024:
        return {str(path): path.read_text(encoding="utf-8", errors="replace")}
    return {}


def _merge(diagnostics: list[Any]) -> list[Any]:
    """The same problem found in several environments is reported once."""
    return list(dict.fromkeys(diagnostics))


def _compile_line(result: Any, out: Path, check: bool) -> str:
    if not result.ok:
        errors = sum(d.severity == "error" for d in result.diagnostics)
        return f"floe: {result.environment}: failed ({errors} error{'s' if errors != 1 else ''})"
    payload = result.payload
    s = result.summary
    where = "checked, nothing written" if check else f"{out / result.environment}"
    counts = [
        _plural(s["python"] + s["dbt"], "asset")
        + f" ({s['python']} python, {s['dbt']} dbt, {s['external']} external)",
        _plural(len(payload["jobs"]), "job"),
        _plural(len(payload["orchestration"]["schedules"]), "schedule"),
        _plural(len(payload["orchestration"]["sensors"]), "sensor"),
    ]
    return f"floe: {result.environment}: {', '.join(counts)} -> {where}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@cli.command("list")
@click.argument(
    "kind", type=click.Choice(["assets", "jobs", "schedules", "sensors", "partitions", "backfills"])
)
@click.argument(
    "path",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("floe.yaml"),
)
@click.option("--env", "environment", help="The environment whose values to use.")
@click.option(
    "--artifact",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="List from a compiled_artifacts.json instead of floe.yaml.",
)
@VARIABLES
@click.option("--dbt-parse", is_flag=True, help="Run `dbt parse` to include dbt models.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON rows.")
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    help="Pretend it is this time (ISO 8601; UTC without an offset).",
)
def list_command(
    kind: str,
    path: Path,
    environment: str | None,
    artifact: Path | None,
    cli_vars: dict[str, str],
    dbt_parse: bool,
    as_json: bool,
    now: datetime | None,
) -> int:
    """List assets, jobs, schedules (with next ticks), sensors, partitions or backfills."""
    import json

    from floe_runtime.artifact import store as artifacts
    from floe_runtime.compile import pipeline as bundle
    from floe_runtime.report import listing, render

    moment = now or datetime.now(timezone.utc)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if artifact is not None:
        try:
            compiled = artifacts.read(artifact)
        except artifacts.ArtifactError as exc:
            click.echo(f"floe: {exc}", err=True)
            return 1
    else:
        declared = bundle.declared_environments(path) if path.is_file() else []
        if environment is None and len(declared) > 1:
            raise click.UsageError(f"choose an environment with --env ({', '.join(declared)})")
        env = environment or (declared[0] if declared else bundle.DEFAULT_ENVIRONMENT)
        (result,) = bundle.compile_environments(
            path, str(path), [env], cli_vars, os.environ, dbt_parse, "static", _progress
        )
        if not result.ok:
            click.echo(render.text(result.diagnostics, {}, f"floe: {env}: failed"), err=True)
            return 1
        from floe_runtime.artifact.schema import CompiledArtifact

        compiled = CompiledArtifact.model_validate(result.payload)
    found = listing.rows(kind, compiled, moment)
    if as_json:
        click.echo(json.dumps(found, indent=2, sort_keys=True))
    else:
        click.echo(listing.table(kind, found))
    return 0


SCHEMA_DIR = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
)


@cli.group()
def schema() -> None:
    """Export or check the JSON Schemas in schemas/."""


@schema.command("export")
@SCHEMA_DIR
def schema_export(directory: Path) -> int:
    """Write the JSON Schemas generated from the models."""
    from floe_runtime.artifact import json_schemas as schemas

    for written in schemas.export(directory):
        click.echo(f"wrote {written}")
    return 0


@schema.command("check")
@SCHEMA_DIR
def schema_check(directory: Path) -> int:
    """Fail when the committed JSON Schemas differ from the models."""
    from floe_runtime.artifact import json_schemas as schemas

    drifted = schemas.drifted(directory)
    for name in drifted:
        click.echo(f"{directory / name}: out of date; run `floe schema export`", err=True)
    if not drifted:
        click.echo(f"{directory}: schemas are up to date")
    return 1 if drifted else 0


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user.

    The cycle collector is paused meanwhile: a command builds large acyclic trees (a dbt
    manifest has millions of objects) and would otherwise spend most of its time having the
    collector walk them again and again; reference counting still frees everything.
    """
    gc.disable()
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="floe", standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("FLOE_DEBUG"):
            raise
        click.echo(
            f"floe: internal error ({type(exc).__name__}); this is a bug, please report it at "
            f"{BUG_URL} with the command you ran (FLOE_DEBUG=1 shows the traceback)",
            err=True,
        )
        return 3
    finally:
        gc.enable()
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())


from floe_runtime.cli.backfill import backfill  # noqa: E402  (one module per command)

cli.add_command(backfill)
