"""The ``floe`` command group: every command registered, run through ``edge.exit_code``.

Each command lives in its own module and imports its heavy modules inside its ``execute``, so
``floe --help`` and the hooks start fast.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

import click

from floe_runtime.base import children
from floe_runtime.base.version import __version__
from floe_runtime.cli import edge
from floe_runtime.cli.backfill import backfill
from floe_runtime.cli.comment import comment
from floe_runtime.cli.compile import compile_command
from floe_runtime.cli.diff import diff_command
from floe_runtime.cli.doctor import doctor
from floe_runtime.cli.hook import hook
from floe_runtime.cli.init import init
from floe_runtime.cli.list import list_command
from floe_runtime.cli.review import review_command
from floe_runtime.cli.schema import schema
from floe_runtime.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="floe")
def cli() -> None:
    """floe: one declarative floe.yaml for dbt on Dagster."""


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (``edge.exit_code`` maps every failure to one).

    The cycle collector is paused meanwhile: a command builds large acyclic trees (a dbt
    manifest has millions of objects) and would otherwise spend most of its time having the
    collector walk them again and again; reference counting still frees everything.
    """
    gc.disable()
    try:
        return edge.exit_code(lambda: _invoke(argv))
    finally:
        gc.enable()


def _invoke(argv: Sequence[str] | None) -> object:
    with children.killed_on_signals():
        return cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="floe",
            standalone_mode=False,
        )


cli.add_command(validate)
cli.add_command(compile_command)
cli.add_command(list_command)
cli.add_command(schema)
cli.add_command(comment)
cli.add_command(diff_command)
cli.add_command(review_command)
cli.add_command(hook)
cli.add_command(backfill)
cli.add_command(init)
cli.add_command(doctor)
