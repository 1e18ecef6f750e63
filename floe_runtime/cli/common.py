"""What several commands share: their options, the ``SpecOptions`` built from them, progress
lines, and the source text quoted under errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from floe_runtime.base.errors import FileRefused
from floe_runtime.base.output import printable
from floe_runtime.report.formats import RENDERER_BY_NAME

if TYPE_CHECKING:
    from floe_runtime.spec.load import Read, SpecOptions

F = TypeVar("F", bound=Callable[..., Any])


def format_option(names: Iterable[str]) -> Callable[[F], F]:
    """``--format NAME`` (default ``text``), its choices the keys of a renderer mapping."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(names)),
        default="text",
        show_default=True,
    )


REPORT_FORMAT = format_option(RENDERER_BY_NAME)
FLOE_YAML = click.argument(
    "path",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("floe.yaml"),
)


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


STRICT = click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings as errors (exit 1), so CI fails on them.",
)


NOW = click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    help="Pretend it is this time (ISO 8601; UTC without an offset).",
)


def spec_options(path: Path, cli_vars: Mapping[str, str]) -> SpecOptions:
    """How every command checks a floe.yaml: named as typed, ``--var`` over the process
    environment."""
    from floe_runtime.spec.load import SpecOptions

    return SpecOptions(path=path, display=str(path), cli_vars=cli_vars, process_env=os.environ)


def moment(now: datetime | None) -> datetime:
    """``--now`` (UTC without an offset), else the clock: ticks and partition keys depend on it."""
    moment = now or datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def progress(message: str) -> None:
    click.echo(f"floe: {printable(message)}", err=True)


def source_text(path: Path, read: Read) -> dict[str, str]:
    """The text of a file read for checking, to quote its lines under errors (read again only
    when it did not parse, to show where)."""
    document = read[0]
    if document is not None:
        return {document.source.file: document.source.text}
    from floe_runtime.base import files

    try:
        raw = files.read_bytes(path, files.FLOE_YAML_LIMIT, "floe.yaml")
    except FileRefused:
        return {}
    return {str(path): raw.decode("utf-8", errors="replace")}
