"""Shared helpers: write a floe project to a temp folder and run the real CLI entry point."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.cli.main import run

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def floe(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run `floe ...` in-process exactly as the console script does, capturing its output."""

    def _run(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Write floe.yaml (dedented) and optional environment files; return floe.yaml's path."""

    def _write(text: str, envs: Mapping[str, str] | None = None, name: str = "floe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        for env, body in (envs or {}).items():
            (tmp_path / "environments").mkdir(exist_ok=True)
            (tmp_path / "environments" / f"{env}.env").write_text(
                textwrap.dedent(body).lstrip("\n"), encoding="utf-8"
            )
        return path

    return _write
