"""Where diagnostics become text and exit codes: 0 valid, 1 invalid input (every
``FloeError``), 2 usage error, 3 internal error (a bug, reported in one line, never as a
traceback). One function, so the CLI and the hooks (which run several checks in one process)
map failures alike."""

from __future__ import annotations

import os
from collections.abc import Callable

import click

from floe_runtime.base import children
from floe_runtime.base.errors import FloeError
from floe_runtime.base.output import printable

BUG_URL = "https://github.com/floe/compile/issues"


def exit_code(call: Callable[[], object]) -> int:
    """Run ``call`` and return its exit code (an int result, else 0); never lets a traceback
    reach the user."""
    try:
        result = call()
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
    return result if isinstance(result, int) else 0
