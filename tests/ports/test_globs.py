"""Glob and key-wildcard matching: the old regex semantics, in linear time, and clear errors."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floe_runtime.ports.errors import GlobError
from floe_runtime.ports.globs import compile_glob, compile_wildcard


def _old_glob_regex(pattern: str) -> re.Pattern[str]:
    """The regex translation floe used before (the oracle for valid patterns)."""

    def translate(i: int, in_braces: bool) -> tuple[str, int]:
        out: list[str] = []
        while i < len(pattern):
            ch = pattern[i]
            if ch == "*":
                out.append(".*")
            elif ch == "?":
                out.append(".")
            elif ch == "[":
                close = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
                body = pattern[i + 1 : close]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                escaped = re.escape(body).replace(chr(92) + "-", "-")
                out.append(f"[{'^' if negate else ''}{escaped}]")
                i = close
            elif ch == "{":
                alternatives = []
                i += 1
                while True:
                    regex, i = translate(i, True)
                    alternatives.append(regex)
                    if pattern[i] == "}":
                        break
                    i += 1
                out.append(f"(?:{'|'.join(alternatives)})")
            elif ch == "}" or (ch == "," and in_braces):
                return "".join(out), i
            else:
                out.append(re.escape(ch))
            i += 1
        return "".join(out), i

    return re.compile(f"^{translate(0, False)[0]}$")


ALPHABET = "ab-/\n"
PATTERN_PARTS = st.sampled_from(
    ["a", "b", "/", "-", "*", "?", "[ab]", "[!a]", "[a-b]", "[]a]", "{a,b}", "{a*,b?}", "\n"]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(PATTERN_PARTS, max_size=7).map("".join), st.text(ALPHABET, max_size=8))
def test_globs_match_exactly_what_the_old_regex_matched(pattern: str, name: str) -> None:
    assert compile_glob(pattern).match(name) == bool(_old_glob_regex(pattern).match(name))


@settings(max_examples=2000, deadline=None)
@given(st.text("ab*.\n", max_size=6), st.text("ab.\n", max_size=8))
def test_key_wildcards_match_exactly_dagsters_regex(pattern: str, name: str) -> None:
    dagster = re.compile("^" + re.escape(pattern).replace("\\*", ".*") + "$")  # Dagster's own
    assert compile_wildcard(pattern).match(name) == bool(dagster.match(name))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a[!]", "'[!]' matches no character"),
        ("a[z-a]", "range 'z-a' is reversed; write 'a-z'"),
        ("a[bc", "'[' is not closed by ']'"),
        ("a{b,c", "'{' is not closed by '}'"),
        ("a}", "'}' without a matching '{'"),
    ],
)
def test_malformed_patterns_are_glob_errors(pattern: str, message: str) -> None:
    with pytest.raises(GlobError, match=re.escape(message)):
        compile_glob(pattern)


def test_pathological_patterns_do_not_backtrack() -> None:
    """`*a*a*…*b` on a long run of a's took exponential time with a backtracking regex."""
    pattern = "*a" * 40 + "*b"
    name = "a" * 5000
    started = time.process_time()  # CPU time: a busy machine stretches only the wall clock
    assert not compile_glob(pattern).match(name)
    assert not compile_wildcard(pattern).match(name)
    assert compile_glob(pattern).match(name + "b")
    assert time.process_time() - started < 10  # exponential would never finish
