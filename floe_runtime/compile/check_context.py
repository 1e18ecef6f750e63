"""What a compile check reads (the project, floe.yaml's positions, the asset graph) and how it
reports what it finds.

The checks of ``compile/*_checks.py`` are functions of this context, so each lives in its own
module while one method decides how a finding is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from floe_runtime.base.diagnostics import Diagnostic, JsonPath, Severity
from floe_runtime.compile.asset_graph import AssetGraph
from floe_runtime.spec.models import FloeProject
from floe_runtime.spec.yaml_loader import SourceMap

ORCH = "orchestration"


@dataclass
class CheckContext:
    project: FloeProject
    source: SourceMap
    graph: AssetGraph
    out: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[str, JsonPath]] = field(default_factory=list)
    """Findings an incomplete graph may have caused: one grouped warning names them."""

    def report(
        self,
        message: str,
        path: JsonPath,
        hint: str | None = None,
        severity: Severity = "error",
        about_assets: bool = True,
        python_only: bool = False,
    ) -> None:
        """A problem found against the asset graph. When the graph is incomplete it may be a
        consequence of what is missing, so it is kept for one grouped warning instead; unless
        it involves only Python assets (``python_only``) and only dbt models are missing."""
        certain = python_only and self.graph.python_complete
        if about_assets and not self.graph.complete and not certain:
            self.skipped.append((message, path))
            return
        self.out.append(
            self.source.diagnostic(message, path, hint=hint, severity=severity, code="compile")
        )
