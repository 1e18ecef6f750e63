"""``floe list``: what an environment will run, from floe.yaml or from a compiled artifact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from floe_runtime.base.errors import FloeError
from floe_runtime.cli.common import (
    FLOE_YAML,
    NOW,
    VARIABLES,
    format_option,
    moment,
    progress,
    spec_options,
)
from floe_runtime.report.formats import LISTING_BY_NAME

if TYPE_CHECKING:
    from floe_runtime.artifact.schema import CompiledArtifact

# report.listing.KINDS reads each; named here so `floe --help` need not import it (a test keeps
# the two equal).
KINDS = ("assets", "jobs", "schedules", "sensors", "partitions", "backfills")


@dataclass(frozen=True)
class ListArgs:
    """``floe list``'s options, parsed."""

    kind: str
    path: Path = Path("floe.yaml")
    environment: str | None = None
    artifact: Path | None = None
    cli_vars: Mapping[str, str] = field(default_factory=dict)
    dbt_parse: bool = False
    output_format: str = "text"
    now: datetime | None = None


@click.command("list")
@click.argument("kind", type=click.Choice(KINDS))
@FLOE_YAML
@click.option("--env", "environment", help="The environment whose values to use.")
@click.option(
    "--artifact",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="List from a compiled_artifacts.json instead of floe.yaml.",
)
@VARIABLES
@click.option("--dbt-parse", is_flag=True, help="Run `dbt parse` to include dbt models.")
@format_option(LISTING_BY_NAME)
@click.option("--json", "as_json", is_flag=True, hidden=True)  # --format json; one more release
@NOW
def list_command(
    *,
    kind: str,
    path: Path,
    environment: str | None,
    artifact: Path | None,
    cli_vars: dict[str, str],
    dbt_parse: bool,
    output_format: str,
    as_json: bool,
    now: datetime | None,
) -> int:
    """List assets, jobs, schedules (with next ticks), sensors, partitions or backfills."""
    return execute(
        ListArgs(
            kind=kind,
            path=path,
            environment=environment,
            artifact=artifact,
            cli_vars=cli_vars,
            dbt_parse=dbt_parse,
            output_format="json" if as_json else output_format,
            now=now,
        )
    )


def execute(args: ListArgs) -> int:
    """The rows of one kind, from the artifact or from floe.yaml compiled in memory."""
    compiled = _compiled(args)
    if compiled is None:
        return 1
    from floe_runtime.report import listing

    found = listing.rows(args.kind, artifact=compiled, now=moment(args.now))
    click.echo(LISTING_BY_NAME[args.output_format](args.kind, found))
    return 0


def _compiled(args: ListArgs) -> CompiledArtifact | None:
    """The artifact to list: ``--artifact``'s, else floe.yaml compiled for the environment (None
    when it does not compile: its errors are printed)."""
    from floe_runtime.artifact import store
    from floe_runtime.compile.options import CompileOptions
    from floe_runtime.compile.pipeline import compile_environments
    from floe_runtime.report import render
    from floe_runtime.spec import environments
    from floe_runtime.spec.errors import EnvironmentChoiceError

    if args.artifact is not None:
        compiled = store.read(args.artifact)
        if args.environment is not None and args.environment != compiled.environment:
            raise FloeError(
                f"{args.artifact} was compiled for environment {compiled.environment!r}, not "
                f"{args.environment!r}: drop --env, or list that environment's artifact"
            )
        return compiled
    path = args.path
    try:
        (env,) = environments.select(path, name=args.environment)
    except EnvironmentChoiceError as exc:
        raise click.UsageError(str(exc)) from None
    bundle, digest, why = (None, None, "") if args.dbt_parse else _bundle_manifest(path, env)
    options = CompileOptions(
        spec=spec_options(path, args.cli_vars),
        environments=(env,),
        dbt_parse=args.dbt_parse,
        progress=progress,
        manifests={env: bundle} if bundle is not None else {},
    )
    (result,) = compile_environments(options)
    if not result.ok:
        click.echo(render.text(result.diagnostics, {}, f"floe: {env}: failed"), err=True)
        return None
    assert result.artifact is not None
    compiled = result.artifact
    record = compiled.dbt.manifest if compiled.dbt is not None else None
    if compiled.dbt is not None and (record is None or record.digest == digest) and why:
        progress(why)  # what the dbt models were listed from, or why they are not
    return compiled


BUNDLES = Path("dist") / "floe"  # floe compile's default --out


def _bundle_manifest(floe_yaml: Path, env: str) -> tuple[Path | None, str | None, str]:
    """The manifest of ``dist/floe/ENV`` (and its digest) when that bundle was compiled from
    this very floe.yaml, so its dbt models are listed; and a line saying so, or why not."""
    import hashlib

    from floe_runtime.artifact import store
    from floe_runtime.base import files

    folder = BUNDLES / env
    fix = f"run `floe compile --env {env} --dbt-parse`, or list with --dbt-parse"
    if not (folder / store.ARTIFACT_NAME).is_file():
        return None, None, f"no compiled bundle at {folder}/: dbt models are not listed ({fix})"
    try:
        compiled = store.read(folder / store.ARTIFACT_NAME)
        current = hashlib.sha256(files.read_bytes(floe_yaml, files.FLOE_YAML_LIMIT, "floe.yaml"))
    except FloeError as exc:
        return None, None, f"the bundle {folder}/ is not used ({exc}): dbt models are not listed"
    if compiled.source.sha256 != current.hexdigest():
        return (
            None,
            None,
            (
                f"the bundle {folder}/ was compiled from another version of {floe_yaml}, so it is "
                f"not used: dbt models are not listed ({fix})"
            ),
        )
    manifest = folder / store.MANIFEST_NAME
    if compiled.dbt is None or compiled.dbt.manifest is None or not manifest.is_file():
        return (
            None,
            None,
            f"the bundle {folder}/ has no dbt manifest: dbt models are not listed ({fix})",
        )
    digest = compiled.dbt.manifest.digest
    return (
        manifest,
        digest,
        f"dbt models from the bundle {folder}/ (compiled from this {floe_yaml})",
    )
