"""Loading: the lazy import, Dagster's own validation of the demo module, the automation
sensor per environment, and merging what the caller brings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from tests.definitions.conftest import Shop, load
from tests.helpers.paths import REPO

BIN = Path(sys.executable).parent


def test_importing_floe_runtime_does_not_import_dagster() -> None:
    code = (
        "import sys, floe_runtime; assert 'dagster' not in sys.modules; "
        "floe_runtime.FloeDefinitions; assert 'dagster' in sys.modules; print('lazy')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == "lazy", proc.stderr


def test_dagster_definitions_validate_passes_on_the_demo_module(compiled: Shop) -> None:
    env = {
        **os.environ,
        "FLOE_ARTIFACTS": str(compiled.bundle()),
        "FLOE_PROJECT_ROOT": str(compiled.root),
        "DAGSTER_HOME": str(compiled.root / "dagster_home"),
    }
    (compiled.root / "dagster_home").mkdir(exist_ok=True)
    proc = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-f", "demo/shop/definitions.py"],
        cwd=compiled.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation successful" in proc.stdout + proc.stderr
    # the module in the copy is the repository's, unchanged: one call
    assert (compiled.shop / "definitions.py").read_text() == (
        REPO / "demo" / "shop" / "definitions.py"
    ).read_text()


def test_the_automation_sensor_follows_each_environment(compiled: Shop) -> None:
    for env, status in (
        ("dev", dg.DefaultSensorStatus.STOPPED),
        ("prod", dg.DefaultSensorStatus.RUNNING),
    ):
        sensor = load(compiled, env).resolve_sensor_def("floe_automation")
        assert sensor.default_status == status, env
        assert sensor.minimum_interval_seconds == 60
        assert isinstance(sensor, dg.AutomationConditionSensorDefinition)


def test_resources_and_definitions_are_merged(compiled: Shop) -> None:
    @dg.asset
    def extra_asset() -> None:
        """Brought by the caller, beside floe's."""

    defs = load(
        compiled,
        resources={"greeting": dg.ResourceDefinition.hardcoded_resource("hi")},
        definitions=dg.Definitions(assets=[extra_asset]),
    )
    assert defs.resolve_asset_graph().has(dg.AssetKey("extra_asset"))
    assert defs.resolve_asset_graph().has(dg.AssetKey("revenue_daily"))
    assert "greeting" in defs.resources
