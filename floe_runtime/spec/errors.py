"""What reading floe.yaml raises outside its diagnostics: which environment is meant, a
module name that cannot be one."""

from __future__ import annotations

from floe_runtime.base.errors import FloeError


class EnvironmentChoiceError(FloeError):
    """The command did not say which of several environments it means."""

    def __init__(self, message: str, declared: list[str] | None = None) -> None:
        super().__init__(message)
        self.declared = declared or []


class ModuleNameError(FloeError):
    """A string that is not a dotted Python module name; the message says which part."""
