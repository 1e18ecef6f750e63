"""Environment files: the dotenv subset floe reads, and how an environment is chosen."""

from __future__ import annotations

from pathlib import Path

import pytest

from floe_runtime.spec import environments
from floe_runtime.spec.environments import parse_env_file
from floe_runtime.spec.errors import EnvironmentChoiceError

READ = [
    ("A=1", {"A": "1"}),
    ("export A = 1 ", {"A": "1"}),
    ("A=two words # a comment", {"A": "two words"}),
    ("A=x#y", {"A": "x#y"}),
    ("A=", {"A": ""}),
    ("A='lit \\n ${X}'", {"A": "lit \\n ${X}"}),
    ('A="a\\nb\\t\\"c\\" \\\\"', {"A": 'a\nb\t"c" \\'}),
    ('A="ok" # comment', {"A": "ok"}),
    ("# comment\n\n  \nB=2", {"B": "2"}),
]


@pytest.mark.parametrize(("text", "values"), READ)
def test_reads_the_documented_subset(text: str, values: dict[str, str]) -> None:
    assert parse_env_file(text, "prod.env") == (values, [])


REFUSED = [
    ("A", 1, 1, "expected KEY=value"),
    ("1A=x", 1, 1, "expected KEY=value"),
    ('A="open', 1, 3, 'the " quote is not closed on this line (multi-line values are not read)'),
    ("A='open", 1, 3, "the ' quote is not closed on this line (multi-line values are not read)"),
    (
        'A="\\x"',
        1,
        3,
        "unknown escape '\\x' in a double-quoted value (floe reads \\n \\t \\\" and \\\\)",
    ),
    ('A="ok" tail', 1, 3, 'unexpected text after the closing " quote'),
    ("OK=1\nDB_PASSWORD=x", 2, 1, "DB_PASSWORD looks like a secret"),
]


@pytest.mark.parametrize(("text", "line", "col", "message"), REFUSED)
def test_refuses_everything_else_naming_the_line(
    text: str, line: int, col: int, message: str
) -> None:
    _, problems = parse_env_file(text, "prod.env")
    assert [(d.file, d.position, d.message[: len(message)]) for d in problems] == [
        ("prod.env", (line, col), message)
    ]


def _project(tmp_path: Path, *envs: str) -> Path:
    tmp_path.mkdir()
    floe_yaml = tmp_path / "floe.yaml"
    floe_yaml.write_text("name: x\n")
    for env in envs:
        (tmp_path / "environments").mkdir(exist_ok=True)
        (tmp_path / "environments" / f"{env}.env").write_text("")
    return floe_yaml


def test_select_chooses_the_same_way_for_every_command(tmp_path: Path) -> None:
    bare = _project(tmp_path / "bare")
    assert environments.select(bare) == ["default"]
    one = _project(tmp_path / "one", "prod")
    assert environments.select(one) == ["prod"]
    many = _project(tmp_path / "many", "prod", "dev")
    assert environments.select(many, every=True) == ["dev", "prod"]
    assert environments.select(many, name="qa") == ["qa"]
    with pytest.raises(EnvironmentChoiceError, match=r"--env \(dev, prod\)"):
        environments.select(many)
    with pytest.raises(EnvironmentChoiceError, match="not both"):
        environments.select(many, name="dev", every=True)
