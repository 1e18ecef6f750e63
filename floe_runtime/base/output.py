"""Make any text safe to print on one line: what floe prints may end up in a CI log or a comment.

A value floe did not write itself (a variable's value, an asset key, a file name) must never
start a new line: in GitHub Actions a printed line that begins with ``::`` is a workflow
command (``::warning::``, ``::add-mask::``, ``::stop-commands::``), and terminal escape
sequences can rewrite what a reader sees. So control characters, Unicode line and paragraph
separators, bidirectional overrides and every other invisible format character (zero-width
spaces and joiners, soft hyphens, tag characters, Hangul fillers: a name that looks like
another) are shown as Python-style escapes (``\\n``, ``\\x1b``, ``\\u202e``), and secrets are
redacted. Renderers pass every field through :func:`printable`; the line breaks of their own
layout are the only ones printed.
"""

from __future__ import annotations

import re
from typing import Final

from floe_runtime.base.secrets import redact

# C0 and C1 controls but tab, DEL; Unicode categories Cf (format: bidi controls, zero-width
# characters, tags), Zl and Zp (line and paragraph separators) and Cs (lone surrogates) as of
# Unicode 15.1 (a test compares the list with ``unicodedata``); and the invisible fillers
# (combining grapheme joiner, Hangul fillers) that render as nothing.
_UNSAFE: Final = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164"
    "\ud800-\udfff\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


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
