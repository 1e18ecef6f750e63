"""What the runtime raises: a bundle it cannot load, definitions that drifted from their
artifact, a code location or a backfill that cannot run. Importing this imports no Dagster."""

from __future__ import annotations

from floe_runtime.base.errors import FloeError


class LoadError(FloeError):
    """The runtime cannot load the project; the message says what to do."""


class DriftError(LoadError):
    """The loaded definitions differ from the artifact."""


class BackfillError(FloeError):
    """A backfill that cannot run as declared; the message says what to do."""


class CodeLocationError(FloeError):
    """The code location cannot be loaded or lacks what the job needs; the message says why."""
