"""What a compile check reads (the project, the asset graph) and where it reports.

The checks of ``compile/*_checks.py`` are functions of this context, so each lives in its own
module while the compiler keeps one place that decides how a finding is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from floe_runtime.base.diagnostics import JsonPath, Severity
from floe_runtime.compile.asset_graph import AssetGraph
from floe_runtime.spec.models import FloeProject

ORCH = "orchestration"


class Report(Protocol):
    """The compiler's ``report``: a finding at ``path`` of floe.yaml."""

    def __call__(
        self,
        message: str,
        path: JsonPath,
        hint: str | None = None,
        severity: Severity = "error",
        about_assets: bool = True,
        python_only: bool = False,
    ) -> None: ...


@dataclass(frozen=True)
class CheckContext:
    project: FloeProject
    graph: AssetGraph
    report: Report
