"""What several commands share: their options, progress lines, and the source text quoted
under errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from floe_runtime.spec.load import Read

FORMATS = click.Choice(["text", "json", "github"])
FLOE_YAML = click.argument(
    "path",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("floe.yaml"),
)
MAX_QUOTED_SOURCE = 5 * 1024 * 1024


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


def progress(message: str) -> None:
    click.echo(f"floe: {message}", err=True)


def source_text(path: Path, read: Read) -> dict[str, str]:
    """The text of a file read for checking, to quote its lines under errors (read again only
    when it did not parse, to show where)."""
    document = read[0]
    if document is not None:
        return {document.source.file: document.source.text}
    if path.is_file() and path.stat().st_size <= MAX_QUOTED_SOURCE:
        return {str(path): path.read_text(encoding="utf-8", errors="replace")}
    return {}
