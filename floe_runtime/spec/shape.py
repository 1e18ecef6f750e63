"""Check the shape of floe.yaml with the models and say what is wrong in the user's words.

Pydantic reports locations inside its own structures (union members, tags); this module maps
each error back to the key or value the user wrote, with its line and column, a plain message
and, where a name is close to a known one, a "did you mean".
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from floe_runtime.base.annotations import subclass_of
from floe_runtime.base.diagnostics import Diagnostic, JsonPath, did_you_mean, known_list
from floe_runtime.spec.fields import TAG_KEY
from floe_runtime.spec.interpolation import Interpolated
from floe_runtime.spec.models import FloeProject
from floe_runtime.spec.yaml_loader import SourceMap

# What input each "wrong type" error expected; used to pick, among the failed members of a union,
# the one the user evidently meant (a string for an enum, a mapping for an entity...).
_EXPECTS: dict[str, type | tuple[type, ...]] = {
    "string_type": str,
    "literal_error": str,
    "string_pattern_mismatch": str,
    "dict_type": dict,
    "model_type": dict,
    "model_attributes_type": dict,
    "entity_type": dict,
    "list_type": list,
    "int_type": int,
    "bool_type": bool,
    "float_type": (int, float),
    "none_required": type(None),
}


def build_project(data: Any, source: SourceMap) -> tuple[FloeProject | None, list[Diagnostic]]:
    """Validate interpolated data against the model; every problem becomes a Diagnostic."""
    try:
        return FloeProject.model_validate(data), []
    except ValidationError as exc:
        return None, translate(exc.errors(include_url=False, include_input=True), data, source)


def translate(errors: list[ErrorDetails], data: Any, source: SourceMap) -> list[Diagnostic]:
    located = [(_real_path(err["loc"], err["type"], data), err) for err in errors]
    out: list[Diagnostic] = []
    seen: set[tuple[JsonPath, str]] = set()
    for (path, via_union, key_error), err in located:
        if via_union and err["type"] in _EXPECTS and _better_explained(path, err, located, data):
            continue
        diagnostic = _diagnostic(path, key_error, err, data, source)
        marker = (diagnostic.path, diagnostic.message)
        if marker not in seen:
            seen.add(marker)
            out.append(diagnostic)
    return out


def _better_explained(path: JsonPath, err: ErrorDetails, located: list[Any], data: Any) -> bool:
    """A union member failed only because the input had another type: say so only when no
    other member's error explains the problem better (one deeper inside the value, or one
    whose member expected the kind of value the user wrote)."""
    value = _value_at(data, path)
    fits = isinstance(value, _EXPECTS[err["type"]]) and not (
        isinstance(value, bool) and err["type"] in ("int_type", "float_type")
    )
    for (other_path, via_union, _), other in located:
        if other is err or other_path[: len(path)] != path:
            continue
        if len(other_path) > len(path) or not via_union or other["type"] not in _EXPECTS:
            return True
        if not fits and isinstance(value, _EXPECTS[other["type"]]):
            return True
    return False


def _real_path(loc: tuple[int | str, ...], kind: str, data: Any) -> tuple[JsonPath, bool, bool]:
    """Drop pydantic's union and tag labels from ``loc``: keep only keys the user wrote (and,
    for a missing or unknown key, that key)."""
    path: list[str | int] = []
    node = data
    via_union = False
    key_error = False
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if part == "[key]":
            key_error = True
            continue
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                path.append(part)
                node = node[part]
            elif last and kind in ("missing", "extra_forbidden"):
                path.append(part)
            else:
                via_union = True
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        else:
            via_union = True
    return tuple(path), via_union, key_error


def _value_at(data: Any, path: JsonPath) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _diagnostic(
    path: JsonPath, key_error: bool, err: ErrorDetails, data: Any, source: SourceMap
) -> Diagnostic:
    kind = err["type"]
    value = _value_at(data, path)
    where = source.key_at(path) if key_error or kind == "extra_forbidden" else source.value_at(path)
    if kind == "entity_type" and isinstance(value, dict) and "type" in value:
        where = source.value_at((*path, "type"))
    message, hint = _words(kind, err, path, value, key_error, data)
    if kind == "missing":
        where = source.key_at(path[:-1]) if path[:-1] else source.value_at(())
    return Diagnostic(message, source.file, where, path, hint, code=f"shape:{kind}")


def _words(
    kind: str, err: ErrorDetails, path: JsonPath, value: Any, key_error: bool, data: Any
) -> tuple[str, str | None]:
    name = str(path[-1]) if path else "floe.yaml"
    fields = _fields_at(path[:-1], data)
    if kind == "extra_forbidden":
        return f"unknown key {name!r}", did_you_mean(name, fields) or (
            f"allowed keys: {known_list(fields, 12)}"
        )
    if kind == "missing":
        return f"missing required key {name!r}", None
    if key_error and kind == "string_pattern_mismatch" and _pattern(err) == TAG_KEY:
        return (
            f"{name!r} is not a valid Dagster tag key",
            "letters, digits, '_', '-' and '.', at most 63, with an optional 'namespace/' in front",
        )
    if key_error and kind == "string_pattern_mismatch":
        return (
            f"{name!r} is not a valid name",
            "names use letters, digits and _, and do not start with a digit",
        )
    if kind == "entity_type":
        return _entity_words(err, value)
    if kind == "literal_error":
        expected = _literal_values(path, data)
        hint = did_you_mean(str(value), expected) if isinstance(value, str) else None
        return f"{_shown(value)} is not one of {known_list(expected)}", hint
    if kind == "string_pattern_mismatch":
        if "/" in str(err.get("ctx", {}).get("pattern", "")):
            return (
                f"{_shown(value)} is not a valid Dagster group name",
                "use letters, digits and _, optionally in segments separated by /",
            )
        return (
            f"{_shown(value)} is not a valid name",
            "names use letters, digits and _, and do not start with a digit",
        )
    if kind in ("too_short", "too_long", "string_too_short"):
        return _size_words(err, value, name)
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {err.get('ctx', {}).get('ge', 1)}", None
    if kind in (
        "string_type",
        "int_type",
        "bool_type",
        "float_type",
        "dict_type",
        "list_type",
        "model_type",
        "model_attributes_type",
        "int_from_float",
    ):
        return _type_words(kind, value)
    if kind == "value_error":  # raised by floe's own validators: their message is the reason
        return str(err["msg"]).removeprefix("Value error, "), None
    return err["msg"], None


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "float_type": "a number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def _type_words(kind: str, value: Any) -> tuple[str, str | None]:
    expected = _EXPECTED[kind]
    hint = None
    if kind == "string_type" and isinstance(value, (int, float, bool)):
        hint = "quote the value to make it a string"
    elif kind in ("int_type", "float_type") and isinstance(value, str):
        hint = "write the number without quotes, or take it from ${VAR:default}"
    elif kind == "bool_type" and isinstance(value, str):
        hint = (
            "YAML 1.2 reads only true/false as booleans"
            if value.lower() in ("yes", "no", "on", "off", "y", "n")
            else "write true or false without quotes, or take it from ${VAR:default}"
        )
    elif kind == "list_type" and isinstance(value, str):
        hint = f"write a list: [{value}]"
    return f"expected {expected}, got {_describe(value)}", hint


def _size_words(err: ErrorDetails, value: Any, name: str) -> tuple[str, str | None]:
    ctx = err.get("ctx", {})
    if isinstance(value, dict) and name == "partitions":
        return f"a multi partition has exactly two dimensions, not {len(value)}", None
    if isinstance(value, str):
        return f"{name} must not be empty", None
    if "min_length" in ctx:
        return f"{name} needs at least {ctx['min_length']} item(s)", None
    count = f" (this file has {len(value):,})" if isinstance(value, (dict, list)) else ""
    return f"{name} takes at most {ctx.get('max_length', 0):,} item(s){count}", None


def _entity_words(err: ErrorDetails, value: Any) -> tuple[str, str | None]:
    message = str(err["msg"])
    what, _, options = message.partition(" needs a literal `type:` — one of ")
    choices = [o.strip("' ") for o in options.split(",")]
    if not isinstance(value, dict):
        return f"{what} must be a mapping with a `type:` key, got {_describe(value)}", None
    kind = value.get("type")
    if kind is None:
        return f"{what} needs `type:` — one of {options}", None
    if isinstance(kind, Interpolated):
        return (
            f"`type` of {what} cannot come from a variable",
            "write the type literally; it decides which keys are allowed",
        )
    if not isinstance(kind, str):
        return f"`type` of {what} must be one of {options}", None
    return f"unknown type {kind!r} for {what}: expected one of {options}", did_you_mean(
        kind, choices
    )


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return _describe(value)


# ── walking the model alongside the data, for "did you mean" ──────────────────────────────────


def _unwrap(annotation: Any) -> Iterator[Any]:
    """The concrete types an annotation may hold (through Annotated, Optional and Union)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        yield from _unwrap(get_args(annotation)[0])
    elif origin is typing.Union or origin is types.UnionType:
        for arg in get_args(annotation):
            yield from _unwrap(arg)
    else:
        yield annotation


