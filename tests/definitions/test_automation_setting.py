"""``orchestration.automation``: validated like every other setting, off by default, typed from
variables per environment, recorded in the artifact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.helpers.results import Result

BODY = """
name: p
version: "1"
orchestration:
  automation: {automation}
"""


def test_defaults_off_and_compiles_per_environment(
    floe: Callable[..., Result], project: Callable[..., Path], tmp_path: Path
) -> None:
    path = project(
        BODY.format(automation='{enabled: "${AUTO:false}", poll_interval_seconds: 45}'),
        envs={"dev": "", "prod": "AUTO=true\n"},
    )
    result = floe("compile", str(path), "--all-envs", "--out", str(tmp_path / "dist"))
    assert result.code == 0, result.text
    for env, enabled in (("dev", False), ("prod", True)):
        artifact = json.loads((tmp_path / "dist" / env / "compiled_artifacts.json").read_text())
        assert artifact["orchestration"]["automation"] == {
            "enabled": enabled,
            "poll_interval_seconds": 45,
        }
    (tmp_path / "plain").mkdir()
    empty = tmp_path / "plain" / "floe.yaml"
    empty.write_text('name: p\nversion: "1"\n')
    assert floe("compile", str(empty), "--out", str(tmp_path / "dist2")).code == 0
    artifact = json.loads((tmp_path / "dist2" / "default" / "compiled_artifacts.json").read_text())
    assert artifact["orchestration"]["automation"] == {
        "enabled": False,
        "poll_interval_seconds": 30,
    }


def test_bad_values_are_refused_with_their_line(
    floe: Callable[..., Result], project: Callable[..., Path]
) -> None:
    path = project(BODY.format(automation="{enabled: yes, poll_interval_seconds: 0}"))
    result = floe("validate", str(path))
    assert result.code == 1
    assert "floe.yaml:4:" in result.text
    assert "poll_interval_seconds" in result.text
    assert "enabled" in result.text
