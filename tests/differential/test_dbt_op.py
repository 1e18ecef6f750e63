"""The runtime's default dbt op, built without dbt's selector, against real ``@dbt_assets``.

``definitions.dbt`` skips dagster-dbt's evaluation of ``select="fqn:*"`` (a dbt ``Manifest``
and a networkx graph, the largest part of building the op) because its answer is every node
of the manifest. Everything Dagster sees must be what ``@dbt_assets`` itself makes of the same
manifest and translator: the op, its tags, every asset spec and every check spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from floe_runtime.ports.dbt_manifest.translation import NONE
from tests.differential.test_dbt_manifest import _synthetic
from tests.helpers.dbt import Parsed
from tests.ports.test_dbt_manifest import PYTHON_ASSETS

pytestmark = pytest.mark.differential

dg = pytest.importorskip("dagster")
dagster_dbt = pytest.importorskip("dagster_dbt")
dbt = pytest.importorskip("floe_runtime.definitions.dbt")


def _metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata by value; dagster-dbt's manifest wrapper and translator by what they carry."""
    shown: dict[str, Any] = {}
    for key, value in metadata.items():
        if isinstance(value, dagster_dbt.DagsterDbtTranslator):
            value = type(value)
        elif type(value).__name__ == "DbtManifestWrapper":
            value = id(value.manifest)
        shown[key] = value
    return shown


def _view(definition: Any) -> dict[str, Any]:
    specs = {
        spec.key: {
            **{field: getattr(spec, field) for field in _SPEC_FIELDS},
            "deps": sorted((d.asset_key, d.partition_mapping, d.metadata) for d in spec.deps),
            "metadata": _metadata(spec.metadata),
        }
        for spec in definition.specs
    }
    checks = {
        spec.key: (spec.description, spec.blocking, spec.additional_deps, spec.metadata)
        for spec in definition.check_specs
    }
    return {
        "op": definition.op.name,
        "tags": dict(definition.op.tags),
        "can_subset": definition.can_subset,
        "partitions": definition.partitions_def,
        "backfill_policy": definition.backfill_policy,
        "resources": definition.required_resource_keys,
        "inputs": dict(definition.keys_by_input_name),
        "outputs": dict(definition.keys_by_output_name),
        "specs": specs,
        "checks": checks,
    }


_SPEC_FIELDS = (
    "description",
    "skippable",
    "group_name",
    "code_version",
    "automation_condition",
    "owners",
    "tags",
    "kinds",
    "partitions_def",
    "is_virtual",
)


def _both(
    manifest: Mapping[str, Any], partitions: dg.PartitionsDefinition | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    def translator() -> Any:
        return dbt.FloeTranslator({}, PYTHON_ASSETS, NONE)

    def body(context):  # type: ignore[no-untyped-def]  # annotations confuse dagster
        raise NotImplementedError  # only the definitions are compared; nothing runs

    real = dagster_dbt.dbt_assets(
        manifest=manifest,
        name="dbt_shop",
        dagster_dbt_translator=translator(),
        partitions_def=partitions,
    )(body)
    ours = dbt._all_nodes_op(manifest, translator(), "dbt_shop", partitions, None)(body)
    return _view(ours), _view(real)


def test_the_demo_op_is_the_one_dbt_assets_builds(parsed: Parsed) -> None:
    ours, real = _both(parsed.demo)
    assert ours == real
    assert real["checks"], "the demo has dbt tests: checks are compared too"


def test_a_large_synthetic_op_is_the_one_dbt_assets_builds(parsed: Parsed) -> None:
    ours, real = _both(_synthetic(parsed.demo, models=400, seed=11))
    assert ours == real
    assert len(real["specs"]) > 300  # less the ephemeral models


def test_time_partitions_get_dbt_assets_default_backfill_policy(parsed: Parsed) -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    ours, real = _both(parsed.demo, daily)
    assert ours == real
    assert real["backfill_policy"] == dg.BackfillPolicy.single_run()
