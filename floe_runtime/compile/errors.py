"""What the compiler raises: dbt could not parse, or the artifact names what floe must not
import (every other compile problem is a diagnostic, reported with its position)."""

from __future__ import annotations

from floe_runtime.base.diagnostics import JsonPath
from floe_runtime.base.errors import FloeError


class DbtParseError(FloeError):
    """dbt is missing or the parse failed; the message is meant for the user."""


class TrustError(FloeError):
    """The artifact names something floe must not import or read; ``field`` says where."""

    def __init__(self, field: JsonPath, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
