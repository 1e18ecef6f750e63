"""Problems found in a floe.yaml, kept as data until the CLI edge renders them.

Every check in floe returns ``Diagnostic`` values instead of raising, so that one run reports
every problem at once and each output format (text, JSON, GitHub annotations) renders the same
facts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]
JsonPath = tuple[str | int, ...]


class Position(NamedTuple):
    """A 1-based line and column in a source file (a tuple: the loader makes thousands)."""

    line: int
    col: int


@dataclass(frozen=True)
class Diagnostic:
    """One problem: what is wrong, where, and how to fix it."""

    message: str
    file: str
    position: Position | None = None
    path: JsonPath = ()
    hint: str | None = None
    severity: Severity = "error"
    code: str = "invalid"

    @property
    def json_path(self) -> str:
        return format_path(self.path)

    def with_suffix(self, suffix: str) -> Diagnostic:
        return replace(self, message=f"{self.message} {suffix}")


def format_path(path: JsonPath) -> str:
    """Render a path the way users read YAML: ``orchestration.jobs.daily.selection[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A 'did you mean' hint when ``name`` is close to one of ``known``."""
    candidates = sorted(set(known))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else None


def known_list(names: Iterable[str], limit: int = 8) -> str:
    """``'a', 'b' and 3 more`` — a short list of what exists, for messages."""
    ordered = sorted(set(names))
    if not ordered:
        return "none"
    shown = ", ".join(repr(n) for n in ordered[:limit])
    rest = len(ordered) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def has_errors(diagnostics: Sequence[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    pos = d.position or Position(0, 0)
    return (d.file, pos.line, pos.col, d.message)
