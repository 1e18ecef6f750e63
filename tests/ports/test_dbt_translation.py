"""The ``dbt.translation`` template language: fields, literal braces, and refusals that say
which part is wrong. Nothing in a template is evaluated."""

from __future__ import annotations

import pytest

from floe_runtime.ports.dbt_manifest.translation import MAX_TEMPLATE, Field, parse, render, rules
from floe_runtime.ports.errors import TemplateError

MODEL = {
    "unique_id": "model.taxi.trips",
    "resource_type": "model",
    "name": "trips",
    "schema": "main",
    "fqn": ["taxi", "marts", "trips"],
}


def test_fields_indexes_and_literal_braces() -> None:
    assert parse("{fqn[1]}_{name}") == (Field("fqn", 1), "_", Field("name", None))
    assert render(parse("{{x}}-{fqn[-1]}"), MODEL, "trips") == "{x}-trips"
    assert render(parse("{key}/{schema}"), MODEL, "a/trips") == "a/trips/main"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{name.__class__}", "is not a field"),
        ("{nme}", "is not a field; fields: name"),
        ("{fqn}", "fqn needs an index"),
        ("{name[0]}", "takes no index"),
        ("a{name", "is not closed"),
        ("a}b", "a lone '}'"),
        ("{" * (MAX_TEMPLATE + 1), f"at most {MAX_TEMPLATE} characters"),
    ],
)
def test_malformed_templates_are_refused(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse(template)


def test_a_template_that_does_not_fit_a_node_names_the_node() -> None:
    with pytest.raises(TemplateError, match=r"model.taxi.trips: \{fqn\[5\]\} is outside"):
        render(parse("{fqn[5]}"), MODEL, "trips")
    with pytest.raises(TemplateError, match=r"model\.taxi\.trips has no source_name"):
        render(parse("{source_name}"), MODEL, "trips")


def test_key_and_prefix_apply_as_dagster_components_do() -> None:
    """``key_prefix`` goes in front of the key (the templated one, else the default), as the
    DbtProjectComponent's translation does with ``AssetKey.with_prefix``."""
    assert rules("{fqn[1]}/{name}", ["warehouse"]).apply_key(MODEL, ["trips"]) == [
        "warehouse",
        "marts",
        "trips",
    ]
    assert rules(None, ["a/b"]).apply_key(MODEL, ["main", "trips"]) == ["a", "b", "main", "trips"]
    with pytest.raises(TemplateError, match="not an asset key"):
        rules("{name}/", []).apply_key(MODEL, ["trips"])
