"""Reading floe.yaml safely: every hostile or broken file gets a clear, located error."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.helpers.results import Result

Floe = Callable[..., Result]


def _first_error(result: Result) -> str:
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    return result.out.splitlines()[0]


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text('name: a\nversion: "1"\nname: b\n')
    line = _first_error(floe("validate", cwd=tmp_path))
    assert line == "floe.yaml:3:1: error: duplicate key 'name' (first written at line 1)"


def test_billion_laughs_is_refused_in_under_a_second_of_cpu(tmp_path: Path, floe: Floe) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (tmp_path / "floe.yaml").write_text("\n".join(lines) + "\n")
    started = time.process_time()  # CPU time: a busy machine stretches only the wall clock
    result = floe("validate", cwd=tmp_path)
    elapsed = time.process_time() - started
    assert "aliases expand to more than 100,000 nodes" in _first_error(result)
    assert elapsed < 1.0


def test_recursive_alias_is_refused(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text("name: &n [*n]\n")
    assert "recursive structure" in _first_error(floe("validate", cwd=tmp_path))


def test_several_documents_are_refused(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text('name: a\nversion: "1"\n---\nname: b\n')
    line = _first_error(floe("validate", cwd=tmp_path))
    assert line.startswith("floe.yaml:3:1: error: invalid YAML: the file holds several YAML")


def test_non_utf8_names_the_line(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_bytes(b'name: a\nversion: "1"\n# caf\xe9\n')
    line = _first_error(floe("validate", cwd=tmp_path))
    assert line == "floe.yaml:3:6: error: byte 0xe9 is not valid UTF-8"


def test_files_over_five_mib_are_refused(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text("# padding\n" * 600_000)
    line = _first_error(floe("validate", cwd=tmp_path))
    assert line == "floe.yaml: error: floe.yaml is larger than 5 MiB, the most floe reads"


def test_tab_indentation_is_named(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text('name: a\nversion: "1"\norchestration:\n\tjobs: {}\n')
    result = floe("validate", cwd=tmp_path)
    assert _first_error(result) == (
        "floe.yaml:4:1: error: invalid YAML: a tab character cannot indent YAML"
    )
    assert "hint: indent with spaces" in result.out


def test_top_level_must_be_a_mapping(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text("- name: a\n")
    assert _first_error(floe("validate", cwd=tmp_path)) == (
        "floe.yaml:1:1: error: the top level of floe.yaml must be a mapping (name:, version:, ...)"
    )


def test_empty_file(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text("# nothing yet\n")
    assert _first_error(floe("validate", cwd=tmp_path)) == "floe.yaml:1:1: error: file is empty"


def test_python_tags_are_refused(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text("name: !!python/object/apply:os.system [ls]\n")
    assert "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not supported" in (
        _first_error(floe("validate", cwd=tmp_path))
    )


def test_syntax_error_is_located(tmp_path: Path, floe: Floe) -> None:
    (tmp_path / "floe.yaml").write_text('name: a\nversion: "1"\norchestration: {jobs: {}\n')
    assert _first_error(floe("validate", cwd=tmp_path)).startswith("floe.yaml:4:1: error: ")


def test_missing_file(tmp_path: Path, floe: Floe) -> None:
    line = _first_error(floe("validate", cwd=tmp_path))
    assert line == "floe.yaml: error: cannot read floe.yaml: No such file or directory"


def test_yaml_1_2_scalars(tmp_path: Path, floe: Floe) -> None:
    """`yes` is a string and dates stay strings, as in editors and check-jsonschema."""
    (tmp_path / "floe.yaml").write_text(
        "name: a\nversion: 2024-01-01\norchestration:\n"
        "  jobs: {j: {type: batch, selection: ['*']}}\n"
        "  schedules: {s: {job: j, cron_schedule: '@daily', enabled: yes}}\n"
    )
    result = floe("validate", cwd=tmp_path)
    assert result.code == 1
    assert "floe.yaml:5:61: error: expected true or false, got a string" in result.out
    assert "hint: YAML 1.2 reads only true/false as booleans" in result.out
    assert "version" not in result.out  # the date stayed a string, as version wants