def _models(annotation: Any, node: Any) -> list[type[BaseModel]]:
    """The models an annotation may hold; for a union on ``type``, the one ``node`` selects."""
    models = [c for c in _unwrap(annotation) if subclass_of(c, BaseModel)]
    tag = node.get("type") if isinstance(node, dict) else None
    if len(models) > 1 and tag is not None:
        models = [m for m in models if tag in _literal_args(m.model_fields.get("type"))]
    return models


def _literal_args(field: Any) -> set[Any]:
    if field is None:
        return set()
    return {v for t in _unwrap(field.annotation) if get_origin(t) is Literal for v in get_args(t)}


def _step(annotation: Any, part: str | int, node: Any) -> Any:
    """The annotation one level below ``annotation`` along ``part``."""
    for model in _models(annotation, node):
        field = model.model_fields.get(str(part))
        if field is not None:
            return field.annotation
    for candidate in _unwrap(annotation):
        origin = get_origin(candidate)
        if origin is dict and isinstance(part, str):
            return get_args(candidate)[1]
        if origin is list and isinstance(part, int):
            return get_args(candidate)[0]
    return None


def _annotation_at(path: JsonPath, data: Any) -> Any:
    annotation: Any = FloeProject
    node = data
    for part in path:
        annotation = _step(annotation, part, node)
        if annotation is None:
            return None
        node = _value_at(node, (part,))
    return annotation


def _fields_at(path: JsonPath, data: Any) -> list[str]:
    """Keys allowed in the mapping at ``path`` (for the variant its ``type`` selects)."""
    models = _models(_annotation_at(path, data), _value_at(data, path))
    return [name for model in models for name in model.model_fields]


def _literal_values(path: JsonPath, data: Any) -> list[str]:
    annotation = _annotation_at(path, data)
    return [
        str(v)
        for candidate in _unwrap(annotation)
        if get_origin(candidate) is Literal
        for v in get_args(candidate)
    ]


def _pattern(err: ErrorDetails) -> str:
    return str(err.get("ctx", {}).get("pattern", ""))
