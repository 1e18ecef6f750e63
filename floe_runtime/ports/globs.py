"""Glob patterns over asset names: ``*``, ``?``, ``[ab]``, ``[!ab]`` and ``{a,b}``.

``*`` also crosses ``/``, so ``raw/*`` matches ``raw/orders`` and ``raw/eu/orders``: asset keys
are names, not file paths.
"""

from __future__ import annotations

import re
from functools import lru_cache

from floe_runtime.base.errors import PositionedSyntaxError


class GlobError(PositionedSyntaxError):
    """A malformed pattern."""


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    regex, end = _translate(pattern, 0, in_braces=False)
    if end != len(pattern):  # pragma: no cover - _translate consumes everything at top level
        raise GlobError("unexpected '}'", end + 1)
    return re.compile(f"^{regex}$")


def _translate(pattern: str, i: int, in_braces: bool) -> tuple[str, int]:
    out: list[str] = []
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            close = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if close < 0:
                raise GlobError("'[' is not closed by ']'", i + 1)
            body = pattern[i + 1 : close]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append(f"[{'^' if negate else ''}{re.escape(body).replace(chr(92) + '-', '-')}]")
            i = close
        elif ch == "{":
            alternatives, i = _braces(pattern, i)
            out.append(f"(?:{'|'.join(alternatives)})")
        elif ch == "}" or (ch == "," and in_braces):
            if not in_braces:
                raise GlobError("'}' without a matching '{'", i + 1)
            return "".join(out), i
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out), i


def _braces(pattern: str, start: int) -> tuple[list[str], int]:
    alternatives: list[str] = []
    i = start + 1
    while True:
        regex, i = _translate(pattern, i, in_braces=True)
        if i >= len(pattern):
            raise GlobError("'{' is not closed by '}'", start + 1)
        alternatives.append(regex)
        if pattern[i] == "}":
            return alternatives, i
        i += 1
