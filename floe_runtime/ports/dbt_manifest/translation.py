"""floe.yaml's ``dbt.translation``: a custom ``DagsterDbtTranslator`` written as templates.

Dagster's ``DbtProjectComponent`` takes ``translation:`` templates in Jinja over the dbt node
(``{{ node.name }}``, ``{{ node.fqn[1] }}``). floe takes the same idea in a language that cannot
run anything: ``{field}`` or ``{field[index]}`` over a fixed set of the node's fields, ``{{`` and
``}}`` for literal braces. Parsing and rendering are one pass over the text; nothing is
evaluated, no attribute of any object is reached. The compiler (the asset graph) and the
runtime (the translator it builds from the artifact) render with these same functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from floe_runtime.ports.errors import TemplateError

MAX_TEMPLATE = 200
FIELDS: Final = (
    "name",
    "alias",
    "schema",
    "database",
    "resource_type",
    "package_name",
    "source_name",
    "identifier",
    "fqn",
    "key",
)
"""What a template may name: the dbt node's own fields (``source_name``, ``identifier``: sources
only), ``fqn`` with an index (``fqn[1]`` is the first folder under ``models/``; negative
indexes count from the end), and ``key``, the key dagster-dbt (or floe's source rule) gives."""
_FIELD: Final = re.compile(r"([a-z_]+)(?:\[(-?\d{1,3})\])?\Z")


@dataclass(frozen=True)
class Field:
    name: str
    index: int | None


Part = str | Field


def parse(template: str) -> tuple[Part, ...]:
    """The template's literal text and fields, in order; :class:`TemplateError` if malformed."""
    if len(template) > MAX_TEMPLATE:
        raise TemplateError(f"a template is at most {MAX_TEMPLATE} characters")
    parts: list[Part] = []
    literal: list[str] = []
    at, size = 0, len(template)
    while at < size:
        char = template[at]
        if char in "{}" and template[at + 1 : at + 2] == char:
            literal.append(char)
            at += 2
            continue
        if char == "}":
            raise TemplateError("a lone '}': write '}}' for a literal brace")
        if char != "{":
            literal.append(char)
            at += 1
            continue
        end = template.find("}", at)
        if end < 0:
            raise TemplateError("a '{' is not closed: write '{{' for a literal brace")
        parts.append("".join(literal))
        literal = []
        parts.append(_field(template[at + 1 : end]))
        at = end + 1
    parts.append("".join(literal))
    return tuple(part for part in parts if part != "")


def _field(text: str) -> Field:
    match = _FIELD.match(text)
    if match is None or match[1] not in FIELDS:
        known = ", ".join(FIELDS)
        raise TemplateError(f"{{{text}}} is not a field; fields: {known} (fqn takes [index])")
    name, index = match[1], match[2]
    if (name == "fqn") != (index is not None):
        raise TemplateError(
            "fqn needs an index, like {fqn[1]}" if name == "fqn" else f"{{{name}}} takes no index"
        )
    return Field(name, None if index is None else int(index))


def render(parts: Sequence[Part], props: Mapping[str, Any], key: str) -> str:
    """The template filled from one dbt node (``key``: its key before translation)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = key if part.name == "key" else props.get(part.name)
        if part.index is not None:
            items = value if isinstance(value, list) else []
            if not -len(items) <= part.index < len(items):
                raise TemplateError(
                    f"{props.get('unique_id')}: {{fqn[{part.index}]}} is outside its fqn {items!r}"
                )
            value = items[part.index]
        if not isinstance(value, str) or not value:
            raise TemplateError(f"{props.get('unique_id')} has no {part.name} for {{{part.name}}}")
        out.append(value)
    return "".join(out)


def key_parts(text: str, what: str) -> list[str]:
    """A rendered key: components joined by '/', as Dagster's ``AssetKey.from_user_string``."""
    parts = text.split("/")
    if not all(parts):
        raise TemplateError(f"{what}: {text!r} is not an asset key (an empty '/' component)")
    return parts


@dataclass(frozen=True)
class Rules:
    """One kind of node's templates: its key (else the default), a key prefix, its group."""

    key: tuple[Part, ...] | None = None
    key_prefix: tuple[tuple[Part, ...], ...] = ()
    group_name: tuple[Part, ...] | None = None

    def apply_key(self, props: Mapping[str, Any], default: Sequence[str]) -> list[str]:
        joined = "/".join(default)
        where = str(props.get("unique_id"))
        parts = list(default)
        if self.key is not None:
            parts = key_parts(render(self.key, props, joined), where)
        prefix = [p for t in self.key_prefix for p in key_parts(render(t, props, joined), where)]
        return prefix + parts

    def apply_group(self, props: Mapping[str, Any], default: str | None, key: str) -> str | None:
        return default if self.group_name is None else render(self.group_name, props, key)


@dataclass(frozen=True)
class Translation:
    """``nodes`` for models, seeds and snapshots (the dbt assets), ``sources`` for sources."""

    nodes: Rules = Rules()
    sources: Rules = Rules()

    @property
    def renames_sources(self) -> bool:
        return self.sources.key is not None or bool(self.sources.key_prefix)


NONE: Final = Translation()


def rules(key: str | None, key_prefix: Sequence[str], group_name: str | None = None) -> Rules:
    """Parsed :class:`Rules` from floe.yaml's strings (already checked by the spec)."""
    return Rules(
        key=None if key is None else parse(key),
        key_prefix=tuple(parse(p) for p in key_prefix),
        group_name=None if group_name is None else parse(group_name),
    )
