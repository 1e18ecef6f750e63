"""A compile finding at a place of floe.yaml: an error, or a warning that does not stop it."""

from __future__ import annotations

from floe_runtime.base.diagnostics import Diagnostic, JsonPath, Severity
from floe_runtime.spec.load import Spec


def problem(
    spec: Spec, message: str, path: JsonPath, hint: str | None = None, error: bool = False
) -> Diagnostic:
    assert spec.source is not None
    severity: Severity = "error" if error else "warning"
    return spec.source.diagnostic(message, path, hint=hint, severity=severity, code="compile")
