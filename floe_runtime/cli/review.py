"""``floe review``: what a pull request changes, per environment, as a PR comment body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from floe_runtime.base.output import printable
from floe_runtime.cli.common import NOW, moment, progress


@dataclass(frozen=True)
class ReviewArgs:
    """``floe review``'s options, parsed."""

    base: str | None = None
    configs: tuple[Path, ...] = (Path("floe.yaml"),)
    out: Path = Path("dist/floe-review")
    now: datetime | None = None
    dbt_parse: bool = True


@click.command("review")
@click.option(
    "--base",
    "base",
    metavar="REF",
    help="Compare with the merge base of REF (default: the upstream branch, else origin/main).",
)
@click.option(
    "--config",
    "configs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A floe.yaml to review (repeat for a monorepo; default: ./floe.yaml).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist/floe-review"),
    show_default=True,
    help="Where review.md, full.md and review.json go.",
)
@NOW
@click.option(
    "--dbt-parse/--no-dbt-parse",
    default=True,
    show_default=True,
    help="Run `dbt parse` on both sides so dbt models are in the diff.",
)
def review_command(
    base: str | None,
    configs: tuple[Path, ...],
    out: Path,
    now: datetime | None,
    dbt_parse: bool,
) -> int:
    """Compile the working tree and the merge base with REF for every environment, and write
    the review: review.md (the PR comment body), full.md (untruncated) and review.json.

    Exits 1 when the head does not compile (its errors are in the review), else 0.
    """
    return execute(ReviewArgs(base, configs or (Path("floe.yaml"),), out, now, dbt_parse))


def execute(args: ReviewArgs) -> int:
    """Review, write the files, and say what changed and where the files are."""
    from floe_runtime.review.run import ReviewOptions, review

    options = ReviewOptions(
        cwd=Path.cwd(),
        configs=args.configs,
        base=args.base,
        now=moment(args.now),
        dbt_parse=args.dbt_parse,
        progress=progress,
    )
    result = review(options=options)
    written = result.write(args.out)
    report = result.record
    state = "invalid" if not result.valid else "changed" if report["changed"] else "no changes"
    envs = ", ".join(report["changed_envs"]) or "none"
    click.echo(printable(f"floe: review of {report['config']}: {state} (environments: {envs})"))
    if result.comment.truncated:
        progress(f"the comment was shortened ({report['level']})")
    for path in written:
        click.echo(printable(f"floe: wrote {path}"))
    return 0 if result.valid else 1
