"""The ``floe`` command: one module per command (its click function parses the options into one
frozen value and calls that module's ``execute``), ``edge.exit_code`` that maps errors to exit
codes, ``main.run`` the group, and :func:`main` the console script."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    """The ``floe`` process: the cycle collector is off from before the first import (a
    command builds large acyclic trees that reference counting frees; ``main.run`` says why)
    to the end, where it is spared its last walk over everything imported."""
    gc.disable()
    from floe_runtime.cli.main import run

    code = run()
    gc.freeze()
    sys.exit(code)
