"""Property: whatever value or key a pull request writes into any field of a valid floe.yaml,
floe answers with diagnostics — never an exception, never a planted secret, never a line that
GitHub would read as a workflow command.

Every field (key and value) of every valid fixture is swept with every hostile value, then
hypothesis mutates random fields with random values: 20,000 documents and more, run in-process
through the spec pipeline and all three renderers (text, JSON, GitHub) — the same code
``floe validate`` runs, without a process per document.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floe_runtime.base.errors import FloeError
from floe_runtime.report import render
from floe_runtime.spec import load
from floe_runtime.spec.yaml_loader import load_yaml
from tests.helpers.paths import FIXTURES
from tests.hostile.cli import TOKEN

pytestmark = pytest.mark.fuzz

SEEDS = [
    yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for p in sorted((FIXTURES / "valid").glob("*.yaml"))
]
ENV = {"X": "1", "GITHUB_TOKEN": TOKEN, "LABEL": f"x\n::warning::pwned {TOKEN}"}
HOSTILE: list[Any] = [
    TOKEN,
    f"prefix {TOKEN} suffix",
    f"postgres://loader:{TOKEN}@db/x",
    "x\n::warning::pwned",
    "x\r::error::pwned",
    "\u202e\x1b[31m\x00\x7f\u2028",
    "${X}",
    "${GITHUB_TOKEN}",
    "${LABEL}",
    "${MISSING}",
    "${X:${Y}}",
    "$${",
    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "key:x and (",
    "0 0 31 4 *",
    "%Y-%m-%d %H:%M%z",
    "%Y%Y%m",
    "[!]",
    "[z-a]",
    "1" * 5000,
    "a://" * 20_000,
    "-eyJ" * 20_000,
    "",
    " ",
    "é" * 300,
    -1,
    0,
    2**63,
    10**300,
    1e308,
    math.inf,
    -math.inf,
    math.nan,
    True,
    None,
    [],
    {},
    {TOKEN: 1},
    {"API_TOKENS": 1},
    {"password": {"a": [1]}},
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
]
Path_ = tuple[Any, ...]


def _fields(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _fields(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _fields(value, (*path, index))


FIELDS = [(seed, path) for seed, data in enumerate(SEEDS) for path in _fields(data) if path]


def _mutate(data: Any, path: Path_, value: Any, rename: bool) -> Any:
    """A copy of ``data`` with the field at ``path`` set to ``value`` (or, with ``rename`` and
    a mapping field, its key renamed to ``str(value)``)."""
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if rename and isinstance(parent, dict):
        parent[str(value)] = parent.pop(last)
    else:
        parent[last] = value
    return data


def _check(data: Any) -> None:
    text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, width=10**6)
    read = load_yaml(text, "floe.yaml")
    try:
        options = load.SpecOptions(
            path=Path("/nonexistent/floe.yaml"), display="floe.yaml", process_env=ENV
        )
        found, _ = load.validate(options, source=read)
    except FloeError:
        return
    shown = render.text(found, {"floe.yaml": text}, render.summary_line(["floe.yaml"], found))
    annotations = render.github(found)
    as_json = render.as_json(found, ["floe.yaml"])
    for output in (shown, annotations, as_json):
        assert TOKEN not in output and TOKEN[4:20] not in output, output[:2000]
    assert not any(line.startswith("::") for line in shown.splitlines()), shown[:2000]
    assert all(line.startswith(("::error ", "::warning ")) for line in annotations.splitlines()), (
        annotations[:2000]
    )


def test_every_field_with_every_hostile_value() -> None:
    """327 fields x 41 values x {value, key}: about 20,000 documents."""
    count = 0
    for seed, path in FIELDS:
        for value in HOSTILE:
            for rename in (False, True) if isinstance(path[-1], str) else (False,):
                if rename and isinstance(value, (dict, list)):
                    continue
                _check(_mutate(SEEDS[seed], path, value, rename))
                count += 1
    assert count >= 10_000


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), text, st.sampled_from(HOSTILE)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(text.filter(bool), inner, max_size=4)
    ),
    max_leaves=12,
)
EXAMPLES = 20_000
_ran: list[int] = []


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    st.lists(
        st.tuples(st.sampled_from(FIELDS), values, st.booleans()),
        min_size=1,
        max_size=3,
    )
)
def _random_mutations(mutations: list[tuple[tuple[int, Path_], Any, bool]]) -> None:
    _ran.append(1)
    (seed, _), _, _ = mutations[0]
    data = SEEDS[seed]
    for (other, path), value, rename in mutations:
        if other != seed or (rename and isinstance(value, (dict, list))):
            continue
        try:
            data = _mutate(data, path, value, rename)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this field
    _check(data)


def test_random_mutations_of_random_fields() -> None:
    _random_mutations()
    assert len(_ran) >= EXAMPLES
