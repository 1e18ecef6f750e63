"""The one exception family floe raises on purpose.

The CLI maps every ``FloeError`` to exit code 1 with its message, and anything else to exit
code 3 (a bug). Errors that come from user input derive from it; a Python exception that does
not is, by definition, a floe bug.
"""

from __future__ import annotations


class FloeError(Exception):
    """A problem with what floe was given; the message says what to do about it."""


class PositionedSyntaxError(FloeError):
    """A malformed one-line expression (a selection, a glob); ``column`` is 1-based in it."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class FileRefused(FloeError):
    """A file floe will not read or write; the message names it and says why."""

    def __init__(self, shown: object, reason: str, code: str = "io") -> None:
        super().__init__(f"{shown}: {reason}")
        self.reason = reason
        self.code = code
