"""Dagster's asset selection grammar (``AssetSelection.g4``) as a parser: strings to a syntax tree.

Accepts exactly what Dagster 1.13 accepts; ``tests/differential`` checks it against Dagster's ANTLR
parser.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, TypeAlias

from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.selection.lexer import (
    ATTRIBUTE_KINDS,
    IS_VALUES,
    KEYWORDS,
    NEEDS_QUOTES,
    PLAIN_WORD,
    RUNTIME_ATTRIBUTES,
    Token,
    tokenize,
)

UNLIMITED: Final = sys.maxsize
"""Depth of a bare ``+``: Dagster's traversal uses the same sentinel (``MAX_NUM``)."""

# --- the syntax tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class AllAssets:
    """``*``: every materializable asset."""


@dataclass(frozen=True)
class Not:
    """``not x``: the materializable assets outside ``x``."""

    operand: Selection


@dataclass(frozen=True)
class And:
    operands: tuple[Selection, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Selection, ...]


@dataclass(frozen=True)
class Traversal:
    """``2+x+``: ``up``/``down`` are depths (UNLIMITED for a bare ``+``), None without ``+``."""

    operand: Selection
    up: int | None
    down: int | None


@dataclass(frozen=True)
class Sinks:
    operand: Selection


@dataclass(frozen=True)
class Roots:
    operand: Selection


@dataclass(frozen=True)
class Attribute:
    """``name:value`` (``value`` None for ``<null>``); ``tag_value`` is the ``=...`` part of
    ``tag:``/``column_tag:``, "" when absent or ``<null>``, as Dagster reads it."""

    name: str
    value: str | None
    tag_value: str = ""
    column: int = field(default=0, compare=False)


Selection: TypeAlias = "AllAssets | Not | And | Or | Traversal | Sinks | Roots | Attribute"


# --- parser: the grammar's left-recursive `expr` gives not > and > or ------------------------


