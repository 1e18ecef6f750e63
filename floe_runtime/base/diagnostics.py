"""Problems found in a floe.yaml, kept as data until the CLI edge renders them.

Every check in floe returns ``Diagnostic`` values instead of raising, so that one run reports
every problem at once and each output format (text, JSON, GitHub annotations) renders the same
facts.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal, NamedTuple, TypeVar

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


SHORTLIST = 6
"""Candidates compared in full per hint; bigger name sets are first narrowed by trigrams."""
POSTINGS_BUDGET = 4000
"""Trigram postings a query may visit (rarest trigrams first) when narrowing."""
_LONGEST_NAME = 200


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A 'did you mean' hint when ``name`` is close to one of ``known``.

    Bounded: the index of a name set is built once and cached, a query visits at most
    ``POSTINGS_BUDGET`` trigram postings (the rarest, most telling ones first; trigrams in
    more than a quarter of the names only when nothing rarer matched) and compares at
    most ``SHORTLIST`` candidates in full; names longer than 200 characters get no hint.
    """
    found = closest(name, known)
    return f"did you mean {found!r}?" if found is not None else None


def closest(name: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` closest to ``name``, if any is close (see :func:`did_you_mean`)."""
    if len(name) > _LONGEST_NAME:
        return None
    index = _index(frozenset(known))
    close = difflib.get_close_matches(name, index.shortlist(name), n=1, cutoff=0.6)
    if close:
        return close[0]
    return index.lowered.get(name.lower())


class _NameIndex:
    """Trigram postings of a name set, for a short list of plausible candidates."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = sorted(n for n in names if len(n) <= _LONGEST_NAME)
        self.lowered = {n.lower(): n for n in reversed(self.names)}
        self.postings: dict[str, list[int]] = {}
        if len(self.names) > SHORTLIST:
            for number, candidate in enumerate(self.names):
                for gram in _trigrams(candidate):
                    self.postings.setdefault(gram, []).append(number)

    def shortlist(self, name: str) -> list[str]:
        if len(self.names) <= SHORTLIST:
            return self.names
        lists = sorted((self.postings.get(gram, []) for gram in _trigrams(name)), key=len)
        shared: dict[int, int] = {}
        visited = 0
        for numbers in lists:
            common = len(numbers) > len(self.names) // 4  # says little, costs much
            if visited and (common or visited + len(numbers) > POSTINGS_BUDGET):
                break
            visited += len(numbers)
            for number in numbers:
                shared[number] = shared.get(number, 0) + 1
        best = heapq.nlargest(
            SHORTLIST,
            shared,
            key=lambda n: (shared[n], -abs(len(self.names[n]) - len(name)), -n),
        )
        return [self.names[number] for number in sorted(best)]


def _trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(max(1, len(padded) - 2))}


@lru_cache(maxsize=64)
def _index(names: frozenset[str]) -> _NameIndex:
    return _NameIndex(names)


def known_list(names: Iterable[str], limit: int = 8) -> str:
    """``'a', 'b' and 3 more`` — a short list of what exists, for messages."""
    ordered = sorted(set(names))
    if not ordered:
        return "none"
    shown, left = capped(ordered, limit)
    return ", ".join(repr(n) for n in shown) + and_more(left)


T = TypeVar("T")


def capped(items: Sequence[T], limit: int | None) -> tuple[list[T], int]:
    """The first ``limit`` of ``items`` (all of them for None) and how many that leaves out."""
    kept = list(items if limit is None else items[:limit])
    return kept, len(items) - len(kept)


def and_more(left: int, lead: str = " ", end: str = "") -> str:
    """``and 1,234 more`` between a site's own ``lead`` and ``end`` (`` (and 3 more)``,
    ``… and 3 more errors``): every shortened list floe prints counts what it leaves out in
    these words; nothing when it leaves out nothing."""
    return f"{lead}and {left:,} more{end}" if left > 0 else ""


def capped_lines(
    lines: Sequence[str], limit: int | None, lead: str = "… ", end: str = ""
) -> list[str]:
    """The first ``limit`` of ``lines``, then one line counting the rest (``… and 3 more``)."""
    kept, left = capped(lines, limit)
    return [*kept, and_more(left, lead, end)] if left > 0 else kept


ERROR_LIMIT = 1000
"""Past this many errors a file is broken wholesale: checking its meaning stops there and
output shows this many (like a compiler's error limit), so a 5 MiB file of mistakes is
reported in seconds, and says so."""


def has_errors(diagnostics: Sequence[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


STRICT_NOTE = "(a warning; --strict makes it an error)"
INCOMPLETE = "incomplete"
"""Code of a warning that says what a check could not see (no dbt manifest, an incomplete
graph), not what is wrong: --strict keeps it a warning, or the offline hooks could never pass
on a dbt project."""


def strict(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """``--strict``: every warning about the project becomes an error, and says why it fails
    the run (a warning about the check's own limits stays one)."""
    return [
        replace(d, severity="error", message=f"{d.message} {STRICT_NOTE}")
        if d.severity == "warning" and d.code != INCOMPLETE
        else d
        for d in diagnostics
    ]


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    pos = d.position or Position(0, 0)
    return (d.file, pos.line, pos.col, d.message)
