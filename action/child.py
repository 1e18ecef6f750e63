"""``floe`` as a child process of the Action, and its output shown safely in the log.

Paths come from the pull request (a glob over its files), so they are passed after ``--`` or
as ``--option=value``, never where a name like ``--out=x`` could become an option.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from floe_runtime.base.output import printable

FLOE = str(Path(sys.executable).parent / "floe")
_ANNOTATION = re.compile(r"^::(error|warning|notice)( [a-z]+=[^:]*)?::")


def floe(
    *args: str, token: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``floe ARGS`` (with ``env`` added); the token reaches only a child given it."""
    env = {**{k: v for k, v in os.environ.items() if k != "FLOE_TOKEN"}, **(env or {})}
    if token:
        env["FLOE_TOKEN"] = token
    return subprocess.run([FLOE, *args], capture_output=True, text=True, env=env, check=False)


def echo(proc: subprocess.CompletedProcess[str], into: list[str]) -> None:
    """Show floe's output in the log; keep its annotations aside (printed later, at most 10).

    The text may quote a pull request's files (dbt's output too), so every line is printable
    and shown between ``stop-commands`` markers with a fresh token: no line can act as a
    workflow command. Only floe's own annotation lines are kept, one printable line each.
    """
    token = os.urandom(16).hex()
    print("::stop-commands::" + token, flush=True)
    for line in (proc.stdout + proc.stderr).splitlines():
        if _ANNOTATION.match(line):
            into.append(printable(line))
        else:
            print(printable(line), flush=True)
    print("::" + token + "::", flush=True)
