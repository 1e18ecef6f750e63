"""The tokens of Dagster's asset selection grammar (``AssetSelection.g4``), lexed as ANTLR does.

Also the names the grammar reserves (its attributes and keywords) and the error every stage of
selection raises, so the parser and the evaluator share them without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from floe_runtime.ports.errors import SelectionError

STATIC_ATTRIBUTES: Final = ("key", "tag", "owner", "group", "kind", "is")
# Dagster resolves these only in a deployment (status, automation, code locations, the UI's
# column index), except partitions:, which reads partitions definitions that AssetInfo lacks.
RUNTIME_ATTRIBUTES: Final = (
    "status",
    "column",
    "table_name",
    "column_tag",
    "changed_in_branch",
    "partitions",
    "automation_type",
    "sensor",
    "schedule",
    "job",
    "code_location",
)
IS_VALUES: Final = ("external", "materializable")


# --- lexer: ANTLR's maximal munch, ties going to the earlier rule ----------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    column: int


ATTRIBUTE_KINDS: Final = frozenset(name.upper() for name in STATIC_ATTRIBUTES + RUNTIME_ATTRIBUTES)
KEYWORDS: Final = {
    **{word: word.upper() for word in ("and", "or", "not")},
    **{word: word for word in ("AND", "OR", "NOT")},
    **{name: name.upper() for name in (*STATIC_ATTRIBUTES, *RUNTIME_ATTRIBUTES, "sinks", "roots")},
}
_PUNCTUATION: Final = {
    "=": "EQUAL",
    "+": "PLUS",
    ":": "COLON",
    "(": "LPAREN",
    ")": "RPAREN",
    ",": "COMMA",
}
_WHITESPACE: Final = " \t\r\n"
# UNQUOTED_WILDCARD_STRING is UNQUOTED_STRING plus '*', so one scan finds the longer of the two.
_WORD: Final = re.compile(r"[a-zA-Z_*][a-zA-Z0-9_*/]*")
PLAIN_WORD: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_/]*")
_DIGITS: Final = re.compile(r"[0-9]+")
_QUOTED: Final = re.compile(r'"[^"\\\r\n]*"')
# Tokens that read as a value once quoted: reserved words, numbers and wildcards.
NEEDS_QUOTES: Final = frozenset({*KEYWORDS.values(), "STAR", "DIGITS", "UNQUOTED_WILDCARD_STRING"})
NULL: Final = "<null>"


def tokenize(expr: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        if expr[pos] in _WHITESPACE:
            pos += 1
            continue
        kind, text = _next_token(expr, pos)
        tokens.append(Token(kind, text, pos + 1))
        pos += len(text)
    tokens.append(Token("EOF", "", len(expr) + 1))
    return tokens


def _next_token(expr: str, pos: int) -> tuple[str, str]:
    """Kind and text of the token at ``pos``; keywords beat names of equal length, a lone ``*``
    is STAR rather than a wildcard, as in ANTLR's rule order."""
    word = _WORD.match(expr, pos)
    if word is not None:
        text = word.group()
        if "*" not in text:
            return KEYWORDS.get(text, "UNQUOTED_STRING"), text
        return ("STAR" if text == "*" else "UNQUOTED_WILDCARD_STRING"), text
    char = expr[pos]
    if char in _PUNCTUATION:
        return _PUNCTUATION[char], char
    for kind, pattern in (("DIGITS", _DIGITS), ("QUOTED_STRING", _QUOTED)):
        match = pattern.match(expr, pos)
        if match is not None:
            return kind, match.group()
    if expr.startswith(NULL, pos):
        return "NULL_STRING", NULL
    raise _lexing_error(expr, pos)


def _lexing_error(expr: str, pos: int) -> SelectionError:
    char = expr[pos]
    if char == '"':
        end = pos + 1
        while end < len(expr) and expr[end] not in '"\\\r\n':
            end += 1
        if end < len(expr) and expr[end] == "\\":
            return SelectionError(
                f"unexpected '\\' at column {end + 1}: quoted strings cannot contain backslashes",
                end + 1,
            )
        return SelectionError(f"unterminated quoted string starting at column {pos + 1}", pos + 1)
    if char == "<":
        return SelectionError(
            f"unexpected '<' at column {pos + 1}: the only <...> value is <null>", pos + 1
        )
    return SelectionError(
        f"unexpected character {char!r} at column {pos + 1}: "
        'values with characters other than letters, digits, "_" and "/" must be quoted',
        pos + 1,
    )
