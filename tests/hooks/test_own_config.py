"""This repository's .pre-commit-config.yaml installs floe's hooks with exactly the base
dependencies pyproject.toml declares (the published hooks install those), and runs them on the
demo only."""

from __future__ import annotations

import re

import yaml

from tests.helpers.snapshot import REPO


def test_the_local_hooks_install_the_base_dependencies_and_mirror_the_published_ones() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    published = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S)
    assert block is not None
    base = re.findall(r'"([^"]+)"', block.group(1))
    for hook in published:
        local = hooks[hook["id"]]
        assert local["additional_dependencies"] == base, hook["id"]
        assert local["entry"].endswith(hook["entry"].removeprefix("floe")), hook["id"]
        assert local["files"].startswith("^demo/"), hook["id"]
        assert re.search(local["files"], "demo/shop/floe.yaml"), hook["id"]
        assert not re.search(local["files"], "tests/fixtures/floe.yaml"), hook["id"]
