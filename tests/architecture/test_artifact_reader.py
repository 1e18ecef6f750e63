"""Artifact content is read by key only inside `floe_runtime/artifact/`: the models
(`schema.py`), and for the PR diff, which must not pay for building them, `view.py`. Everywhere
else goes through one of the two, so the artifact's layout is known in one package."""

from __future__ import annotations

import re

from tests.helpers.paths import REPO, source_files

RAW = re.compile(r"\bread_payload\b|\bpayload(?:\[\s*[\"']|\.get\(\s*[\"'])")
# JSON documents that are not artifacts: GitHub's API answers and the comment's marker.
NOT_ARTIFACTS = {"floe_runtime/review/github.py", "floe_runtime/review/marker.py"}


def test_only_the_artifact_package_reads_artifact_json_by_key() -> None:
    found = []
    for file in source_files():
        shown = file.relative_to(REPO).as_posix()
        if shown.startswith("floe_runtime/artifact/") or shown in NOT_ARTIFACTS:
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if RAW.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{shown}:{number}: {line.strip()}")
    assert found == [], "read artifacts through artifact/schema.py or artifact/view.py:\n" + (
        "\n".join(found)
    )
