"""What the Action's Python half raises: an unusable input, handed-over files that are not
what a compute run writes."""

from __future__ import annotations

from floe_runtime.base.errors import FloeError


class InputError(FloeError):
    """An input of the Action is unusable; the message names it and what it accepts."""


class Refused(FloeError):
    """The handed-over files are not what a compute run writes."""
