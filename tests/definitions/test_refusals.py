"""Every refusal of the loader is one clear line that says what to do, and never a traceback
from deep inside Dagster."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from floe_runtime.definitions.errors import LoadError
from tests.definitions.conftest import Shop, load


def _edit_artifact(shop: Shop, change: dict) -> None:
    path = shop.bundle() / "compiled_artifacts.json"
    data = json.loads(path.read_text())
    data.update(change)
    path.write_text(json.dumps(data))


def test_unknown_major_schema_version(shop_copy: Shop) -> None:
    _edit_artifact(shop_copy, {"schema_version": "2.0"})
    with pytest.raises(LoadError, match=r"schema version 2\.0 is not supported.*recompile"):
        load(shop_copy)


def test_bad_checksum(shop_copy: Shop) -> None:
    _edit_artifact(shop_copy, {"environment": "prod"})
    with pytest.raises(LoadError, match=r"checksum mismatch.*recompile it with `floe compile`"):
        load(shop_copy)


def test_missing_manifest(shop_copy: Shop) -> None:
    (shop_copy.bundle() / "manifest.json").unlink()
    with pytest.raises(LoadError, match=r"manifest is missing.*deploy the whole bundle"):
        load(shop_copy)


def test_malformed_manifest_is_checked_as_the_compiler_checks_it(shop_copy: Shop) -> None:
    """The bundled manifest goes through the compiler's own reader: a node whose config is null
    is named, not a KeyError deep inside the translator."""
    path = shop_copy.bundle() / "manifest.json"
    manifest = json.loads(path.read_text())
    next(iter(manifest["nodes"].values()))["config"] = None
    path.write_text(json.dumps(manifest))
    with pytest.raises(LoadError, match=r"malformed dbt manifest: .*\.config must be an object"):
        load(shop_copy)


def test_dbt_executable_not_found(
    shop_copy: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    with pytest.raises(LoadError, match=r"dbt executable not found.*pip install"):
        load(shop_copy)


def test_profile_missing(shop_copy: Shop) -> None:
    profiles = shop_copy.shop / "dbt" / "profiles.yml"
    profiles.write_text(profiles.read_text().replace("\nshop:\n", "\nother:\n"))
    with pytest.raises(LoadError, match=r"profiles\.yml: no profile 'shop'.*add it"):
        load(shop_copy)


def test_target_missing(shop_copy: Shop) -> None:
    profiles = shop_copy.shop / "dbt" / "profiles.yml"
    profiles.write_text(profiles.read_text().replace("    dev:\n", "    laptop:\n"))
    with pytest.raises(LoadError, match=r"has no target 'dev' \(targets: laptop, prod, staging\)"):
        load(shop_copy)


def test_no_artifact_lists_what_was_tried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from floe_runtime import FloeDefinitions

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOE_ARTIFACTS", raising=False)
    monkeypatch.setenv("FLOE_ENV", "prod")
    with pytest.raises(LoadError) as caught:
        FloeDefinitions.from_compiled_artifacts()
    message = str(caught.value)
    assert (
        f"{tmp_path}/dist/floe/prod/compiled_artifacts.json (from dist/floe/$FLOE_ENV)" in message
    )
    assert "floe compile" in message
    monkeypatch.setenv("FLOE_ARTIFACTS", str(tmp_path / "elsewhere"))
    with pytest.raises(
        LoadError, match=r"elsewhere/compiled_artifacts\.json \(from FLOE_ARTIFACTS\)"
    ):
        FloeDefinitions.from_compiled_artifacts()


def test_artifact_found_through_the_environment(
    compiled: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FLOE_ARTIFACTS (a bundle folder) and FLOE_PROJECT_ROOT: the deploy-time path."""
    from floe_runtime import FloeDefinitions
    from tests.definitions.conftest import forget_project_modules

    monkeypatch.setenv("FLOE_ARTIFACTS", str(compiled.bundle("staging")))
    monkeypatch.setenv("FLOE_PROJECT_ROOT", str(compiled.root))
    monkeypatch.chdir("/")
    forget_project_modules()
    defs = FloeDefinitions.from_compiled_artifacts()
    assert defs.resolve_job_def("gold_pipeline") is not None


def test_wrong_project_root_says_where_it_looked(compiled: Shop, tmp_path: Path) -> None:
    from floe_runtime import FloeDefinitions

    with pytest.raises(LoadError, match=r"not under the project root.*FLOE_PROJECT_ROOT"):
        FloeDefinitions.from_compiled_artifacts(compiled.bundle(), project_root=tmp_path)


def test_dbt_project_not_where_the_artifact_says(shop_copy: Shop) -> None:
    (shop_copy.shop / "dbt").rename(shop_copy.shop / "transform")
    with pytest.raises(LoadError, match=r"dbt project 'demo/shop/dbt' .* is not at"):
        load(shop_copy)


def test_missing_asset_module_names_module_and_floe_yaml_line(shop_copy: Shop) -> None:
    (shop_copy.shop / "assets" / "bronze.py").unlink()
    line = _line(shop_copy, "asset_modules:")
    with pytest.raises(LoadError) as caught:
        load(shop_copy)
    assert str(caught.value).startswith(
        f"demo/shop/floe.yaml:{line}: module 'shop.assets.bronze' not found"
    )


@pytest.mark.parametrize(
    ("fault", "error"),
    [("RATE = 1 / 0", "ZeroDivisionError"), ("def broken(:", "SyntaxError")],
)
def test_import_error_names_the_file_and_line_of_the_fault(
    shop_copy: Shop, fault: str, error: str
) -> None:
    bronze = shop_copy.shop / "assets" / "bronze.py"
    lines = [*bronze.read_text().splitlines(), fault]
    bronze.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as caught:
        load(shop_copy)
    message = str(caught.value)
    line = _line(shop_copy, "asset_modules:")
    assert message.startswith(f"demo/shop/floe.yaml:{line}: importing 'shop.assets.bronze'")
    assert f"{os.path.realpath(bronze)}:{len(lines)}: {error}" in message


def _line(shop: Shop, text: str) -> int:
    lines = (shop.shop / "floe.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)
