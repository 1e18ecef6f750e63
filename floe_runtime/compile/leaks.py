"""The last gate before anything is written: a secret in what dbt returned, or in the artifact,
refuses the compile, saying where it is and what kind it is, never the value.

floe.yaml's own values are checked as they are read (``spec.interpolation``); this gate covers
what comes from elsewhere: dbt's manifest (tags, meta, descriptions, SQL; bundled as is), and
the artifact as a whole (Python assets' tags and descriptions included).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from floe_runtime.base.diagnostics import JsonPath, format_path
from floe_runtime.base.secrets import find_secrets, literal_secret_kind
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
    shown = [f"{describe(path)} holds {kind}" for path, kind in found[:_MAX_REPORTED]]
    more = len(found) - _MAX_REPORTED
    tail = f" (and {more} more)" if more > 0 else ""
    return [
        f"{line}; {what} would carry it, so nothing is written{tail if i == 0 else ''}"
        for i, line in enumerate(shown)
    ]


# An escaped ASCII character ("\u0067hp_…") could hide a secret from a scan of the raw text.
_ESCAPED_ASCII = re.compile(rb"\\u00[0-7]")


def in_manifest(manifest: Mapping[str, Any], raw: bytes) -> list[str]:
    """One message per secret found in a dbt manifest (empty: none). ``raw`` is the file as
    read: one linear scan of it decides the common case, unless it escapes ASCII characters."""
    if _ESCAPED_ASCII.search(raw):
        text = json.dumps(manifest, ensure_ascii=False)
    else:
        text = raw.decode("utf-8", errors="replace")
    if literal_secret_kind(text) is None:
        return []
    return _report(sorted(find_secrets(manifest), key=str), _where, "the bundled manifest")


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
