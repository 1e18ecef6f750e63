"""Dagster's asset selection syntax (``key:raw/* and not tag:nightly``), parsed and resolved here.

floe resolves every job's selection at compile time, before anything is deployed, and without
importing Dagster. So this module re-implements the ANTLR grammar that Dagster 1.13 ships
(``AssetSelection.g4``) and the resolution rules of ``AssetSelection.from_string(expr).resolve``
on a static asset graph, and must agree with them exactly: the same strings are accepted, and the
same asset keys are selected. ``tests/test_selection.py`` checks both against real Dagster.

Deliberate differences: Dagster retries expressions its grammar rejects with a legacy syntax
(``*my_asset+``); floe refuses them and names the modern spelling. Attributes that depend on a
running deployment (``status:``, ``sensor:`` ...) parse, but resolving them is refused.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from typing import Final, TypeAlias, TypeVar


class SelectionError(ValueError):
    """An expression floe cannot parse or resolve; ``column`` is 1-based inside the expression."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


UNLIMITED: Final = sys.maxsize
"""Depth of a bare ``+``: Dagster's traversal uses the same sentinel (``MAX_NUM``)."""

DEFAULT_GROUP: Final = "default"
"""Dagster puts every asset without a group name into this group."""

KIND_TAG_PREFIX: Final = "dagster/kind/"

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


# --- lexer: ANTLR's maximal munch, ties going to the earlier rule ----------------------------


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    column: int


_ATTRIBUTE_KINDS: Final = frozenset(name.upper() for name in STATIC_ATTRIBUTES + RUNTIME_ATTRIBUTES)
_KEYWORDS: Final = {
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
_PLAIN_WORD: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_/]*")
_DIGITS: Final = re.compile(r"[0-9]+")
_QUOTED: Final = re.compile(r'"[^"\\\r\n]*"')
# Tokens that read as a value once quoted: reserved words, numbers and wildcards.
_NEEDS_QUOTES: Final = frozenset(
    {*_KEYWORDS.values(), "STAR", "DIGITS", "UNQUOTED_WILDCARD_STRING"}
)
_NULL: Final = "<null>"


