"""Everything the Action says: the log, annotations, step outputs, the job summary and the files
it writes. The one output path of ``action/``.

What the Action prints is interpreted by the runner (a line starting with ``::`` is a workflow
command), and what it writes to the summary by GitHub's markdown renderer; much of it quotes a
pull request's files. So every log line is ``floe: `` + :func:`printable` text (one line, no
line can start a command), annotation data is escaped as the runner expects, every step output
is one printable line, and markdown fields pass ``markdown.escape`` where they are built.
Files are written only through the core's atomic writer, which never follows a symlink.
``tests/action/test_output_path.py`` fails when a module of ``action/`` formats a field into
text without one of these helpers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from floe_runtime.base.errors import FileRefused
from floe_runtime.base.files import write_atomic
from floe_runtime.base.output import github_data, github_property, printable

__all__ = ["printable"]

SUMMARY_LIMIT = 1_000_000  # GitHub refuses a job summary over 1 MiB


def say(message: str) -> None:
    """One log line; the ``floe: `` prefix keeps any text of it from starting a command."""
    print("floe: " + printable(message), flush=True)


def annotation(level: str, message: str, title: str = "floe") -> None:
    """An ``::error`` / ``::warning`` annotation; the message cannot start another command."""
    print(
        "::"
        + printable(level)
        + " title="
        + github_property(printable(title))
        + "::"
        + github_data(printable(message)),
        flush=True,
    )


def command(line: str) -> None:
    """A workflow command floe itself wrote (an annotation of ``floe validate``), one line."""
    print(printable(line), flush=True)


@contextlib.contextmanager
def group(title: str) -> Iterator[None]:
    """A collapsible group in the log, titled with printable text."""
    print("::group::floe: " + printable(title), flush=True)
    try:
        yield
    finally:
        print("::endgroup::", flush=True)


def set_output(name: str, value: str) -> None:
    """One step output on one line: the value cannot add another output or a delimiter."""
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(printable(name) + "=" + printable(value) + "\n")


def fail(reason: str) -> None:
    """Annotate ``reason`` now and let the Action's last step fail the job (after uploads)."""
    annotation("error", reason)
    set_output("fail", reason)


def append_summary(markdown: str) -> None:
    """Add to the job summary; ``markdown`` was built from escaped fields."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown)


def write(path: Path, text: str) -> None:
    """Write a file of the output folder, atomically and never through a symlink."""
    write_atomic(path, text.encode("utf-8"))


def clear(folder: Path) -> None:
    """Empty a folder the Action made earlier; a symlink in its place is refused, not followed."""
    if folder.is_symlink():
        raise FileRefused(folder, "is a symlink; floe never writes or deletes through one")
    if folder.exists():
        shutil.rmtree(folder)  # rmtree itself never follows the symlinks inside
