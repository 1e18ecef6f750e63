"""The ``floe`` command: the edge where diagnostics become text and exit codes.

Exit codes: 0 valid, 1 invalid input (every ``FloeError``), 2 usage error, 3 internal error (a
bug, reported in one line, never as a traceback). Each command lives in its own module and
imports its heavy modules inside the command, so ``floe --help`` and the hooks start fast.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence

import click

from floe_runtime.base import children
from floe_runtime.base.errors import FloeError
from floe_runtime.base.output import printable
from floe_runtime.base.version import __version__
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

BUG_URL = "https://github.com/floe/compile/issues"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="floe")
def cli() -> None:
    """floe: one declarative floe.yaml for dbt on Dagster."""


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user.

    The cycle collector is paused meanwhile: a command builds large acyclic trees (a dbt
    manifest has millions of objects) and would otherwise spend most of its time having the
    collector walk them again and again; reference counting still frees everything.
    """
    gc.disable()
    try:
        with children.killed_on_signals():
            result = cli.main(
                args=list(argv) if argv is not None else None,
                prog_name="floe",
                standalone_mode=False,
            )
    except children.Terminated as exc:
        return 128 + exc.signum
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.message = printable(exc.message)  # type: ignore[misc]  # click quotes values as given
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except FloeError as exc:
        click.echo(f"floe: {printable(str(exc))}", err=True)
        return 1
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
