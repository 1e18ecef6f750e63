"""Development mode: under a real `dagster dev` a reload in the UI picks up a changed Python
asset, env value and dbt model with no floe command, and a broken floe.yaml is a load error
naming its line; without the dev flag the same stale bundle is still refused as drift.

Each step edits a copy of the compiled demo, asks the webserver to reload the code location over
GraphQL (`reloadRepositoryLocation`, the UI's "Reload" button) and reads the definitions back.
"""

from __future__ import annotations

import logging
import os
import runpy
import shutil
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from floe_runtime.definitions import dev
from floe_runtime.definitions.errors import DriftError, LoadError
from tests.definitions.conftest import Shop, forget_project_modules, load
from tests.definitions.runs.webserver import dagster_dev, graphql

pytestmark = pytest.mark.dagster_dev

NEW_ASSET = '''

@dg.asset(group_name="bronze", deps=[bronze_orders])
def bronze_refunds() -> None:
    """Added while `dagster dev` runs."""
'''
NEW_MODEL = "select * from {{ ref('customer_orders') }} order by revenue_eur desc limit 10\n"
FLOE_YAML = "demo/shop/floe.yaml"
RELOAD_SECONDS = 600  # a reload that runs `dbt parse` on a busy machine

LOCATION = """
{
  workspaceOrError {
    ... on Workspace { locationEntries { name } }
    ... on PythonError { message }
  }
}
"""
RELOAD = """
mutation ($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    __typename
    ... on WorkspaceLocationEntry {
      locationOrLoadError {
        __typename
        ... on PythonError { message errorChain { error { message stack } } }
      }
    }
    ... on PythonError { message }
  }
}
"""
DEFINITIONS = """
{
  assetNodes { assetKey { path } }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { schedules { name cronSchedule } } }
  }
}
"""