class _Parser:
    """Recursive descent over the tokens, accepting exactly what Dagster's ANTLR parser accepts
    (plus its visitor's checks on ``is:`` and ``tag:<null>``)."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._tokens = tokens
        self._pos = 0

    def parse(self) -> Selection:
        selection = self._or()
        token = self._peek()
        if token.kind == "RPAREN":
            raise SelectionError(f"unmatched ')' at column {token.column}", token.column)
        if token.kind != "EOF":
            raise _unexpected(token, "expected 'and', 'or' or the end of the expression")
        return selection

    def _peek(self) -> Token:
        return self._tokens[self._pos]

    def _accept(self, kind: str) -> Token | None:
        token = self._peek()
        if token.kind != kind:
            return None
        self._pos += 1
        return token

    def _expect(self, kind: str, expectation: str) -> Token:
        token = self._accept(kind)
        if token is None:
            raise _unexpected(self._peek(), expectation)
        return token

    def _or(self) -> Selection:
        operands = [self._and()]
        while self._accept("OR"):
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Selection:
        operands = [self._not()]
        while self._accept("AND"):
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Selection:
        if self._accept("NOT"):
            return Not(self._not())
        return self._primary()

    def _primary(self) -> Selection:
        """``*``, or a traversable expression with optional ``+`` on either side."""
        if self._accept("STAR"):
            return AllAssets()
        up = self._up_depth()
        operand = self._traversable()
        down = self._down_depth()
        if up is None and down is None:
            return operand
        return Traversal(operand, up, down)

    def _up_depth(self) -> int | None:
        digits = self._accept("DIGITS")
        if digits is not None:
            self._expect("PLUS", f"expected '+' after the depth '{digits.text}'")
            return _depth(digits)
        return UNLIMITED if self._accept("PLUS") else None

    def _down_depth(self) -> int | None:
        if not self._accept("PLUS"):
            return None
        digits = self._accept("DIGITS")
        return UNLIMITED if digits is None else _depth(digits)

    def _traversable(self) -> Selection:
        token = self._peek()
        if token.kind in ATTRIBUTE_KINDS:
            return self._attribute()
        if token.kind in ("SINKS", "ROOTS"):
            self._pos += 1
            operand = self._parenthesized(
                self._expect("LPAREN", f"expected '(' after '{token.text}'")
            )
            return Sinks(operand) if token.kind == "SINKS" else Roots(operand)
        if self._accept("LPAREN"):
            return self._parenthesized(token)
        if token.kind in ("UNQUOTED_STRING", "UNQUOTED_WILDCARD_STRING"):
            raise _unexpected(token, f"bare asset names are not selections; write key:{token.text}")
        raise _unexpected(token, "expected an attribute such as key:, group:, tag: or kind:")

    def _parenthesized(self, opening: Token) -> Selection:
        selection = self._or()
        self._expect("RPAREN", f"expected 'and', 'or' or ')' closing column {opening.column}")
        return selection

    def _attribute(self) -> Attribute:
        name = self._peek()
        self._pos += 1
        self._expect("COLON", f"expected ':' after '{name.text}'")
        if name.text == "key":
            return Attribute("key", self._key_pattern(), column=name.column)
        value_token = self._peek()
        value = self._value(f"{name.text}:")
        if name.text == "is" and value not in IS_VALUES:
            raise SelectionError(
                f"unknown is: value '{value_token.text}' at column {value_token.column}: "
                "write is:external or is:materializable",
                value_token.column,
            )
        if name.text not in ("tag", "column_tag"):
            return Attribute(name.text, value, column=name.column)
        if value is None:
            raise SelectionError(
                f"{name.text}:<null> at column {name.column}: a tag key is required, "
                "only the value after '=' may be <null>",
                name.column,
            )
        tag_value = self._value(f"{name.text}:{value_token.text}=") if self._accept("EQUAL") else ""
        return Attribute(name.text, value, tag_value or "", column=name.column)

    def _key_pattern(self) -> str:
        token = self._peek()
        if token.kind in ("UNQUOTED_STRING", "UNQUOTED_WILDCARD_STRING"):
            self._pos += 1
            return token.text
        if token.kind == "QUOTED_STRING":
            self._pos += 1
            return token.text[1:-1]
        raise _bad_value(token, "key:")

    def _value(self, prefix: str) -> str | None:
        token = self._peek()
        self._pos += 1
        if token.kind == "NULL_STRING":
            return None
        if token.kind == "QUOTED_STRING":
            return token.text[1:-1]
        if token.kind in ("UNQUOTED_STRING", "SENSOR", "SCHEDULE", "JOB"):
            return token.text
        raise _bad_value(token, prefix)


def _depth(digits: Token) -> int:
    try:
        return int(digits.text)
    except ValueError:  # beyond Python's int-from-string digit limit; Dagster fails there too
        raise SelectionError(
            f"traversal depth at column {digits.column} has too many digits", digits.column
        ) from None


def _unexpected(token: Token, expectation: str) -> SelectionError:
    what = "end of expression" if token.kind == "EOF" else f"'{token.text}'"
    return SelectionError(
        f"unexpected {what} at column {token.column}: {expectation}", token.column
    )


def _bad_value(token: Token, prefix: str) -> SelectionError:
    """Name the fix when the value just needs quotes (keywords, numbers, ``*`` patterns)."""
    if token.kind not in NEEDS_QUOTES:
        return _unexpected(token, f"expected a value after '{prefix}'")
    return SelectionError(
        f"'{token.text}' at column {token.column} must be quoted here: "
        f'write {prefix}"{token.text}"',
        token.column,
    )


# --- Dagster's legacy fallback ---------------------------------------------------------------

# Dagster's parse_clause: `*`/`+` prefix, a bare name, `+`/`*` suffix.
_LEGACY_CLAUSE: Final = re.compile(r"^(\*?\+*)?([./\w\d\[\]?_-]+)(\+*\*?)?$")


def _legacy_tag(expr: str) -> Attribute | None:
    """Dagster's ``tag_string`` fallback, which it applies silently (``tag:k=`` is valid there):
    everything after ``tag:`` split on ``=``, quotes and spaces kept, at most one ``=``."""
    if not expr.startswith("tag:"):
        return None
    parts = expr[len("tag:") :].split("=")
    if len(parts) > 2:
        return None
    return Attribute("tag", parts[0], parts[1] if len(parts) == 2 else "", column=1)


def _legacy_hint(expr: str) -> SelectionError | None:
    """The error for an expression Dagster would still accept through its legacy syntax.

    ``from_string`` silently retries with it when the grammar fails; floe does not, so say how
    to write the same selection in the grammar's syntax.
    """
    clause = _LEGACY_CLAUSE.search(expr.strip())
    if clause is not None:
        up, name, down = (part or "" for part in clause.groups())
        rewrite = f"{_legacy_depth(up, '{}+')}key:{_key_literal(name)}{_legacy_depth(down, '+{}')}"
        what = (
            "'*' and '+' around bare asset names (one level per '+') are"
            if up or down
            else "bare asset names are"
        )
        column = len(expr) - len(expr.lstrip()) + 1
        return SelectionError(f"{what} Dagster's legacy syntax; write {rewrite}", column)
    return None


def _legacy_depth(part: str, template: str) -> str:
    """Legacy ``+++`` is three levels and ``*`` unlimited; the grammar's bare ``+`` is unlimited."""
    if not part:
        return ""
    return "+" if "*" in part else template.format(len(part))


def _key_literal(name: str) -> str:
    if PLAIN_WORD.fullmatch(name) and name not in KEYWORDS:
        return name
    return f'"{name}"'


def value_literal(value: str) -> str:
    """``value`` as the grammar reads it back: bare when it can be, else in double quotes
    (Dagster's grammar has no single-quoted strings)."""
    return _key_literal(value)


# --- public parsing API ----------------------------------------------------------------------


@lru_cache(maxsize=1024)
def parse_selection(expr: str) -> Selection:
    """Parse ``expr`` in Dagster's asset selection syntax; raises SelectionError."""
    try:
        return _Parser(tokenize(expr)).parse()
    except SelectionError as error:
        legacy_tag = _legacy_tag(expr)
        if legacy_tag is not None:
            return legacy_tag
        hint = _legacy_hint(expr)
        if hint is None:
            raise
        raise hint from error
    except RecursionError:
        raise SelectionError("the expression nests too deeply", 1) from None


def attributes(selection: Selection) -> Iterator[Attribute]:
    """Every attribute in the expression, in source order."""
    match selection:
        case Attribute():
            yield selection
        case Not(operand) | Traversal(operand) | Sinks(operand) | Roots(operand):
            yield from attributes(operand)
        case And(operands) | Or(operands):
            for operand in operands:
                yield from attributes(operand)


def runtime_only_attributes(sel: Selection) -> tuple[str, ...]:
    """Attributes in ``sel`` that only a running Dagster deployment can evaluate."""
    return tuple(dict.fromkeys(a.name for a in attributes(sel) if a.name in RUNTIME_ATTRIBUTES))
