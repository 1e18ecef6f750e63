"""Fit a review into a size limit by dropping detail in steps, never by cutting markdown.

GitHub refuses comment bodies over 65,536 characters and job summaries over 1 MiB. The body
is rendered at the most detailed step that fits. Long tables are cut first, each on its own
(every kind of change keeps its first rows and counts the rest), so a short section keeps all
its detail beside a huge one: one moved cron stays visible next to 4,000 added jobs. Then
unchanged environments are collapsed, then names only, then counts. A shortened body says so
and where the full diff is. Past the last step (an absurd number of environments) the summary
list itself is cut between items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from floe_runtime.base.diagnostics import and_more
from floe_runtime.review import marker
from floe_runtime.review.markdown import Level, Section, render

COMMENT_LIMIT = 65_536  # characters, marker included
SUMMARY_LIMIT = 1024 * 1024  # bytes of a job summary
LEVEL_NAMES = {
    Level.FULL: "full",
    Level.COLLAPSED: "unchanged environments collapsed",
    Level.NAMES: "names only",
    Level.COUNTS: "counts only",
}


ROW_STEPS = (200, 50, 10)  # rows one table keeps, tried in turn before coarser levels
STEPS: tuple[tuple[Level, int | None], ...] = (
    (Level.FULL, None),
    *((Level.FULL, rows) for rows in ROW_STEPS),
    (Level.COLLAPSED, ROW_STEPS[-1]),
    (Level.NAMES, ROW_STEPS[-1]),
    (Level.NAMES, 3),
    (Level.COUNTS, None),
)


@dataclass(frozen=True)
class Fitted:
    body: str
    level: Level
    truncated: bool


def comment_length(text: str) -> int:
    """Characters as GitHub may count them: UTF-16 code units (never fewer than code points)."""
    return len(text.encode("utf-16-le")) // 2


def summary_length(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(
    sections: list[Section],
    *,
    limit: int,
    measure: Callable[[str], int],
    where: str,
    stamp: Callable[[str], str] = lambda body: body,
) -> Fitted:
    """The most detailed rendering of ``sections`` whose stamped body is within ``limit``."""
    text = ""
    for level, rows in STEPS:
        note = None
        if level != Level.FULL or rows is not None:
            what = LEVEL_NAMES[level] if level != Level.FULL else "long tables cut"
            cut = f", at most {rows} rows of each kind" if rows is not None else ""
            note = f"This review was shortened to fit ({what}{cut}); the full diff is in {where}."
        text = render(sections, level, note, rows)
        body = stamp(text)
        if measure(body) <= limit:
            return Fitted(body, level, note is not None)
    overhead = measure(stamp("")) + 1
    return Fitted(stamp(_cut(text, limit - overhead, measure)), Level.COUNTS, True)


def _cut(body: str, limit: int, measure: Callable[[str], int]) -> str:
    """Keep whole lines while they fit, then say how many were left out."""
    kept: list[str] = []
    used = 0
    lines = body.split("\n")
    for index, line in enumerate(lines):
        tail = "\n\n" + and_more(len(lines) - index, "… ", " lines: see the full diff.\n")
        if used + measure(line) + 1 + measure(tail) > limit:
            return "\n".join(kept) + tail
        kept.append(line)
        used += measure(line) + 1
    return body


def comment(sections: list[Section], *, config: str, head: str, where: str) -> Fitted:
    """The PR comment body: marker first, within GitHub's limit."""
    return fit(
        sections,
        limit=COMMENT_LIMIT,
        measure=comment_length,
        where=where,
        stamp=lambda body: marker.stamp(body, config=config, head=head),
    )


def full(sections: list[Section], *, where: str) -> Fitted:
    """The job-summary version: as detailed as 1 MiB allows."""
    return fit(sections, limit=SUMMARY_LIMIT, measure=summary_length, where=where)
