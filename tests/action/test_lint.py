"""The workflows users copy and this repository runs pass actionlint (with shellcheck on their
``run:`` lines), and the Action's own shell script passes shellcheck."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.snapshot import REPO

BIN = Path(sys.executable).parent
WORKFLOWS = [
    *sorted((REPO / ".github" / "workflows").glob("*.yml")),
    *sorted((REPO / "examples" / "workflows").glob("*.yml")),
    REPO / "tests" / "action" / "workflows" / "review.yml",
]


def test_every_workflow_passes_actionlint() -> None:
    assert len(WORKFLOWS) >= 7
    proc = subprocess.run(
        [str(BIN / "actionlint"), "-shellcheck", str(BIN / "shellcheck"), *map(str, WORKFLOWS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_action_shell_passes_shellcheck() -> None:
    scripts = [
        REPO / "action" / "install.sh",
        *(REPO / "tests" / "action" / "stubs").glob("*/*.sh"),
        *(REPO / "examples" / "deploy").glob("*.sh"),
    ]
    proc = subprocess.run(
        [str(BIN / "shellcheck"), *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout


def test_action_yml_never_expands_expressions_inside_run() -> None:
    """Inputs reach scripts through env: only; `${{ }}` in a run: line is script injection."""
    import yaml

    for path in [REPO / "action.yml", *(REPO / "tests" / "action" / "stubs").glob("*/action.yml")]:
        steps = yaml.safe_load(path.read_text(encoding="utf-8"))["runs"]["steps"]
        for step in steps:
            assert "${{" not in step.get("run", ""), f"{path}: {step['run']}"
