"""The workflows users copy and this repository runs pass actionlint (with shellcheck on their
``run:`` lines), and the Action's own shell script passes shellcheck."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.snapshot import REPO

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


OWN = {"./", "floe/compile@v1"}  # this repository's Action, as its self-test and a user write it
PIN = re.compile(r"uses: (?P<ref>[^\s#]+)(?P<comment>.*)$")


def test_every_third_party_action_is_pinned_by_commit_sha() -> None:
    """A tag can be moved to other code; a full sha cannot. The comment names the release."""
    for path in [REPO / "action.yml", *WORKFLOWS]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = PIN.search(line.split("- ", 1)[-1]) if "uses:" in line else None
            if found is None or line.lstrip().startswith("#") or found["ref"] in OWN:
                continue
            where = f"{path.relative_to(REPO)}:{number}"
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", found["ref"]), where
            assert re.fullmatch(r" # v\d+\.\d+\.\d+", found["comment"]), where


def test_every_checkout_keeps_no_credentials() -> None:
    """No later step pushes or calls the API through git, so the token stays out of .git."""
    import yaml

    checkouts = 0
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    checkouts += 1
                    with_ = step.get("with", {})
                    assert with_.get("persist-credentials") is False, path.relative_to(REPO)
    assert checkouts >= 7
