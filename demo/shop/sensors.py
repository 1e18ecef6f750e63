"""Custom sensor conditions that floe evaluates (floe.yaml: sensors.custom)."""

from __future__ import annotations

from pathlib import Path


def ready(flag: str = "./ready.flag") -> bool:
    """Run the bronze refresh once an upstream system has dropped its ready flag."""
    return Path(flag).exists()
