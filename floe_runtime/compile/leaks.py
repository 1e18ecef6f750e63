"""The last gate before anything is written: a secret in what dbt returned, or in the artifact,
refuses the compile, saying where it is and what kind it is, never the value.

floe.yaml's own values are checked as they are read (``spec.interpolation``); this gate covers
what comes from elsewhere: dbt's manifest (tags, meta, descriptions, SQL; bundled as is), and
the artifact as a whole (Python assets' tags and descriptions included).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from floe_runtime.base import children
from floe_runtime.base.diagnostics import JsonPath, and_more, capped, format_path
from floe_runtime.base.errors import FloeError
from floe_runtime.base.secrets import (
    ESCAPED,
    KINDS,
    find_secrets,
    json_text_secret_kind,
    literal_secret_kind,
)
from floe_runtime.ports.dbt_manifest import NODE_SECTIONS

_MAX_REPORTED = 5
# Every manifest section keyed by unique id: the node sections, and the ones dbt adds beside them.
_NODE_SECTIONS = frozenset({*NODE_SECTIONS, "macros", "docs", "groups", "disabled"})


def _where(path: JsonPath) -> str:
    """``dbt node model.shop.orders, field config.tags[0]`` for a path into a manifest."""
    if len(path) >= 2 and path[0] in _NODE_SECTIONS:
        return f"dbt node {path[1]}, field {format_path(path[2:]) or '(its name)'}"
    return f"manifest field {format_path(path)}"


def _report(
    found: list[tuple[JsonPath, str]], describe: Callable[[JsonPath], str], what: str
) -> list[str]:
    reported, left = capped(found, _MAX_REPORTED)
    shown = [f"{describe(path)} holds {kind}" for path, kind in reported]
    tail = and_more(left, " (", ")")
    return [
        f"{line}; {what} would carry it, so nothing is written{tail if i == 0 else ''}"
        for i, line in enumerate(shown)
    ]


# A manifest this large is scanned by a child Python on another core while the compile parses
# and builds (the scan costs about as much as parsing); a smaller one is scanned here.
_IN_CHILD_FROM = 4 * 1024 * 1024
_CLEAN = "clean"  # said, not implied by silence: a child that prints nothing has not answered
_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from floe_runtime.base.secrets import json_text_secret_kind as kind; "
    f"sys.stdout.write(kind(sys.stdin.buffer.read()) or {_CLEAN!r})"
)
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD_TIMEOUT = 120.0  # a safety net: the largest manifest floe reads scans in seconds


class ManifestScan:
    """The secret gate for a dbt manifest, started as soon as its bytes are read. Use it as a
    context manager; :meth:`messages` gives one message per secret found (empty: none).

    A child that fails to start, exits non-zero or answers anything but a known verdict means
    the bytes are scanned here: the gate never opens because the child did not answer."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._child: children.Background | None = None
        if len(raw) >= _IN_CHILD_FROM and sys.executable:
            command = [sys.executable, "-I", "-S", "-c", _CHILD, _PACKAGE_ROOT]
            with contextlib.suppress(OSError, FloeError):
                self._child = children.Background(command, _child_environment(), raw)

    def __enter__(self) -> ManifestScan:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._child is not None:
            self._child.close()

    def _verdict(self) -> str | None:
        if self._child is not None:
            code, out = self._child.output(limit=256, timeout=_CHILD_TIMEOUT)
            answer = out.decode("utf-8", errors="replace")
            if code == 0 and answer == _CLEAN:
                return None
            if code == 0 and answer in {ESCAPED, *KINDS}:
                return answer
        return json_text_secret_kind(self._raw)

    def messages(self, manifest: Mapping[str, Any]) -> list[str]:
        """Where the secrets are, walking the parsed manifest only when the scan found one (or
        could not see through escapes)."""
        if self._verdict() is None:
            return []
        return _report(sorted(find_secrets(manifest), key=str), _where, "the bundled manifest")


def _child_environment() -> dict[str, str]:
    """Nothing from floe's environment (the child reads only its stdin), but what Windows needs
    to start a process."""
    return {name: os.environ[name] for name in ("SYSTEMROOT",) if name in os.environ}


def in_artifact(payload: Mapping[str, Any], text: str) -> list[str]:
    """One message per secret found in an artifact about to be sealed (empty: none); ``text``
    is its sealed text (unescaped JSON), scanned once before any walk."""
    if literal_secret_kind(text) is None:
        return []
    return _report(
        sorted(find_secrets(payload), key=str),
        lambda path: f"artifact field {format_path(path)}",
        "the artifact",
    )
