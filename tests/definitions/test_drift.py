"""The loaded graph must be the artifact's: code or a manifest newer than the artifact is
refused with the differences and "recompile" (a warning with strict=False)."""

from __future__ import annotations

import shutil
import warnings

import dagster as dg
import pytest

from floe_runtime.definitions.drift import DriftWarning
from floe_runtime.definitions.errors import DriftError, LoadError
from tests.definitions.conftest import Shop, load

NEW_ASSET = '''

@dg.asset(group_name="bronze", deps=[bronze_orders])
def bronze_refunds() -> None:
    """Added after the artifact was compiled."""
'''


def test_a_python_asset_added_after_compiling_is_drift(shop_copy: Shop) -> None:
    bronze = shop_copy.shop / "assets" / "bronze.py"
    bronze.write_text(bronze.read_text() + NEW_ASSET)
    with pytest.raises(DriftError) as caught:
        load(shop_copy)
    message = str(caught.value)
    assert "recompile with `floe compile`" in message
    assert "bronze_refunds: in the loaded code, not in the artifact" in message

    with pytest.warns(DriftWarning, match="bronze_refunds"):
        defs = load(shop_copy, strict=False)
    assert defs.resolve_asset_graph().has(dg.AssetKey("bronze_refunds"))


def test_an_artifact_compiled_before_a_dbt_model_was_added_is_refused(
    shop_copy: Shop, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The deploy ships a manifest parsed after a model was added, with the old artifact."""
    old_bundle = tmp_path_factory.mktemp("old") / "dev"
    shutil.copytree(shop_copy.bundle(), old_bundle)
    gold = shop_copy.shop / "dbt" / "models" / "gold"
    (gold / "top_customers.sql").write_text(
        "select * from {{ ref('customer_orders') }} order by revenue_eur desc limit 10\n"
    )
    shop_copy.compile("--env", "dev")
    shutil.copy(shop_copy.bundle() / "manifest.json", old_bundle / "manifest.json")
    shutil.rmtree(shop_copy.bundle())
    shutil.copytree(old_bundle, shop_copy.bundle())

    # The manifest is not the one the artifact records: refused before the code loads, with
    # or without strict (a manifest that does not match is not drift but a different bundle).
    for strict in (True, False):
        with pytest.raises(LoadError) as caught:
            load(shop_copy, strict=strict)
        message = str(caught.value)
        assert "manifest.json is not the dbt manifest this artifact was compiled with" in message
        assert "recompile" in message


def test_the_compiled_demo_has_no_drift(compiled: Shop) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriftWarning)
        load(compiled, strict=False)
