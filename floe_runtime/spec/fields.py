"""The field types of the floe.yaml model: names, templates, tags, and the values a
``${VAR}`` may fill.

Fields that interpolation may fill with a typed value (booleans, integers, enumerations, names)
accept a ``${...}`` string in the JSON Schema too, and re-read an interpolated string by YAML rules
here; constraints are ``StringConstraints``/``annotated_types`` rather than ``Field(...)`` inside
``Annotated`` (pydantic 2.11.0 leaked one field's default into every alias built that way).
"""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from floe_runtime.ports.dbt_manifest import translation as templates
from floe_runtime.ports.errors import TemplateError
from floe_runtime.spec.interpolation import Interpolated
from floe_runtime.spec.yaml_scalars import resolve_plain_scalar

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
GROUP_NAME = r"^[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*$"
INTERPOLATION = r"\$\{[A-Za-z_][A-Za-z0-9_]*(:[^}]*)?\}"
# Dagster's VALID_TAG_KEY_REGEX (dagster/_utils/tags.py): Dagster warns on other keys; floe refuses.
TAG_KEY = r"^([A-Za-z0-9_.-]{1,63}/|dagster/kind/)?[A-Za-z0-9_.-]{1,63}$"


class _FromVariable:
    """Marks a typed field that may be written as ``${VAR:default}``.

    Validation re-reads an ``Interpolated`` string by YAML rules (``"5"`` → 5, ``"true"`` → True)
    when ``retype`` is set; the JSON Schema accepts any string holding a ``${...}`` reference.
    """

    def __init__(self, retype: bool) -> None:
        self.retype = retype

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        inner = handler(source)
        if not self.retype:
            return inner
        return core_schema.no_info_before_validator_function(_retype, inner)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        variable = {
            "type": "string",
            "pattern": INTERPOLATION,
            "description": "filled from a variable: ${NAME} or ${NAME:default}",
        }
        return {"anyOf": [handler(schema), variable]}


def _retype(value: Any) -> Any:
    return resolve_plain_scalar(str(value)) if isinstance(value, Interpolated) else value


def _retype_tree(value: Any) -> Any:
    """Free-form arguments have no field type: a variable's value is read as YAML would."""
    if isinstance(value, dict):
        return {k: _retype_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_retype_tree(v) for v in value]
    return _retype(value)


Typed = _FromVariable(retype=True)
Text = _FromVariable(retype=False)

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER), Text]
Name = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Bool = Annotated[bool, Typed]
PositiveInt = Annotated[int, Ge(1), Typed]
Arguments = Annotated[dict[str, Any], BeforeValidator(_retype_tree)]


def _template(value: str) -> str:
    try:
        templates.parse(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


Template = Annotated[str, StringConstraints(min_length=1), AfterValidator(_template)]
Tags = dict[
    Annotated[str, StringConstraints(pattern=TAG_KEY)],
    Annotated[str, StringConstraints(max_length=4096)],
]
RunConfig = Annotated[
    Arguments,
    Field(
        examples=[{"ops": {"orders": {"config": {"limit": 10}}}}],
        description="Dagster run config (ops → op or asset name → config), as the UI's launchpad "
        "takes it; values from variables are read as YAML.",
    ),
]


def _type_tag(value: Any) -> str | None:
    """The ``type`` of an entity. It selects the shape, so it must be written literally."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if type(kind) is str else None


def on_type(what: str, *tags: str) -> Discriminator:
    """Pick a union member by its literal ``type``; name the choices when it is wrong."""
    choices = ", ".join(repr(tag) for tag in tags)
    return Discriminator(
        _type_tag,
        custom_error_type="entity_type",
        custom_error_message=f"{what} needs a literal `type:` — one of {choices}",
    )


class FloeModel(BaseModel):
    """Every floe.yaml object: frozen, no unknown keys, no coercion (``\"5\"`` is not 5)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
