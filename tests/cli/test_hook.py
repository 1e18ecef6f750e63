"""``floe hook``: the pre-commit entry point calls the commands' execute functions itself, so
each config is checked (and its failure mapped to an exit code) on its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.compile.test_compile import BASE, acme
from tests.helpers.results import Result

Floe = Callable[..., Result]


def _config(folder: Path) -> Path:
    folder.mkdir()
    return acme(folder, BASE)


def _two_configs(tmp_path: Path) -> tuple[Path, Path]:
    broken = _config(tmp_path / "a")
    (broken.parent / "environments" / "bad name.env").write_text("")  # refused: a FloeError
    good = _config(tmp_path / "b")
    return broken, good


def test_compile_checks_every_config_though_one_fails(tmp_path: Path, floe: Floe) -> None:
    broken, good = _two_configs(tmp_path)
    result = floe("hook", "compile", str(good.parent / "assets.py"), str(broken))
    assert result.code == 1, result.text
    assert "does not name an environment" in result.err
    assert "floe: dev: " in result.out and "checked, nothing written" in result.out
    assert not any(tmp_path.rglob("dist"))


def test_validate_checks_the_configs_once_in_one_report(tmp_path: Path, floe: Floe) -> None:
    _, good = _two_configs(tmp_path)
    other = _config(tmp_path / "c")
    env_file = str(good.parent / "environments" / "dev.env")
    result = floe("hook", "validate", str(good), env_file, str(other))
    assert result.code == 0, result.text
    assert result.out.splitlines()[0] == f"floe: {good}, {other}: valid"  # each once, sorted


def test_no_config_behind_the_files_is_a_pass(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    result = floe("hook", "compile", str(tmp_path / "notes.yaml"))
    assert (result.code, result.out, result.err) == (0, "", "")
