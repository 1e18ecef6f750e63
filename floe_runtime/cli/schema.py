"""``floe schema export|check``: the committed JSON Schemas, generated from the models."""

from __future__ import annotations

from pathlib import Path

import click

SCHEMA_DIR = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
)


@click.group()
def schema() -> None:
    """Export or check the JSON Schemas in schemas/."""


@schema.command("export")
@SCHEMA_DIR
def schema_export(directory: Path) -> int:
    """Write the JSON Schemas generated from the models."""
    return execute_export(directory)


@schema.command("check")
@SCHEMA_DIR
def schema_check(directory: Path) -> int:
    """Fail when the committed JSON Schemas differ from the models."""
    return execute_check(directory)


def execute_export(directory: Path) -> int:
    from floe_runtime.artifact import json_schemas

    for written in json_schemas.export(directory):
        click.echo(f"wrote {written}")
    return 0


def execute_check(directory: Path) -> int:
    from floe_runtime.artifact import json_schemas

    drifted = json_schemas.drifted(directory)
    for name in drifted:
        click.echo(f"{directory / name}: out of date; run `floe schema export`", err=True)
    if not drifted:
        click.echo(f"{directory}: schemas are up to date")
    return 1 if drifted else 0
