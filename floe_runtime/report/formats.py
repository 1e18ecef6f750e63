"""Every ``--format`` by name, each a function from what a command found to the text it
prints: the one place a format is chosen (``RENDERER_BY_NAME[name](report)``), so a command
neither repeats the dispatch nor drifts from the others' choice of formats."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from floe_runtime.base.diagnostics import Diagnostic
from floe_runtime.base.secrets import redact
from floe_runtime.report import render


@dataclass(frozen=True)
class Report:
    """What ``validate`` or ``compile`` found: the diagnostics, the files checked, their text
    (to quote under errors), the lines that close a text report (``summary``) and an
    annotation run (``brief``), and the extra fields of the JSON report."""

    diagnostics: Sequence[Diagnostic]
    files: Sequence[str]
    sources: Mapping[str, str]
    summary: str
    brief: str
    extra: Mapping[str, object] = field(default_factory=dict)


def _text(report: Report) -> str:
    return render.text(report.diagnostics, report.sources, report.summary)


def _json(report: Report) -> str:
    return render.as_json(report.diagnostics, report.files, **report.extra)


def _github(report: Report) -> str:
    annotations = [render.github(report.diagnostics)] if report.diagnostics else []
    return "\n".join([*annotations, report.brief])


RENDERER_BY_NAME: Mapping[str, Callable[[Report], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
}
"""``validate`` and ``compile``: a report for people, programs, or GitHub annotations."""


def _listing_text(kind: str, rows: list[dict[str, Any]]) -> str:
    from floe_runtime.report import listing  # the models: only when a table is printed

    return listing.table(kind, rows)


def _listing_json(kind: str, rows: list[dict[str, Any]]) -> str:
    return redact(json.dumps(rows, indent=2, sort_keys=True))


LISTING_BY_NAME: Mapping[str, Callable[[str, list[dict[str, Any]]], str]] = {
    "text": _listing_text,
    "json": _listing_json,
}
"""``list``: a table, or the rows as JSON."""
