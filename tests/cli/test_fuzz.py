"""Property: whatever bytes a user saves as floe.yaml, `floe validate` answers 0 or 1 with a
message — never a traceback, never an internal error.

Three strategies, 2,400 documents in all: arbitrary YAML built from random structures, valid
files whose lines are mutated the way editors and merges break them, and valid files whose
values and keys are swapped for plausible wrong ones (reaching shape and semantic checks).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floe_runtime.cli.main import run
from tests.helpers.paths import FIXTURES, REPO

SEEDS = [
    p.read_text(encoding="utf-8")
    for p in [REPO / "demo" / "shop" / "floe.yaml", *sorted((FIXTURES / "valid").glob("*.yaml"))]
]
WORDS = [
    "type",
    "batch",
    "ops",
    "job",
    "selection",
    "cron_schedule",
    "partitions",
    "static",
    "multi",
    "time_window",
    "${X}",
    "${X:1}",
    "$${",
    "&a",
    "*a",
    "<<",
    "!!int",
    "---",
    "\t",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "null",
    "true",
    "2024-01-01",
    "0 0 * * *",
    "key:x",
    "group:",
    "ghp_" + "a" * 36,
    "\x00",
    "\u2028",
    "é",
    "\n",
    "  ",
    "#",
]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every generated file (hypothesis runs many examples per test)."""
    return tmp_path_factory.mktemp("fuzz")


def _validate(scratch: Path, text: str | bytes) -> tuple[int, str]:
    path = scratch / "floe.yaml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


def _assert_clean(code: int, output: str) -> None:
    assert code in (0, 1), output
    assert "Traceback" not in output
    assert "internal error" not in output
    assert output.strip()
    if code == 1:
        assert ": error: " in output


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(WORDS),
)
keys = st.one_of(
    st.sampled_from(
        [
            "name",
            "version",
            "orchestration",
            "jobs",
            "schedules",
            "sensors",
            "partitions",
            "assets",
            "backfills",
            "type",
            "job",
            "selection",
        ]
    ),
    st.text(min_size=1, max_size=10),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)


@settings(
    max_examples=800, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.one_of(
        st.dictionaries(keys, documents, max_size=6).map(
            lambda d: yaml.safe_dump(d, allow_unicode=True)
        ),
        documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        st.binary(max_size=200),
    )
)
def test_random_yaml_never_crashes(scratch: Path, text: str | bytes) -> None:
    _assert_clean(*_validate(scratch, text))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "cut", "indent"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(WORDS)) + lines[i][at:]
        elif action == "cut":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + lines[i][at + draw(st.integers(1, 8)) :]
        else:
            lines[i] = draw(st.sampled_from(["", "  ", "    ", "\t"])) + lines[i].lstrip()
        text = "".join(lines)
    return text


@settings(
    max_examples=800, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated())
def test_mutated_valid_files_never_crash(scratch: Path, text: str) -> None:
    _assert_clean(*_validate(scratch, text))


@st.composite
def mutated_values(draw: st.DrawFn) -> str:
    data = yaml.safe_load(draw(st.sampled_from(SEEDS)).replace("$${", "${"))
    for _ in range(draw(st.integers(1, 3))):
        node, parent, key = data, None, None
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            parent = node
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
            node = node[key]
        if parent is None:
            continue
        if isinstance(parent, dict) and draw(st.booleans()):
            parent[draw(keys)] = parent.pop(key)
        else:
            parent[key] = draw(documents)
    return yaml.safe_dump(data, allow_unicode=True)


@settings(
    max_examples=800, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_values())
def test_files_with_wrong_values_never_crash(scratch: Path, text: str) -> None:
    _assert_clean(*_validate(scratch, text))
