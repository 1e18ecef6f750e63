"""``floe diff BASE HEAD``: what changes per environment between two sets of artifacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from floe_runtime.cli.common import NOW, format_option, moment, progress
from floe_runtime.review.formats import DIFF_RENDERER_BY_NAME


@dataclass(frozen=True)
class DiffArgs:
    """``floe diff``'s options, parsed."""

    base: Path
    head: Path
    output_format: str = "text"
    exit_code: bool = False
    now: datetime | None = None


@click.command("diff")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("head", type=click.Path(path_type=Path))
@format_option(DIFF_RENDERER_BY_NAME)
@click.option("--exit-code", is_flag=True, help="Exit 1 when something changed.")
@NOW
def diff_command(
    base: Path, head: Path, output_format: str, exit_code: bool, now: datetime | None
) -> int:
    """Compare two compiled bundles (dist/floe), bundle folders or artifacts, per environment.

    A side that does not exist stands for "no floe.yaml": everything is added (or removed).
    """
    return execute(DiffArgs(base, head, output_format, exit_code, now))


def execute(args: DiffArgs) -> int:
    """Load both sides, diff them and print the diff (``--exit-code``: exit 1 on a change)."""
    from floe_runtime.review.bundles import config_of, load_side
    from floe_runtime.review.diff import diff

    sides = []
    for label, path in (("BASE", args.base), ("HEAD", args.head)):
        if not path.exists():
            progress(f"{label} {path} does not exist: compared as no floe.yaml")
        sides.append(load_side(path))
    result = diff(base=sides[0], head=sides[1], now=moment(args.now))
    config = config_of(sides[1]) or config_of(sides[0]) or str(args.head)
    click.echo(DIFF_RENDERER_BY_NAME[args.output_format](result, config), nl=False)
    return 1 if args.exit_code and result.changed else 0
