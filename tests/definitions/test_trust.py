"""The runtime's trust check, tried as an attacker would: edit the artifact, re-seal it with
floe's own sealing function (the checksum is an unkeyed sha256 anyone can recompute), and load
it. Each is refused with one line naming the field and the fix, before anything is imported:
a module with a side effect has not run, sys.path and sys.modules are unchanged."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.artifact import store
from floe_runtime.definitions.errors import LoadError
from tests.definitions.conftest import Shop, forget_project_modules
from tests.helpers.results import Result

SIDE_EFFECT = """\
from pathlib import Path
Path({sentinel!r}).write_text("imported")
def run(*args, **kwargs):
    Path({sentinel!r}).write_text("called")
    return True
"""


class Attack:
    """A compiled copy of the demo, a module ``evil`` with a side effect in a folder outside
    the project, and a way to re-seal an edited artifact."""

    def __init__(self, shop: Shop, outside: Path) -> None:
        self.shop = shop
        self.outside = outside
        self.sentinel = outside / "ran"
        outside.mkdir()
        (outside / "evil.py").write_text(SIDE_EFFECT.format(sentinel=str(self.sentinel)))

    @property
    def artifact(self) -> Path:
        return self.shop.bundle() / store.ARTIFACT_NAME

    def reseal(self, edit: Callable[[dict[str, Any]], None]) -> None:
        data = json.loads(self.artifact.read_text())
        edit(data)
        self.artifact.write_text(store.sealed(data)[1])
        store.read(self.artifact)  # the seal holds: only the trust check stands in the way

    def refused(self, *patterns: str) -> str:
        """Load; it must be refused before any import. Returns the message."""
        from floe_runtime import FloeDefinitions

        forget_project_modules()
        path_before = list(sys.path)
        with pytest.raises(LoadError) as caught:
            FloeDefinitions.from_compiled_artifacts(self.shop.bundle(), project_root=self.shop.root)
        message = str(caught.value)
        assert "\n" not in message
        for pattern in patterns:
            assert pattern in message, message
        assert not self.sentinel.exists(), "a module named by the artifact ran"
        assert sys.path == path_before
        assert not [m for m in sys.modules if m in ("shop", "evil") or m.startswith("shop.")]
        return message


@pytest.fixture
def attack(shop_copy: Shop, tmp_path: Path) -> Iterator[Attack]:
    yield Attack(shop_copy, tmp_path / "outside")
    sys.modules.pop("evil", None)


def _function(data: dict[str, Any], job: str, dotted: str) -> None:
    """What an attacker edits: the declared job and the record the runtime imports from."""
    data["orchestration"]["jobs"][job]["target_function"] = dotted
    data["jobs"][job]["target_function"] = dotted


REFUSED = "functions from the standard library's process, file and import machinery are refused"
RECOMPILE = "recompile it with `floe compile`, or download the bundle again"


@pytest.mark.parametrize(
    "dotted", ["subprocess.getoutput", "os.system", "builtins.exec", "pydoc.pipepager"]
)
def test_a_process_function_as_target_function(attack: Attack, dotted: str) -> None:
    attack.reseal(lambda data: _function(data, "vacuum", dotted))
    message = attack.refused(
        "orchestration.jobs.vacuum.target_function", f"floe will not call {dotted!r}", RECOMPILE
    )
    assert message.startswith("demo/shop/floe.yaml:")  # the job's line in floe.yaml


def test_a_module_outside_the_project_as_target_function(
    attack: Attack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``evil`` is importable (installed where Dagster runs) but not a module the project owns."""
    monkeypatch.syspath_prepend(str(attack.outside))
    attack.reseal(lambda data: _function(data, "vacuum", "evil.run"))
    attack.refused("'evil.run' is outside the modules this project owns ('shop')", RECOMPILE)


def test_only_the_record_the_runtime_imports_from_edited(attack: Attack) -> None:
    attack.reseal(lambda data: data["jobs"]["vacuum"].update(target_function="subprocess.run"))
    attack.refused("jobs.vacuum: job 'vacuum' is not the job orchestration.jobs declares")


@pytest.mark.parametrize("dotted", ["subprocess.getoutput", "evil.run"])
def test_a_custom_sensor_function(
    attack: Attack, monkeypatch: pytest.MonkeyPatch, dotted: str
) -> None:
    monkeypatch.syspath_prepend(str(attack.outside))
    attack.reseal(
        lambda data: data["orchestration"]["sensors"]["custom"].update(target_function=dotted)
    )
    attack.refused("orchestration.sensors.custom.target_function", RECOMPILE)


def test_a_refused_asset_module(attack: Attack) -> None:
    attack.reseal(lambda data: data["orchestration"]["asset_modules"].append("subprocess"))
    attack.refused(
        "orchestration.asset_modules.2: 'subprocess' is part of the standard library", RECOMPILE
    )


def test_an_asset_module_from_outside_the_project(
    attack: Attack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(attack.outside))
    attack.reseal(lambda data: data["orchestration"]["asset_modules"].append("evil"))
    attack.refused("module 'evil' not found (searched ")


