"""Glob patterns over asset names: ``*``, ``?``, ``[ab]``, ``[!ab]`` and ``{a,b}``; and
Dagster's ``key:`` wildcards, where only ``*`` is special.

``*`` also crosses ``/``, so ``raw/*`` matches ``raw/orders`` and ``raw/eu/orders``: asset keys
are names, not file paths. Matching keeps the semantics of the regular expressions floe and
Dagster used to build (``*`` and ``?`` stop at a newline, a trailing newline is forgiven, as
``re.match("^…$")`` does), but runs a Thompson automaton instead of a backtracking regex, so
``*a*a*a…*b`` against a long name takes time proportional to name length times pattern
length, never exponential.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from floe_runtime.ports.errors import GlobError

MAX_PATTERN = 1000
"""Longest floe.yaml glob accepted; matching costs name length times pattern length."""

Predicate = Callable[[str], bool]
# A state: ("char", predicate, next) consumes one character; ("star", None, next) consumes any
# character but a newline and stays, or moves on to next without consuming; ("split", None,
# targets) moves on to every target; ("match", None, None) accepts.
_State = tuple[str, Predicate | None, object]


@dataclass(frozen=True)
class Glob:
    """A compiled pattern: ``match(name)`` says whether the whole name matches."""

    pattern: str
    states: tuple[_State, ...]
    start: int
    segments: tuple[str, ...] | None = None

    def match(self, text: str) -> bool:
        if self.segments is not None and "\n" not in text:
            return _match_segments(self.segments, text)
        current = self._closure({self.start})
        for index, char in enumerate(text):
            if index == len(text) - 1 and char == "\n" and self._accepts(current):
                return True  # "$" before a final newline
            following: set[int] = set()
            for state in current:
                kind, predicate, target = self.states[state]
                if kind == "char" and predicate is not None and predicate(char):
                    following.add(target)  # type: ignore[arg-type]
                elif kind == "star" and char != "\n":
                    following.add(state)
            if not following:
                return False
            current = self._closure(following)
        return self._accepts(current)

    def _accepts(self, states: set[int]) -> bool:
        return any(self.states[state][0] == "match" for state in states)

    def _closure(self, states: set[int]) -> set[int]:
        reached = set(states)
        stack = list(states)
        while stack:
            kind, _, target = self.states[stack.pop()]
            targets: tuple[int, ...] = ()
            if kind == "star":
                targets = (target,)  # type: ignore[assignment]
            elif kind == "split":
                targets = target  # type: ignore[assignment]
            for following in targets:
                if following not in reached:
                    reached.add(following)
                    stack.append(following)
        return reached


def _match_segments(segments: tuple[str, ...], text: str) -> bool:
    """Literal segments around ``*``: the first anchored at the start, the last at the end, the
    others found leftmost in between (leftmost is optimal when ``*`` may match anything)."""
    if len(segments) == 1:
        return text == segments[0]
    first, *middle, last = segments
    if len(text) < len(first) + len(last) or not text.startswith(first):
        return False
    position, end = len(first), len(text) - len(last)
    for segment in middle:
        found = text.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return text.endswith(last)


class _Builder:
    """Pattern text → states, built back to front so each state knows its successor."""

    def __init__(self, pattern: str, wildcard_only: bool) -> None:
        if not wildcard_only and len(pattern) > MAX_PATTERN:
            raise GlobError(f"pattern is longer than {MAX_PATTERN} characters", MAX_PATTERN + 1)
        self.pattern = pattern
        self.wildcard_only = wildcard_only
        self.states: list[_State] = [("match", None, None)]

    def add(self, state: _State) -> int:
        self.states.append(state)
        return len(self.states) - 1

    def build(self) -> Glob:
        items, end = self.sequence(0, in_braces=False)
        if end != len(self.pattern):  # pragma: no cover - the top level consumes everything
            raise GlobError("unexpected '}'", end + 1)
        start = self.chain(items, 0)
        return Glob(self.pattern, tuple(self.states), start, self.segments())

    def segments(self) -> tuple[str, ...] | None:
        """The literal parts between ``*``s, when the pattern has nothing else special."""
        special = "*" if self.wildcard_only else "*?[]{},"
        if any(ch in special for ch in self.pattern.replace("*", "")):
            return None
        return tuple(self.pattern.split("*"))

    def chain(self, items: list[object], following: int) -> int:
        for item in reversed(items):
            if item == "*":
                following = self.add(("star", None, following))
            elif isinstance(item, list):
                branches = tuple(self.chain(branch, following) for branch in item)
                following = self.add(("split", None, branches))
            else:
                following = self.add(("char", item, following))  # type: ignore[arg-type]
        return following

    def sequence(self, i: int, in_braces: bool) -> tuple[list[object], int]:
        pattern = self.pattern
        items: list[object] = []
        while i < len(pattern):
            ch = pattern[i]
            if ch == "*":
                if not items or items[-1] != "*":
                    items.append("*")
            elif self.wildcard_only:
                items.append(_literal(ch))
            elif ch == "?":
                items.append(_not_newline)
            elif ch == "[":
                predicate, i = self.char_class(i)
                items.append(predicate)
            elif ch == "{":
                branches, i = self.braces(i)
                items.append(branches)
            elif ch == "}" or (ch == "," and in_braces):
                if not in_braces:
                    raise GlobError("'}' without a matching '{'", i + 1)
                return items, i
            else:
                items.append(_literal(ch))
            i += 1
        return items, i

    def char_class(self, i: int) -> tuple[Predicate, int]:
        pattern = self.pattern
        close = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
        if close < 0:
            raise GlobError("'[' is not closed by ']'", i + 1)
        body = pattern[i + 1 : close]
        negate = body.startswith("!")
        body = body[1:] if negate else body
        if not body:
            raise GlobError("'[!]' matches no character; write '[!]]' for 'not ]'", i + 1)
        singles: set[str] = set()
        ranges: list[tuple[str, str]] = []
        j = 0
        while j < len(body):
            if j + 2 < len(body) and body[j + 1] == "-":
                low, high = body[j], body[j + 2]
                if low > high:
                    raise GlobError(
                        f"range '{low}-{high}' is reversed; write '{high}-{low}'", i + 1
                    )
                ranges.append((low, high))
                j += 3
            else:
                singles.add(body[j])
                j += 1
        frozen, spans = frozenset(singles), tuple(ranges)

        def predicate(char: str) -> bool:
            inside = char in frozen or any(low <= char <= high for low, high in spans)
            return inside != negate

        return predicate, close

    def braces(self, start: int) -> tuple[list[list[object]], int]:
        branches: list[list[object]] = []
        i = start + 1
        while True:
            items, i = self.sequence(i, in_braces=True)
            if i >= len(self.pattern):
                raise GlobError("'{' is not closed by '}'", start + 1)
            branches.append(items)
            if self.pattern[i] == "}":
                return branches, i
            i += 1


def _literal(expected: str) -> Predicate:
    return lambda char: char == expected


def _not_newline(char: str) -> bool:
    return char != "\n"


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> Glob:
    """A floe.yaml glob (``* ? [ab] [!ab] {a,b}``), or GlobError naming the column."""
    return _Builder(pattern, wildcard_only=False).build()


@lru_cache(maxsize=4096)
def compile_wildcard(pattern: str) -> Glob:
    """Dagster's ``key:``/``group:`` wildcard: ``*`` is any run of characters, the rest literal."""
    return _Builder(pattern, wildcard_only=True).build()
