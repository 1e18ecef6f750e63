"""``${VAR:default}`` in every string value of floe.yaml, before validation.

A substituted string is returned as ``Interpolated`` so that typed fields (booleans, integers,
enumerations) can re-read it: ``enabled: "${X:true}"`` becomes ``True`` while a literal
``enabled: "true"`` stays a (wrong) string, exactly as the JSON Schema says. Every variable used is
recorded with its value and where the value came from; secret-looking variables are refused
before their value is ever read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from floe_runtime.base.diagnostics import Diagnostic, JsonPath
from floe_runtime.base.secrets import PLATFORM_HINT, is_secret_name, literal_secret_kind
from floe_runtime.spec.yaml_loader import SourceMap

_TOKEN = re.compile(r"\$\$\{|\$\{")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SYNTAX_HINT = "write ${NAME} or ${NAME:default}; $${ writes a literal ${"


class Interpolated(str):
    """A string built (at least partly) from ``${...}``; typed fields may re-type it."""

    __slots__ = ()


@dataclass(frozen=True)
class Variable:
    """A variable used by floe.yaml: its value and where the value came from."""

    name: str
    value: str
    source: str


@dataclass(frozen=True)
class Layer:
    """One source of variable values, e.g. ``("cli", {...})``; earlier layers win."""

    source: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class _Reference:
    name: str
    default: str | None
    start: int
    end: int


class _Problem(Exception):
    pass


def _references(text: str) -> tuple[list[_Reference | str], list[str]]:
    """Split a string into literal text and references; also return syntax problems."""
    parts: list[_Reference | str] = []
    problems: list[str] = []
    pos = 0
    literal = ""
    for match in _TOKEN.finditer(text):
        if match.start() < pos:
            continue
        literal += text[pos : match.start()]
        if match.group() == "$${":
            literal += "${"
            pos = match.end()
            continue
        close = text.find("}", match.end())
        if close < 0:
            problems.append("'${' is not closed by '}'")
            literal += text[match.start() :]
            pos = len(text)
            break
        body = text[match.end() : close]
        name, sep, default = body.partition(":")
        if "${" in body:
            problems.append("a ${...} cannot contain another ${...}")
        elif not _NAME.match(name):
            problems.append(
                f"{'${' + name + '}'!r} is not a variable name "
                "(letters, digits and _, not starting with a digit)"
            )
        if literal:
            parts.append(literal)
            literal = ""
        parts.append(_Reference(name, default if sep else None, match.start(), close + 1))
        pos = close + 1
    literal += text[pos:]
    if literal:
        parts.append(literal)
    return parts, problems


def reference_names(text: str) -> list[str]:
    """The variables ``text`` refers to, in order."""
    return [part.name for part in _references(text)[0] if isinstance(part, _Reference)]


def lookup(name: str, layers: Sequence[Layer]) -> tuple[str, str] | None:
    """The value of ``name`` and its source, from the first layer that has it."""
    for layer in layers:
        if name in layer.values:
            return layer.values[name], layer.source
    return None


@dataclass
class _Walk:
    source: SourceMap
    layers: Sequence[Layer]
    used: dict[str, Variable]
    diagnostics: list[Diagnostic]

    def error(
        self, message: str, path: JsonPath, hint: str | None, code: str, column: int | None = None
    ) -> None:
        """Report a problem at the value, or at ``column`` inside the string value."""
        where = None if column is None else self.source.inside_string(path, column)
        self.diagnostics.append(
            self.source.diagnostic(message, path, hint=hint, code=code, position=where)
        )

    def value(self, value: Any, path: JsonPath) -> Any:
        if isinstance(value, dict):
            return {k: self.entry(k, v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.string(value, path)
        return value

    def entry(self, key: str, value: Any, path: JsonPath) -> Any:
        if isinstance(value, str) and value and is_secret_name(key):
            self.error(
                f"{key!r} looks like a secret; floe.yaml must not carry credentials",
                path,
                PLATFORM_HINT,
                "secret",
            )
            return value
        return self.value(value, path)

    def string(self, text: str, path: JsonPath) -> str:
        kind = literal_secret_kind(text)
        if kind is not None:
            self.error(f"this value looks like {kind}", path, PLATFORM_HINT, "secret")
            return text
        if "${" not in text:
            return text
        parts, problems = _references(text)
        for problem in problems:
            self.error(f"invalid interpolation: {problem}", path, _SYNTAX_HINT, "interpolation")
        if problems:
            return text
        out: list[str] = []
        substituted = False
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            substituted = True
            resolved = self.resolve(part, path)
            if resolved is None:
                return text
            out.append(resolved)
        result = "".join(out)
        if not substituted:
            return result
        kind = literal_secret_kind(result)
        if kind is not None:
            self.error(
                f"the value substituted here looks like {kind}",
                path,
                PLATFORM_HINT,
                "secret",
            )
            return text
        return Interpolated(result)

    def resolve(self, ref: _Reference, path: JsonPath) -> str | None:
        if is_secret_name(ref.name):
            self.error(
                f"variable {ref.name} looks like a secret and cannot be used in floe.yaml",
                path,
                PLATFORM_HINT,
                "secret",
                ref.start + 1,
            )
            return None
        found = lookup(ref.name, self.layers)
        if found is None:
            if ref.default is None:
                self.error(
                    f"variable {ref.name} is not set and has no default",
                    path,
                    f"set {ref.name} in the environment's .env file, the process environment or "
                    f"with --var {ref.name}=..., or give a default: ${{{ref.name}:...}}",
                    "missing-variable",
                    ref.start + 1,
                )
                return None
            found = (ref.default, "default")
        value, source = found
        first = self.used.setdefault(ref.name, Variable(ref.name, value, source))
        if first.value != value:
            self.diagnostics.append(
                self.source.diagnostic(
                    f"variable {ref.name} is unset and its defaults differ between uses",
                    path,
                    hint="give every use of the variable the same default",
                    severity="warning",
                    code="interpolation",
                )
            )
        return value


def interpolate(
    data: Any, source: SourceMap, layers: Sequence[Layer]
) -> tuple[Any, dict[str, Variable], list[Diagnostic]]:
    """Substitute every ``${VAR:default}``; return the new data, the variables used and problems.

    Mapping keys are names, not values, and are never interpolated.
    """
    walk = _Walk(source, layers, {}, [])
    result = walk.value(data, ())
    return result, dict(sorted(walk.used.items())), walk.diagnostics