def test_an_asset_module_symlinked_out_of_the_project(attack: Attack) -> None:
    bronze = attack.shop.shop / "assets" / "bronze.py"
    bronze.unlink()
    bronze.symlink_to(attack.outside / "evil.py")
    attack.refused(f"leads to {attack.outside / 'evil.py'}, outside the project root")


def _outside_copy(attack: Attack) -> Path:
    """The demo's code, with a side effect in its asset module, in a folder outside the root."""
    copy = attack.outside / "demo"
    shutil.copytree(attack.shop.root / "demo", copy, ignore=shutil.ignore_patterns("*.duckdb"))
    bronze = copy / "shop" / "assets" / "bronze.py"
    bronze.write_text(SIDE_EFFECT.format(sentinel=str(attack.sentinel)) + bronze.read_text())
    return copy


def test_an_absolute_source_path(attack: Attack) -> None:
    copy = _outside_copy(attack)
    attack.reseal(lambda data: data["source"].update(path=str(copy / "shop" / "floe.yaml")))
    attack.refused("source.path", "is absolute", RECOMPILE)


def test_a_source_path_that_climbs_out(attack: Attack) -> None:
    copy = _outside_copy(attack)
    climb = "../" * len(attack.shop.root.parts) + str(copy / "shop" / "floe.yaml").lstrip("/")
    attack.reseal(lambda data: data["source"].update(path=climb))
    attack.refused("source.path", "is not a normalised relative path", RECOMPILE)


@pytest.mark.parametrize("field", ["project_dir", "profiles_dir"])
@pytest.mark.parametrize("form", ["absolute", "climbing"])
def test_dbt_folders_outside_the_root(attack: Attack, field: str, form: str) -> None:
    dbt = attack.outside / "dbt"
    shutil.copytree(attack.shop.shop / "dbt", dbt, ignore=shutil.ignore_patterns("*.duckdb"))
    value = str(dbt) if form == "absolute" else "../" * 6 + str(dbt).lstrip("/")

    def edit(data: dict[str, Any]) -> None:
        data["dbt"][field] = value
        data["orchestration"]["dbt"][field] = value

    attack.reseal(edit)
    attack.refused(f"orchestration.dbt.{field}: folder {value!r}", RECOMPILE)


@pytest.mark.parametrize("form", ["absolute", "climbing"])
def test_a_manifest_outside_the_bundle(attack: Attack, form: str) -> None:
    elsewhere = attack.outside / "manifest.json"
    shutil.copy(attack.shop.bundle() / "manifest.json", elsewhere)
    value = str(elsewhere) if form == "absolute" else "../" * 8 + str(elsewhere).lstrip("/")
    attack.reseal(lambda data: data["dbt"]["manifest"].update(file=value))
    attack.refused("dbt.manifest.file", "is not a file name in the bundle", RECOMPILE)


def test_an_edited_bundled_manifest(attack: Attack) -> None:
    """The manifest is not sealed with the artifact; the digest the artifact records is."""
    path = attack.shop.bundle() / "manifest.json"
    manifest = json.loads(path.read_text())
    node = next(n for n in manifest["nodes"].values() if n["resource_type"] == "model")
    node["tags"] = [*node.get("tags", []), "edited"]
    path.write_text(json.dumps(manifest))
    attack.refused(
        "is not the dbt manifest this artifact was compiled with",
        "download the bundle again from the CI run that compiled it",
    )


@pytest.mark.parametrize("path", ["/var/landing", "~/landing", "../../../../landing"])
def test_a_file_sensor_folder_outside_the_root(attack: Attack, path: str) -> None:
    attack.reseal(lambda data: data["orchestration"]["sensors"]["files"].update(path=path))
    attack.refused("orchestration.sensors.files.path", RECOMPILE)


def test_floe_backfill_goes_through_the_trust_check(
    attack: Attack, tmp_path: Path, floe: Callable[..., Result]
) -> None:
    attack.reseal(lambda data: _function(data, "vacuum", "subprocess.getoutput"))
    forget_project_modules()
    bundle, home = str(attack.shop.bundle()), str(tmp_path / "home")
    result = floe(
        "backfill", "run", "bronze_first_week", "--artifacts", bundle, "--dagster-home", home,
        cwd=attack.shop.root,
    )  # fmt: skip
    assert result.code == 1
    assert "floe will not call 'subprocess.getoutput'" in result.err
    assert not attack.sentinel.exists()


def test_the_compiler_refuses_what_the_runtime_refuses(
    shop_copy: Shop, floe: Callable[..., Result]
) -> None:
    """One rule set: a dbt folder climbing out of the repository fails ``floe compile`` (with
    the floe.yaml line), so no artifact the runtime would refuse is ever written."""
    floe_yaml = shop_copy.shop / "floe.yaml"
    text = floe_yaml.read_text()
    assert "project_dir: dbt" in text
    floe_yaml.write_text(text.replace("project_dir: dbt", "project_dir: ../../../elsewhere", 1))
    out = shop_copy.root / "out"
    result = floe("compile", str(floe_yaml), "--env", "dev", "--out", str(out))
    assert result.code == 1
    assert "floe.yaml:10:18: error: folder '../../../elsewhere' climbs out of the project" in (
        result.text
    )
    assert not (out / "dev").exists()
