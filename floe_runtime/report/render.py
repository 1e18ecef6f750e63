"""Diagnostics rendered for people (text), programs (JSON) and GitHub (workflow annotations).

Source lines are quoted under an error to show the spot, except lines that could carry a
secret: those of environment files and any line a secret pattern matches. Every field passes
``output.printable`` (one line, secrets redacted) or the GitHub escaping, so a value read from
input can neither start a line of its own nor show a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from floe_runtime.base.diagnostics import ERROR_LIMIT, Diagnostic, has_errors
from floe_runtime.base.output import github_data, github_property, plural, printable
from floe_runtime.base.secrets import literal_secret_kind, redact

if TYPE_CHECKING:
    from floe_runtime.spec.models import FloeProject


def error_count(diagnostics: Sequence[Diagnostic]) -> int:
    return sum(d.severity == "error" for d in diagnostics)


def _count(diagnostics: Sequence[Diagnostic]) -> str:
    errors = error_count(diagnostics)
    warnings = len(diagnostics) - errors
    parts = [plural(errors, "error")]
    if warnings:
        parts.append(plural(warnings, "warning"))
    return ", ".join(parts)


class _Lines:
    """Each source file split into lines once per rendering, not once per diagnostic."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self.sources = sources
        self.split: dict[str, list[str]] = {}

    def of(self, file: str) -> list[str] | None:
        if file not in self.split:
            text = self.sources.get(file)
            if text is None:
                return None
            self.split[file] = text.splitlines()
        return self.split[file]


def _frame(d: Diagnostic, sources: _Lines) -> list[str]:
    lines = sources.of(d.file)
    if lines is None or d.position is None or d.code == "secret":
        return []
    if not 0 < d.position.line <= len(lines):
        return []
    line = lines[d.position.line - 1]
    if literal_secret_kind(line) is not None or len(line) > 200:
        return []
    number = str(d.position.line)
    pad = " " * len(number)
    caret = " " * (d.position.col - 1) + "^"
    return [f"  {number} | {printable(line)}", f"  {pad} | {caret}"]


def location(d: Diagnostic) -> str:
    if d.position is None:
        return printable(d.file)
    return f"{printable(d.file)}:{d.position.line}:{d.position.col}"


SHOWN = ERROR_LIMIT + 1
"""Problems rendered as text or annotations (the error limit's errors and the note that
checking stopped there); the summary still counts all of them."""


def _not_shown(diagnostics: Sequence[Diagnostic]) -> str | None:
    rest = len(diagnostics) - SHOWN
    return f"floe: {plural(rest, 'more problem')} not shown" if rest > 0 else None


def text(diagnostics: Sequence[Diagnostic], sources: Mapping[str, str], summary: str | None) -> str:
    """Compiler-style text: ``file:line:col: error: message``, the line, a caret, a hint."""
    out: list[str] = []
    lines = _Lines(sources)
    for d in diagnostics[:SHOWN]:
        out.append(f"{location(d)}: {d.severity}: {printable(d.message)}")
        out += _frame(d, lines)
        if d.path:
            out.append(f"  = at {printable(d.json_path)}")
        if d.hint:
            out.append(f"  = hint: {printable(d.hint)}")
    if (rest := _not_shown(diagnostics)) is not None:
        out.append(rest)
    if summary is not None:
        if diagnostics:
            out.append("")
        out.append(summary)
    return "\n".join(out)


def describe(project: FloeProject) -> str:
    """What a valid floe.yaml declares, in one line."""
    o = project.orchestration
    counts = [
        (len(o.partitions), "partitions definition"),
        (len(o.assets), "asset pattern"),
        (len(o.jobs), "job"),
        (len(o.schedules), "schedule"),
        (len(o.sensors), "sensor"),
        (len(o.backfills), "backfill"),
    ]
    listed = ", ".join(plural(n, word) for n, word in counts)
    return printable(f"{project.name} {project.version}: {listed}")


def summary_line(files: Sequence[str], diagnostics: Sequence[Diagnostic]) -> str:
    names = printable(", ".join(files))
    if has_errors(diagnostics):
        return f"floe: {names}: invalid ({_count(diagnostics)})"
    if diagnostics:
        return f"floe: {names}: valid ({_count(diagnostics)})"
    return f"floe: {names}: valid"


def as_json(diagnostics: Sequence[Diagnostic], files: Sequence[str], **extra: object) -> str:
    payload = {
        "valid": not has_errors(diagnostics),
        "files": list(files),
        "diagnostics": [
            {
                "file": d.file,
                "line": d.position.line if d.position else None,
                "col": d.position.col if d.position else None,
                "path": d.json_path,
                "severity": d.severity,
                "code": d.code,
                "message": d.message,
                "hint": d.hint,
            }
            for d in diagnostics
        ],
        **extra,
    }
    return redact(json.dumps(payload, indent=2, sort_keys=True))


def github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic, on the right line."""
    out = []
    for d in diagnostics[:SHOWN]:
        props = [f"file={github_property(printable(d.file))}"]
        if d.position is not None:
            props += [f"line={d.position.line}", f"col={d.position.col}"]
        props.append(f"title={github_property(printable(f'floe {d.code}'))}")
        message = printable(d.message)
        if d.path:
            message += f" (at {printable(d.json_path)})"
        if d.hint:
            message += f"\n{printable(d.hint)}"
        out.append(f"::{d.severity} {','.join(props)}::{github_data(message)}")
    if (rest := _not_shown(diagnostics)) is not None:
        out.append(rest)
    return "\n".join(out)
