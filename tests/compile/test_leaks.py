"""The manifest gate's scan of a large manifest runs in a child Python beside the compile; a
child that cannot answer must never open the gate."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from floe_runtime.compile import leaks

TOKEN = "ghp_" + "a1B2c3D4e5" * 4


def _large(description: str) -> tuple[dict[str, object], bytes]:
    nodes = {
        f"model.p.m{i}": {"name": f"m{i}", "raw_code": "select 1 -- padding\n" * 300}
        for i in range(800)
    }
    nodes["model.p.orders"] = {"name": "orders", "description": description}
    manifest: dict[str, object] = {"nodes": nodes}
    raw = json.dumps(manifest).encode()
    assert len(raw) > 4 * 1024 * 1024  # past the size scanned in a child
    return manifest, raw


@pytest.mark.parametrize(
    "executable",
    [sys.executable, shutil.which("false"), shutil.which("echo"), shutil.which("true"), ""],
    ids=[
        "child answers",
        "child fails",
        "child answers nonsense",
        "child answers nothing",
        "no interpreter",
    ],
)
def test_a_secret_is_found_whatever_the_child_does(
    monkeypatch: pytest.MonkeyPatch, executable: str | None
) -> None:
    assert executable is not None
    real_child = executable == sys.executable
    monkeypatch.setattr(sys, "executable", executable)
    if real_child:  # the child's own answer decides: no scan here

        def no_local_scan(raw: bytes) -> str | None:
            raise AssertionError("the child answered; floe must not scan again")

        monkeypatch.setattr(leaks, "json_text_secret_kind", no_local_scan)
    manifest, raw = _large(f"loaded with {TOKEN}")
    with leaks.ManifestScan(raw) as scan:
        found = scan.messages(manifest)
    assert found == [
        "dbt node model.p.orders, field description holds a GitHub token; "
        "the bundled manifest would carry it, so nothing is written"
    ]
    clean, raw = _large("loaded nightly")
    with leaks.ManifestScan(raw) as scan:
        assert scan.messages(clean) == []


def _children() -> set[str]:
    """This process's child pids (Linux /proc)."""
    return {pid for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()}  # fmt: skip


def test_leaving_early_stops_the_child() -> None:
    """A compile that fails before it reads the verdict (a malformed manifest) leaves no child
    process behind."""
    _, raw = _large("loaded nightly")
    before = _children()
    with leaks.ManifestScan(raw):
        assert len(_children() - before) == 1  # the scan runs beside us
    assert _children() == before


def test_a_child_that_never_answers_is_killed_and_the_bytes_scanned_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = tmp_path / "stuck"
    waited = tmp_path / "waited"  # written only if the child is left to run for 30 s
    stuck.write_text(f"#!/bin/sh\nsleep 30\ntouch {waited}\n")
    stuck.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(stuck))
    monkeypatch.setattr(leaks, "_CHILD_TIMEOUT", 0.5)
    manifest, raw = _large(f"loaded with {TOKEN}")
    before = _children()
    with leaks.ManifestScan(raw) as scan:
        found = scan.messages(manifest)
    assert found and "holds a GitHub token" in found[0]
    assert _children() == before
    assert not waited.exists()  # killed, not waited for
