"""The `floe` command as users run it: exit codes, formats, and a fast, Dagster-free start."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.helpers.results import Result

Floe = Callable[..., Result]
DEMO = REPO / "demo" / "shop" / "floe.yaml"
BROKEN = (
    'name: shop\nversion: "1"\norchestration:\n  schedules:\n'
    '    s: {job: nope, cron_schedule: "@daily"}\n'
)


def test_valid_file_exits_0_and_says_what_it_declares(floe: Floe) -> None:
    result = floe("validate", str(DEMO))
    assert result.code == 0, result.text
    assert result.out.splitlines() == [
        f"floe: {DEMO}: valid",
        "shop 1.0.0: 4 partitions definitions, 3 asset patterns, 4 jobs, 2 schedules, "
        "4 sensors, 2 backfills",
    ]


def test_default_path_is_floe_yaml_in_the_working_directory(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text(BROKEN)
    result = floe("validate", cwd=tmp_path)
    assert result.code == 1
    assert result.out.startswith("floe.yaml:5:14: error: unknown job 'nope'\n")


def test_text_output_shows_the_line_a_caret_the_path_and_a_hint(tmp_path: Path, floe: Floe) -> None:
    jobs = "  jobs:\n    bronze_refresh: {type: batch, selection: ['*']}\n"
    (tmp_path / "floe.yaml").write_text(BROKEN.replace("nope", "bronze_refres") + jobs)
    result = floe("validate", cwd=tmp_path)
    assert result.out.splitlines()[:5] == [
        "floe.yaml:5:14: error: unknown job 'bronze_refres'",
        '  5 |     s: {job: bronze_refres, cron_schedule: "@daily"}',
        "    |              ^",
        "  = at orchestration.schedules.s.job",
        "  = hint: did you mean 'bronze_refresh'?",
    ]


def test_json_format(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text(BROKEN)
    result = floe("validate", "--format", "json", cwd=tmp_path)
    assert result.code == 1
    report = json.loads(result.out)
    assert report["valid"] is False
    assert report["files"] == ["floe.yaml"]
    assert report["diagnostics"] == [
        {
            "file": "floe.yaml",
            "line": 5,
            "col": 14,
            "path": "orchestration.schedules.s.job",
            "severity": "error",
            "code": "reference",
            "message": "unknown job 'nope'",
            "hint": "known jobs: none",
        }
    ]


def test_github_format_prints_workflow_annotations(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text(BROKEN)
    result = floe("validate", "--format", "github", cwd=tmp_path)
    assert result.code == 1
    assert result.out.splitlines() == [
        "::error file=floe.yaml,line=5,col=14,title=floe reference::unknown job 'nope' "
        "(at orchestration.schedules.s.job)%0Aknown jobs: none",
        "floe: floe.yaml: invalid (1 error)",
    ]


def test_several_files_exit_1_when_any_is_invalid(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "bad.yaml").write_text(BROKEN)
    result = floe("validate", str(DEMO), str(tmp_path / "bad.yaml"))
    assert result.code == 1
    assert "bad.yaml:5:14: error: unknown job 'nope'" in result.out


@pytest.mark.parametrize(
    "args",
    [["validate", "--format", "xml"], ["validate", "--var", "NOEQUALS"], ["nonsense"]],
)
def test_usage_errors_exit_2(args: list[str], floe: Floe) -> None:
    result = floe(*args)
    assert result.code == 2
    assert "Usage:" in result.err
    assert "Traceback" not in result.text


def test_internal_error_is_one_line_and_exit_3(
    tmp_path: Path, floe: Floe, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No real input is known to crash floe, so a bug is injected to prove the guard."""
    from floe_runtime.spec import load as spec

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail that must not be printed")

    monkeypatch.setattr(spec, "validate", crash)
    monkeypatch.delenv("FLOE_DEBUG", raising=False)
    result = floe("validate", str(DEMO))
    assert result.code == 3
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("floe: internal error (RuntimeError); this is a bug")
    assert "secret detail" not in result.err


def test_schema_check_passes_on_the_committed_schemas(floe: Floe) -> None:
    result = floe("schema", "check", "--dir", str(REPO / "schemas"))
    assert result.code == 0, result.text


def test_schema_check_fails_on_drift(tmp_path: Path, floe: Floe) -> None:
    assert floe("schema", "export", "--dir", str(tmp_path)).code == 0
    schema_file = tmp_path / "floe.schema.json"
    schema_file.write_text(schema_file.read_text().replace("Project identifier.", "changed"))
    result = floe("schema", "check", "--dir", str(tmp_path))
    assert result.code == 1
    assert "floe.schema.json: out of date; run `floe schema export`" in result.err


def test_validate_does_not_import_dagster() -> None:
    """The hooks run in pre-commit's isolated venv: validate must never need Dagster."""
    code = (
        "import sys; from floe_runtime.cli.main import run; "
        f"assert run(['validate', {str(DEMO)!r}]) == 0; "
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dagster', 'dagster_dbt', 'dbt')); print(leaked)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_importing_floe_runtime_is_cheap() -> None:
    code = (
        "import sys, floe_runtime; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('pydantic', 'dagster', 'yaml', 'click')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
