"""The hidden marker that makes one PR comment floe's own, and says what it was made from.

``<!-- floe:review {"config": ..., "head": ..., "hash": ..., "v": 1} -->`` opens every comment
body floe writes. ``floe comment`` finds its comment by the marker's ``config``, skips a write
when ``hash`` is unchanged, and never replaces a comment stamped with a newer ``head``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

PREFIX = "<!-- floe:review "
SUFFIX = " -->"
VERSION = 1
# The marker holds short values only; a longer one is not ours (or not trustworthy).
MAX_LENGTH = 1024
_MARKER = re.compile(r"<!-- floe:review (\{[^\n]{0,1000}?\}) -->")


@dataclass(frozen=True)
class Marker:
    config: str
    head: str
    hash: str


def content_hash(body: str) -> str:
    """sha256 of a comment body without its marker: the same review gives the same hash."""
    return "sha256:" + hashlib.sha256(strip(body).encode("utf-8")).hexdigest()


def render(marker: Marker) -> str:
    payload = {"config": marker.config, "hash": marker.hash, "head": marker.head, "v": VERSION}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    # '<', '>' and '-' escaped so no value can close the HTML comment early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("--", "-\\u002d")
    rendered = PREFIX + text + SUFFIX
    if len(rendered) > MAX_LENGTH:
        raise ValueError("marker values too long")
    return rendered


def parse(body: str) -> Marker | None:
    """The marker that opens ``body`` (at offset 0, as floe writes it), if it is floe's: a
    comment that merely quotes a marker further down is not floe's comment."""
    match = _MARKER.match(body[:MAX_LENGTH])
    if match is None:
        return None
    try:
        payload = json.loads(match.group(1))
    except json.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        return None
    values = [payload.get(k) for k in ("config", "head", "hash")]
    if not all(isinstance(v, str) for v in values):
        return None
    return Marker(*values)  # type: ignore[arg-type]


def stamp(body: str, *, config: str, head: str) -> str:
    """``body`` with a fresh marker in front (replacing any it had)."""
    plain = strip(body)
    return render(Marker(config=config, head=head, hash=content_hash(plain))) + "\n" + plain


def strip(body: str) -> str:
    """``body`` without a leading floe marker line."""
    match = _MARKER.match(body)
    if match is None:
        return body
    return body[match.end() :].removeprefix("\n")
