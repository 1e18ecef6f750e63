"""``floe diff BASE HEAD``: what changes per environment between two sets of artifacts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from floe_runtime.cli.common import NOW, moment, progress


@click.command("diff")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("head", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when something changed.")
@NOW
def diff_command(
    base: Path, head: Path, output_format: str, exit_code: bool, now: datetime | None
) -> int:
    """Compare two compiled bundles (dist/floe), bundle folders or artifacts, per environment.

    A side that does not exist stands for "no floe.yaml": everything is added (or removed).
    """
    from floe_runtime.review.bundles import load_side
    from floe_runtime.review.diff import diff

    sides = []
    for label, path in (("BASE", base), ("HEAD", head)):
        if not path.exists():
            progress(f"{label} {path} does not exist: compared as no floe.yaml")
        sides.append(load_side(path))
    try:
        result = diff(sides[0], sides[1], moment(now))
    except (KeyError, TypeError, AttributeError, ValueError):
        # read_payload checks version and checksum, not shape (that would cost more than the
        # diff): a payload that is sealed but misshapen was hand-made.
        progress(
            "an artifact has a valid checksum but not the shape floe writes; "
            "recompile it with `floe compile`"
        )
        return 1
    if output_format == "json":
        click.echo(json.dumps(result.as_json(), indent=2, sort_keys=True, ensure_ascii=False))
    elif output_format == "markdown":
        from floe_runtime.review import markdown

        config = _config(sides[1]) or _config(sides[0]) or str(head)
        section = markdown.Section(config, result)
        click.echo(markdown.render([section], markdown.Level.FULL), nl=False)
    else:
        from floe_runtime.review import text

        click.echo(text.render(result), nl=False)
    return 1 if exit_code and result.changed else 0


def _config(side: Mapping[str, Mapping[str, Any]]) -> str | None:
    for payload in side.values():
        source = payload.get("source")
        if isinstance(source, dict) and isinstance(source.get("path"), str):
            return str(source["path"])
    return None
