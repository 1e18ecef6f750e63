"""`floe doctor`, the deploy check, and the environment the runtime gives the user's code: each
thing that would make a deployed code server fail is refused with what to fix, exit 1."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from floe_runtime.definitions.errors import LoadError
from tests.definitions.conftest import Shop, load
from tests.helpers.results import Result

Floe = Callable[..., Result]


def doctor(floe: Floe, shop: Shop, env: str = "prod", **variables: str) -> Result:
    return floe(
        "doctor",
        "--artifact",
        str(shop.bundle(env)),
        "--project-root",
        str(shop.root),
        env=variables,
    )


def test_a_deployable_bundle_passes_with_a_short_summary(floe: Floe, compiled: Shop) -> None:
    result = doctor(floe, compiled)
    assert result.code == 0, result.text
    assert result.out.startswith("floe doctor: OK: bundle 'prod' of shop")
    assert "code: demo/shop/floe.yaml is the bundle's" in result.out
    assert "dbt: target prod in " in result.out
    assert "DBT_TARGET=prod FLOE_ENV=prod" in result.out
    assert result.err == ""


def test_it_finds_the_bundle_as_the_runtime_does(floe: Floe, compiled: Shop) -> None:
    result = floe(
        "doctor",
        env={"FLOE_ARTIFACTS": str(compiled.bundle()), "FLOE_PROJECT_ROOT": str(compiled.root)},
    )
    assert result.code == 0, result.text
    assert "bundle 'dev' of shop" in result.out


def test_a_missing_bundle(floe: Floe, tmp_path: Path) -> None:
    result = floe(
        "doctor", "--artifact", str(tmp_path / "nowhere"), "--project-root", str(tmp_path)
    )
    assert result.code == 1
    assert "no compiled floe artifact found; tried:" in result.err


def test_an_edited_bundle_is_not_readable(floe: Floe, shop_copy: Shop) -> None:
    file = shop_copy.bundle("prod") / "compiled_artifacts.json"
    data = json.loads(file.read_text())
    data["orchestration"]["jobs"]["vacuum"]["args"]["retention_days"] = 1
    file.write_text(json.dumps(data))
    result = doctor(floe, shop_copy)
    assert result.code == 1
    assert "checksum" in result.err


def test_a_code_root_that_is_not_the_project(floe: Floe, compiled: Shop, tmp_path: Path) -> None:
    result = floe(
        "doctor", "--artifact", str(compiled.bundle("prod")), "--project-root", str(tmp_path)
    )
    assert result.code == 1
    assert "floe: doctor: not trusted:" in result.err
    assert "FLOE_PROJECT_ROOT" in result.err


def test_code_from_another_commit(floe: Floe, shop_copy: Shop) -> None:
    floe_yaml = shop_copy.shop / "floe.yaml"
    floe_yaml.write_text(floe_yaml.read_text() + "\n# changed after the bundle was compiled\n")
    result = doctor(floe, shop_copy)
    assert result.code == 1
    assert "demo/shop/floe.yaml under" in result.err
    assert "is not the one the bundle was compiled from" in result.err
    assert "deploy the commit the bundle was compiled from" in result.err


def test_a_dbt_target_the_profiles_do_not_have(floe: Floe, shop_copy: Shop) -> None:
    profiles = shop_copy.shop / "dbt" / "profiles.yml"
    profiles.write_text(profiles.read_text().replace("    prod:\n", "    production:\n"))
    result = doctor(floe, shop_copy)
    assert result.code == 1
    assert "floe: doctor: dbt: " in result.err
    assert "has no target 'prod'" in result.err


def test_an_environment_that_disagrees_with_the_bundle(floe: Floe, compiled: Shop) -> None:
    result = doctor(floe, compiled, DBT_TARGET="laptop", FLOE_ENV="prod")
    assert result.code == 1
    assert (
        "the process environment disagrees with the bundle compiled for 'prod': DBT_TARGET is "
        "'laptop' here, 'prod' in the bundle (from env_file:environments/prod.env)"
    ) in result.err
    assert "FLOE_ENV" not in result.err.split("Unset")[0]  # the same value is no problem
    assert result.err.count("floe: doctor:") == 2  # the problem, then the count


def test_the_users_code_sees_the_bundles_environment(
    compiled: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only FLOE_ARTIFACTS is set in a deployment: the bronze assets must write the prod
    DuckDB file that dbt's prod target reads (issue 17, finding 4)."""
    monkeypatch.delenv("DBT_TARGET", raising=False)
    load(compiled, "prod")
    from shop.warehouse import duckdb_path

    assert os.environ["DBT_TARGET"] == "prod" and os.environ["FLOE_ENV"] == "prod"
    assert duckdb_path().name == "shop_prod.duckdb"
    load(compiled, "dev")  # another bundle in the same process replaces floe's own values
    assert os.environ["DBT_TARGET"] == "dev"
    assert os.environ["BRONZE_CRON"] == "0 6 * * *"  # dev uses the default


def test_a_load_in_a_process_that_disagrees_is_refused(
    compiled: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBT_TARGET", "laptop")
    with pytest.raises(LoadError, match=r"DBT_TARGET is 'laptop' here, 'prod' in the bundle"):
        load(compiled, "prod")
