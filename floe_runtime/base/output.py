"""Make any text safe to print on one line: what floe prints may end up in a CI log or a comment.

A value floe did not write itself (a variable's value, an asset key, a file name) must never
start a new line: in GitHub Actions a printed line that begins with ``::`` is a workflow
command (``::warning::``, ``::add-mask::``, ``::stop-commands::``), and terminal escape
sequences can rewrite what a reader sees. So control characters, Unicode line and paragraph
separators and bidirectional overrides are shown as Python-style escapes (``\\n``, ``\\x1b``,
``\\u202e``), and secrets are redacted. Renderers pass every field through :func:`printable`;
the line breaks of their own layout are the only ones printed.
"""

from __future__ import annotations

import re
from typing import Final

from floe_runtime.base.secrets import redact

# C0 and C1 controls, DEL, Unicode line/paragraph separators, bidi embeddings and isolates.
_UNSAFE: Final = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def one_line(text: str) -> str:
    """``text`` with every character that could break a line or fool a terminal escaped."""
    return _UNSAFE.sub(_escape, text)


def printable(text: str) -> str:
    """``text`` as floe prints it: secrets redacted (before escaping, which could glue a
    secret to the letters of an escape), then on one line."""
    return one_line(redact(text))


def plural(count: int, word: str) -> str:
    """``1 job``, ``2 jobs``, ``3 entities``."""
    if count == 1:
        return f"1 {word}"
    return f"{count} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def github_data(text: str) -> str:
    """The message part of a GitHub workflow command (``::error ...::<data>``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A property value of a GitHub workflow command (``file=``, ``title=``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")
