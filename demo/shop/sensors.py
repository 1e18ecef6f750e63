"""Custom sensor conditions that floe evaluates (floe.yaml: sensors.custom)."""

from __future__ import annotations

from pathlib import Path


def ready(flag: Path = Path("ready.flag")) -> bool:
    """Run the bronze refresh once an upstream system has dropped its ready flag (a relative
    ``Path`` is read from floe.yaml's folder, as a file watcher's path)."""
    return flag.exists()
