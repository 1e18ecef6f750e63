"""The published artifact schema describes resolved artifacts: a compiled environment holds the
values its variables were filled with, never a `${VAR}` reference (floe.yaml's schema does)."""

from __future__ import annotations

import json

from floe_runtime.artifact import json_schemas
from tests.helpers.paths import REPO


def test_the_artifact_schema_accepts_no_variable_reference() -> None:
    text = (REPO / "schemas" / "compiled-artifacts.schema.json").read_text(encoding="utf-8")
    assert "${" not in text
    assert text == json_schemas.rendered(json_schemas.artifact_schema)


def test_floe_yaml_schema_still_takes_variables_where_floe_yaml_may_use_them() -> None:
    schema = json.loads((REPO / "schemas" / "floe.schema.json").read_text(encoding="utf-8"))
    assert "${" in json.dumps(schema)