def _tokenize(expr: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(expr):
        if expr[pos] in _WHITESPACE:
            pos += 1
            continue
        kind, text = _next_token(expr, pos)
        tokens.append(_Token(kind, text, pos + 1))
        pos += len(text)
    tokens.append(_Token("EOF", "", len(expr) + 1))
    return tokens


def _next_token(expr: str, pos: int) -> tuple[str, str]:
    """Kind and text of the token at ``pos``; keywords beat names of equal length, a lone ``*``
    is STAR rather than a wildcard, as in ANTLR's rule order."""
    word = _WORD.match(expr, pos)
    if word is not None:
        text = word.group()
        if "*" not in text:
            return _KEYWORDS.get(text, "UNQUOTED_STRING"), text
        return ("STAR" if text == "*" else "UNQUOTED_WILDCARD_STRING"), text
    char = expr[pos]
    if char in _PUNCTUATION:
        return _PUNCTUATION[char], char
    for kind, pattern in (("DIGITS", _DIGITS), ("QUOTED_STRING", _QUOTED)):
        match = pattern.match(expr, pos)
        if match is not None:
            return kind, match.group()
    if expr.startswith(_NULL, pos):
        return "NULL_STRING", _NULL
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


# --- parser: the grammar's left-recursive `expr` gives not > and > or ------------------------


class _Parser:
    """Recursive descent over the tokens, accepting exactly what Dagster's ANTLR parser accepts
    (plus its visitor's checks on ``is:`` and ``tag:<null>``)."""

    def __init__(self, tokens: Sequence[_Token]) -> None:
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

    def _peek(self) -> _Token:
        return self._tokens[self._pos]

    def _accept(self, kind: str) -> _Token | None:
        token = self._peek()
        if token.kind != kind:
            return None
        self._pos += 1
        return token

    def _expect(self, kind: str, expectation: str) -> _Token:
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
        if token.kind in _ATTRIBUTE_KINDS:
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

    def _parenthesized(self, opening: _Token) -> Selection:
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


def _depth(digits: _Token) -> int:
    try:
        return int(digits.text)
    except ValueError:  # beyond Python's int-from-string digit limit; Dagster fails there too
        raise SelectionError(
            f"traversal depth at column {digits.column} has too many digits", digits.column
        ) from None


def _unexpected(token: _Token, expectation: str) -> SelectionError:
    what = "end of expression" if token.kind == "EOF" else f"'{token.text}'"
    return SelectionError(
        f"unexpected {what} at column {token.column}: {expectation}", token.column
    )


def _bad_value(token: _Token, prefix: str) -> SelectionError:
    """Name the fix when the value just needs quotes (keywords, numbers, ``*`` patterns)."""
    if token.kind not in _NEEDS_QUOTES:
        return _unexpected(token, f"expected a value after '{prefix}'")
    return SelectionError(
        f"'{token.text}' at column {token.column} must be quoted here: "
        f'write {prefix}"{token.text}"',
        token.column,
    )


# --- Dagster's legacy fallback ---------------------------------------------------------------

# Dagster's parse_clause: `*`/`+` prefix, a bare name, `+`/`*` suffix.
_LEGACY_CLAUSE: Final = re.compile(r"^(\*?\+*)?([./\w\d\[\]?_-]+)(\+*\*?)?$")
_QUOTABLE: Final = re.compile(r'[^"\\\r\n]*')


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
    if expr.startswith("tag:"):
        parts = expr[len("tag:") :].split("=")
        if len(parts) <= 2 and all(_QUOTABLE.fullmatch(part) for part in parts):
            rewrite = "tag:" + "=".join(f'"{part}"' for part in parts)
            return SelectionError(f"this tag: is Dagster's legacy syntax; write {rewrite}", 1)
    return None


def _legacy_depth(part: str, template: str) -> str:
    """Legacy ``+++`` is three levels and ``*`` unlimited; the grammar's bare ``+`` is unlimited."""
    if not part:
        return ""
    return "+" if "*" in part else template.format(len(part))


def _key_literal(name: str) -> str:
    if _PLAIN_WORD.fullmatch(name) and name not in _KEYWORDS:
        return name
    return f'"{name}"'


# --- public parsing API ----------------------------------------------------------------------


@lru_cache(maxsize=1024)
def parse_selection(expr: str) -> Selection:
    """Parse ``expr`` in Dagster's asset selection syntax; raises SelectionError."""
    try:
        return _Parser(_tokenize(expr)).parse()
    except SelectionError as error:
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


# --- the asset graph -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetInfo:
    """What selection needs to know about one asset.

    ``key`` is the user string (components joined by "/"); ``group`` None means Dagster's
    "default" group; ``tags`` include the ``dagster/kind/<kind>`` tags; ``deps`` are upstream
    keys; ``materializable`` is False for external assets such as unmapped dbt sources.
    """

    key: str
    group: str | None
    tags: Mapping[str, str]
    owners: tuple[str, ...]
    deps: tuple[str, ...]
    materializable: bool = True


class SelectionGraph:
    """Assets indexed for resolving selections: neighbours for traversals, and the attribute
    lookups, so that resolving an expression costs little more than the sets it touches.

    Dependencies on keys without an AssetInfo become external assets, as Dagster creates them.
    Self-dependencies are dropped: they never change a selection.
    """

    def __init__(self, assets: Iterable[AssetInfo]) -> None:
        infos: dict[str, AssetInfo] = {}
        for info in assets:
            if info.key in infos:
                raise ValueError(f"asset key {info.key!r} is defined twice")
            infos[info.key] = info
        for dep in {dep for info in infos.values() for dep in info.deps} - infos.keys():
            infos[dep] = AssetInfo(dep, None, {}, (), (), materializable=False)

        self.keys: frozenset[str] = frozenset(infos)
        self.materializable: frozenset[str] = frozenset(
            k for k, i in infos.items() if i.materializable
        )
        self._parents = {
            k: tuple(dict.fromkeys(d for d in i.deps if d != k)) for k, i in infos.items()
        }
        self._children = _invert(self._parents)
        built = [infos[key] for key in self.materializable]
        self._groups = _index((info.group or DEFAULT_GROUP, info.key) for info in built)
        self._tags = _index((tag, info.key) for info in built for tag in info.tags.items())
        self._tag_keys = _index((tag, info.key) for info in built for tag in info.tags)
        self._kindless = frozenset(
            info.key for info in built if not any(t.startswith(KIND_TAG_PREFIX) for t in info.tags)
        )
        self._owners = _index((owner, info.key) for info in infos.values() for owner in info.owners)
        self._wildcards: dict[str, frozenset[str]] = {}

    def keys_matching(self, pattern: str) -> frozenset[str]:
        """``key:``: any asset, external ones included, whose user string matches the pattern.
        Wildcard results are memoised: many jobs repeat the same ``not key:tmp_*``."""
        if "*" not in pattern:  # Dagster's regex is then equality, but "$" also allows one "\n"
            return self.keys & {pattern, pattern + "\n"}
        found = self._wildcards.get(pattern)
        if found is None:
            regex = _wildcard_regex(pattern)
            found = self._wildcards[pattern] = frozenset(k for k in self.keys if regex.match(k))
        return found

    def in_group(self, group: str | None) -> frozenset[str]:
        """``group:``; Dagster reads ``group:<null>`` and ``group:""`` as no group at all."""
        if not group:
            return frozenset()
        if "*" not in group:
            return self._groups.get(group, frozenset())
        regex = _wildcard_regex(group)
        return frozenset().union(
            *(keys for name, keys in self._groups.items() if regex.match(name))
        )

    def tagged(self, key: str, value: str) -> frozenset[str]:
        return self._tags.get((key, value), frozenset())

    def of_kind(self, kind: str | None) -> frozenset[str]:
        """``kind:x`` is the presence of tag ``dagster/kind/x``; ``kind:<null>`` means no kind."""
        if kind is None:
            return self._kindless
        return self._tag_keys.get(KIND_TAG_PREFIX + kind, frozenset())

    def owned_by(self, owner: str | None) -> frozenset[str]:
        return frozenset() if owner is None else self._owners.get(owner, frozenset())

    def upstream(self, selected: frozenset[str], depth: int) -> frozenset[str]:
        """Dagster keeps only materializable assets upstream, the selected ones included."""
        if not selected:
            return selected
        return _closure(selected, self._parents, depth) & self.materializable

    def downstream(self, selected: frozenset[str], depth: int) -> frozenset[str]:
        return _closure(selected, self._children, depth)

    def sinks(self, selected: frozenset[str]) -> frozenset[str]:
        """Selected assets with no selected asset downstream of them."""
        ancestors = _closure(_neighbours(selected, self._parents), self._parents, UNLIMITED)
        return selected - ancestors

    def roots(self, selected: frozenset[str]) -> frozenset[str]:
        """Selected assets with no selected asset upstream of them."""
        descendants = _closure(_neighbours(selected, self._children), self._children, UNLIMITED)
        return selected - descendants


_K = TypeVar("_K")


def _invert(parents: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {key: [] for key in parents}
    for key, deps in parents.items():
        for dep in deps:
            children[dep].append(key)
    return {key: tuple(keys) for key, keys in children.items()}


def _index(pairs: Iterable[tuple[_K, str]]) -> dict[_K, frozenset[str]]:
    grouped: dict[_K, set[str]] = {}
    for attribute, key in pairs:
        grouped.setdefault(attribute, set()).add(key)
    return {attribute: frozenset(keys) for attribute, keys in grouped.items()}


def _neighbours(keys: Iterable[str], edges: Mapping[str, tuple[str, ...]]) -> set[str]:
    return set().union(*(edges[key] for key in keys))


def _closure(
    start: Iterable[str], edges: Mapping[str, tuple[str, ...]], depth: int
) -> frozenset[str]:
    """``start`` plus the keys at most ``depth`` edges away, breadth first.

    This is Dagster's ``selection | fetch_connected(selection, depth)``: its Traverser revisits
    start keys that other start keys reach, but that never adds keys to the union.
    """
    reached = set(start)
    frontier = reached
    level = 0
    while frontier and level < depth:
        frontier = _neighbours(frontier, edges) - reached
        reached |= frontier
        level += 1
    return frozenset(reached)


@lru_cache(maxsize=1024)
def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    """Dagster's ``_wildcard_to_regex``, byte for byte, so edge cases match too."""
    return re.compile("^" + re.escape(pattern).replace("\\*", ".*") + "$")


# --- resolution ------------------------------------------------------------------------------


def resolve(expr_or_selection: str | Selection, graph: SelectionGraph) -> frozenset[str]:
    """The asset keys Dagster would select; SelectionError for syntax or runtime-only attributes."""
    if isinstance(expr_or_selection, str):
        return _evaluate(parse_selection(expr_or_selection), graph)
    return _evaluate(expr_or_selection, graph)


def _evaluate(selection: Selection, graph: SelectionGraph) -> frozenset[str]:
    match selection:
        case AllAssets():
            return graph.materializable
        case Not(operand):
            return graph.materializable - _evaluate(operand, graph)
        case And(operands):
            return reduce(frozenset.__and__, (_evaluate(o, graph) for o in operands))
        case Or(operands):
            return reduce(frozenset.__or__, (_evaluate(o, graph) for o in operands))
        case Traversal(operand, up, down):
            selected = _evaluate(operand, graph)
            upstream = frozenset() if up is None else graph.upstream(selected, up)
            return upstream | (frozenset() if down is None else graph.downstream(selected, down))
        case Sinks(operand):
            return graph.sinks(_evaluate(operand, graph))
        case Roots(operand):
            return graph.roots(_evaluate(operand, graph))
        case Attribute():
            return _evaluate_attribute(selection, graph)


def _evaluate_attribute(attribute: Attribute, graph: SelectionGraph) -> frozenset[str]:
    match attribute.name, attribute.value:
        case "key", str(pattern):
            return graph.keys_matching(pattern)
        case "tag", str(key):
            return graph.tagged(key, attribute.tag_value)
        case "is", "external":
            return graph.keys - graph.materializable
        case "is", "materializable":
            return graph.materializable
        case "group", group:
            return graph.in_group(group)
        case "kind", kind:
            return graph.of_kind(kind)
        case "owner", owner:
            return graph.owned_by(owner)
    raise SelectionError(
        f"{attribute.name}: at column {attribute.column} depends on runtime state: floe resolves "
        "job selections before deploy; select with key:, group:, tag:, kind:, owner: or is:",
        attribute.column,
    )
