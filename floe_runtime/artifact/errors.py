"""What the artifact stage raises: one artifact the runtime or the diff must not read."""

from __future__ import annotations

from floe_runtime.base.errors import FloeError


class ArtifactError(FloeError):
    """An artifact the runtime must not load; the message says what to do."""