def _reload(url: str, name: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    data = graphql(url, RELOAD, {"name": name}, timeout=RELOAD_SECONDS)
    return data["reloadRepositoryLocation"], time.monotonic() - started


def _loaded(url: str, name: str) -> tuple[set[str], dict[str, str], float]:
    """Reload; the asset keys and each schedule's cron that the UI then shows."""
    entry, seconds = _reload(url, name)
    assert entry["__typename"] == "WorkspaceLocationEntry", entry
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
    data = graphql(url, DEFINITIONS)
    assets = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
    (repository,) = data["repositoriesOrError"]["nodes"]
    crons = {s["name"]: s["cronSchedule"] for s in repository["schedules"]}
    return assets, crons, seconds


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_dagster_dev_reload_picks_up_every_change_without_floe(
    shop_copy: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reviewed = _files(shop_copy.bundle("dev"))
    spy = tmp_path / "bin"  # a `floe` first on PATH that records any call
    spy.mkdir()
    calls = tmp_path / "floe-calls"
    (spy / "floe").write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit 1\n')
    (spy / "floe").chmod(0o755)
    env = {
        "FLOE_ARTIFACTS": str(shop_copy.bundle("dev")),
        "FLOE_PROJECT_ROOT": str(shop_copy.root),
        "PATH": f"{spy}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    home = tmp_path / "dagster_home"
    target = ["-f", str(shop_copy.shop / "definitions.py"), "-d", str(shop_copy.root / "demo")]
    target += ["--code-server-log-level", "info"]
    timings: dict[str, float] = {}
    with dagster_dev(target, home, shop_copy.root, env) as url:
        (entry,) = graphql(url, LOCATION)["workspaceOrError"]["locationEntries"]
        name = entry["name"]
        assets, crons, _ = _loaded(url, name)  # verifies the bundle once
        assert "bronze_orders" in assets and "customer_orders" in assets
        assert crons["daily_bronze"] == "0 6 * * *"
        _, _, timings["plain reload"] = _loaded(url, name)

        bronze = shop_copy.shop / "assets" / "bronze.py"
        bronze.write_text(bronze.read_text() + NEW_ASSET)
        assets, _, timings["reload after a Python asset change"] = _loaded(url, name)
        assert "bronze_refunds" in assets

        env_file = shop_copy.shop / "environments" / "dev.env"
        env_file.write_text(env_file.read_text() + "BRONZE_CRON=0 7 * * *\n")
        _, crons, timings["reload after an env value change"] = _loaded(url, name)
        assert crons["daily_bronze"] == "0 7 * * *"

        gold = shop_copy.shop / "dbt" / "models" / "gold"
        (gold / "top_customers.sql").write_text(NEW_MODEL)
        assets, _, timings["reload after a new dbt model"] = _loaded(url, name)
        assert "top_customers" in assets and "bronze_refunds" in assets

        floe_yaml = shop_copy.shop / "floe.yaml"
        good = floe_yaml.read_text()
        broken = good.replace("      job: bronze_refresh\n", "      job: bronze_refesh\n", 1)
        line = broken.splitlines().index("      job: bronze_refesh") + 1
        floe_yaml.write_text(broken)
        entry, _ = _reload(url, name)
        error = entry["locationOrLoadError"]
        assert error["__typename"] == "PythonError", entry
        # Dagster's "Error occurred during the loading of Dagster definitions", caused by floe's
        # one error (the UI shows both, as for any code location that fails to load).
        cause = error["errorChain"][-1]["error"]  # floe's error has no cause of its own
        first = cause["message"].splitlines()[0]
        assert first.startswith(f"floe_runtime.definitions.errors.LoadError: {FLOE_YAML}:{line}:")
        assert "bronze_refesh" in first
        print(f"the UI shows: {cause['message']}{''.join(cause['stack'])}")

        floe_yaml.write_text(good)
        assets, _, timings["reload after fixing floe.yaml"] = _loaded(url, name)
        assert "top_customers" in assets

    log = (home / "webserver.log").read_text(errors="replace")
    compiled = [line for line in log.splitlines() if f"floe dev mode: compiled {FLOE_YAML}" in line]
    # One compile per change, dbt parsed only for the dbt change; the first load found the
    # bundle up to date, a plain reload and the fix back to the last good floe.yaml compile nothing.
    assert len(compiled) == 3, "\n".join(compiled)
    assert ["dbt parsed" in line for line in compiled] == [False, False, True]
    assert f"the bundle {shop_copy.bundle('dev')} is stale" in log
    assert log.count(f"floe dev mode: {FLOE_YAML} unchanged since its last compile") >= 2
    assert not calls.exists(), calls.read_text()  # no floe command ran
    assert _files(shop_copy.bundle("dev")) == reviewed  # the reviewed bundle is untouched
    print("\n".join(f"dagster dev: {what}: {seconds:.2f} s" for what, seconds in timings.items()))

    # A deployment loads the same, now stale, bundle: drift, as before development mode.
    monkeypatch.delenv(dev.DAGSTER_DEV_VAR, raising=False)
    monkeypatch.delenv(dev.DEV_VAR, raising=False)
    with pytest.raises(DriftError) as caught:
        load(shop_copy)
    assert "recompile with `floe compile`" in str(caught.value)
    assert "bronze_refunds: in the loaded code, not in the artifact" in str(caught.value)


def test_floe_dev_1_compiles_a_missing_bundle_once(
    shop_copy: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Never compiled: the bundle folder's name is the environment, floe.yaml is the one beside
    the code location file, and the second load compiles nothing."""
    shutil.rmtree(shop_copy.bundle("dev"))
    for name in (dev.DAGSTER_DEV_VAR, "FLOE_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(dev.DEV_VAR, "1")
    monkeypatch.setenv("FLOE_ARTIFACTS", str(shop_copy.bundle("dev")))
    monkeypatch.setenv("FLOE_PROJECT_ROOT", str(shop_copy.root))

    def code_location() -> dg.Definitions:
        forget_project_modules()
        defs = runpy.run_path(str(shop_copy.shop / "definitions.py"))["defs"]
        assert isinstance(defs, dg.Definitions)
        return defs

    with caplog.at_level(logging.INFO, logger="dagster.floe"):
        defs = code_location()
        assert defs.resolve_asset_graph().has(dg.AssetKey("customer_orders"))
        assert f"the bundle {shop_copy.bundle('dev')} is missing" in caplog.text
        assert "(first load; dbt parsed)" in caplog.text
        caplog.clear()
        code_location()
        assert f"floe dev mode: {FLOE_YAML} unchanged since its last compile" in caplog.text
    assert not shop_copy.bundle("dev").exists()  # development mode never writes the bundle


def test_floe_dev_0_keeps_the_deployment_behaviour_under_dagster_dev(
    shop_copy: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    bronze = shop_copy.shop / "assets" / "bronze.py"
    bronze.write_text(bronze.read_text() + NEW_ASSET)
    monkeypatch.setenv(dev.DAGSTER_DEV_VAR, "1")
    monkeypatch.setenv(dev.DEV_VAR, "0")
    with pytest.raises(DriftError, match="bronze_refunds"):
        load(shop_copy)
    assert not (shop_copy.root / dev.CACHE).exists()


def test_floe_dev_1_reports_a_broken_floe_yaml_as_one_load_error(
    shop_copy: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    floe_yaml = shop_copy.shop / "floe.yaml"
    text = floe_yaml.read_text().replace("{type: batch, selection", "{type: bach, selection", 1)
    floe_yaml.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "type: bach" in row)
    monkeypatch.delenv(dev.DAGSTER_DEV_VAR, raising=False)
    monkeypatch.setenv(dev.DEV_VAR, "1")
    with pytest.raises(LoadError) as caught:
        load(shop_copy)
    message = str(caught.value)
    assert message.startswith(f"demo/shop/floe.yaml:{line}:"), message
    assert "floe dev mode: demo/shop/floe.yaml does not compile for environment 'dev'" in message
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # one error


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"DAGSTER_IS_DEV_CLI": "1"}, True),
        ({"DAGSTER_IS_DEV_CLI": "1", "FLOE_DEV": "0"}, False),
        ({"DAGSTER_IS_DEV_CLI": "1", "FLOE_DEV": "off"}, False),
        ({"FLOE_DEV": "1"}, True),
    ],
)
def test_who_turns_development_mode_on(env: dict[str, str], expected: bool) -> None:
    assert dev.active(env) is expected
