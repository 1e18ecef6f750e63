"""floe's asset selection parser and resolver, checked against real Dagster 1.13.

Dagster is the oracle: the same graph is built in both, and every expression must select the
same keys; random token soups must be accepted or rejected exactly as its ANTLR parser does."""

from __future__ import annotations

import random
import re
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.selection import (
    AssetInfo,
    SelectionGraph,
    parse_selection,
    resolve,
    runtime_only_attributes,
)
from floe_runtime.ports.selection.lexer import RUNTIME_ATTRIBUTES
from tests.ports.test_selection import DEMO_ASSETS, asset

pytestmark = pytest.mark.differential


GRAPH_SEEDS = range(40)


EXPRESSIONS_PER_GRAPH = 10  # 40 graphs x 10 expressions = 400 differential cases


SOUP_SIZE = 2500


class Dagster:
    """The reference implementation: Dagster's own asset graph and selection parser."""

    def __init__(self) -> None:
        self.dg: Any = pytest.importorskip("dagster")
        from dagster._core.definitions.antlr_asset_selection.antlr_asset_selection import (
            AntlrAssetSelectionParser,
        )
        from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

        self._parser = AntlrAssetSelectionParser
        self._asset_graph = AssetGraph

    def graph(self, assets: Sequence[AssetInfo]) -> Any:
        """One subsettable multi_asset for the materializable assets, plain specs for the rest."""
        dg = self.dg
        materializable = [self._spec(a) for a in assets if a.materializable]
        external = [self._spec(a) for a in assets if not a.materializable]
        definitions = []
        if materializable:

            def compute(context):  # type: ignore[no-untyped-def]  # Dagster reads annotations
                pass

            definitions.append(
                dg.multi_asset(specs=materializable, can_subset=True, name="assets")(compute)
            )
        if external:
            definitions.append(dg.AssetsDefinition(specs=external))
        return self._asset_graph.from_assets(definitions)

    def _spec(self, info: AssetInfo) -> Any:
        dg = self.dg
        kind_prefix = "dagster/kind/"
        return dg.AssetSpec(
            key=dg.AssetKey(info.key.split("/")),
            group_name=info.group,
            tags={k: v for k, v in info.tags.items() if not k.startswith(kind_prefix)},
            kinds={k[len(kind_prefix) :] for k in info.tags if k.startswith(kind_prefix)},
            owners=list(info.owners),
            deps=[dg.AssetKey(dep.split("/")) for dep in info.deps],
        )

    def resolve(self, expr: str, graph: Any) -> frozenset[str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            keys = self.dg.AssetSelection.from_string(expr).resolve(graph)
        return frozenset(key.to_user_string() for key in keys)

    def accepts(self, expr: str) -> bool:
        """Whether the grammar (and its visitor) accept ``expr``, before any legacy fallback."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self._parser(expr)
            except Exception:
                return False
        return True

    def legacy_accepts(self, expr: str) -> bool:
        """Whether ``from_string`` accepts ``expr``, through the legacy fallback if need be."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.dg.AssetSelection.from_string(expr)
            except Exception:
                return False
        return True


@pytest.fixture(scope="module")
def dagster() -> Dagster:
    return Dagster()


def floe_accepts(expr: str) -> bool:
    try:
        parse_selection(expr)
    except SelectionError:
        return False
    return True


DEMO_EXPRESSIONS = [
    "*",
    "key:stg_orders",
    'key:"raw/orders"',
    "key:raw/orders",
    "key:stg_*",
    "key:raw/*",
    "key:*orders*",
    'key:"*"',
    'key:"erp/accounts"',
    "key:web/clicks",
    'key:""',
    "group:silver",
    'group:"gold"',
    'group:"marts/*"',
    'group:"*"',
    "group:default",
    "group:<null>",
    'group:""',
    "tag:staging",
    "tag:tier=gold",
    'tag:"tier"="silver"',
    "tag:tier",
    "tag:tier=<null>",
    "tag:pii",
    "kind:dbt",
    "kind:duckdb",
    "kind:<null>",
    'kind:""',
    'owner:"team:ingest"',
    'owner:"analytics@example.com"',
    "owner:<null>",
    "is:external",
    "is:materializable",
    "+key:stg_accounts",
    "key:erp/accounts+",
    "1+key:fct_orders",
    "key:stg_orders+2",
    "2+key:customers+1",
    "+key:erp/accounts",
    "0+key:erp/accounts",
    "+(key:stg_orders or key:dim_customers)+",
    "sinks(*)",
    "roots(*)",
    'roots(key:"*")',
    "sinks(group:silver)",
    "roots(group:silver)+",
    "+sinks(key:stg_*)",
    "not group:gold",
    "not key:erp/accounts",
    "not not kind:python",
    "group:silver and kind:duckdb",
    "kind:dbt and not tag:staging or group:bronze",
    "kind:dbt and (not tag:staging or group:bronze)",
    "group:gold or group:bronze and kind:python",
    "(group:gold or group:bronze) and kind:python",
    "key:stg_* AND NOT key:stg_orders OR key:audit_log",
    "* and not roots(*)",
    "  key : stg_orders  or\n\tkey:customers ",
]


@pytest.fixture(scope="module")
def demo_graph() -> SelectionGraph:
    return SelectionGraph(DEMO_ASSETS)


@pytest.fixture(scope="module")
def demo_dagster_graph(dagster: Dagster) -> Any:
    return dagster.graph(DEMO_ASSETS)


@pytest.mark.parametrize("expr", DEMO_EXPRESSIONS)
def test_demo_expression_matches_dagster(
    expr: str, dagster: Dagster, demo_graph: SelectionGraph, demo_dagster_graph: Any
) -> None:
    assert resolve(expr, graph=demo_graph) == dagster.resolve(expr, demo_dagster_graph)


NAMES = ["orders", "customers", "payments", "events", "a", "b2", "job", "key", "group", "sinks"]


PREFIXES = ["", "", "", "raw/", "stg/", "marts/core/"]


GROUPS = ["bronze", "silver", "gold", "marts/finance", "marts/ops", None]


TAGS = {"tier": ["gold", "silver", ""], "daily": [""], "domain": ["sales", "ops-eu"], "k": ["x.y"]}


KINDS = ["python", "dbt", "duckdb", "snowflake"]


OWNERS = ["team:data", "team:ml", "alice@example.com"]


def random_assets(rng: random.Random) -> list[AssetInfo]:
    """A DAG of 5-40 assets: deps only point to earlier assets, some to undefined keys."""
    keys: list[str] = []
    for index in range(rng.randint(5, 40)):
        key = rng.choice(PREFIXES) + rng.choice(NAMES)
        keys.append(f"{key}_{index}" if key in keys else key)
    assets = []
    for index, key in enumerate(keys):
        deps = rng.sample(keys[:index], k=min(index, rng.choice([0, 1, 1, 2, 3])))
        if rng.random() < 0.1:
            deps.append(f"src/missing_{rng.randint(0, 2)}")
        tags = {tag: rng.choice(TAGS[tag]) for tag in rng.sample(sorted(TAGS), rng.randint(0, 2))}
        assets.append(
            asset(
                key,
                rng.choice(GROUPS),
                deps=deps,
                kinds=rng.sample(KINDS, rng.randint(0, 3)),
                tags=tags,
                owners=rng.sample(OWNERS, rng.randint(0, 2)),
                materializable=rng.random() > 0.15,
            )
        )
    return assets


PLAIN = re.compile(r"[a-zA-Z_][a-zA-Z0-9_/]*")


RESERVED = {"and", "or", "not", "key", "job", "sinks", "group", "tag", "kind", "is", "sensor"}


class ExpressionGenerator:
    """Random expressions from the grammar, with values drawn from (and beside) the graph."""

    def __init__(self, rng: random.Random, assets: Sequence[AssetInfo]) -> None:
        self.rng = rng
        self.keys = sorted({a.key for a in assets} | {d for a in assets for d in a.deps})

    def expression(self, depth: int = 0) -> str:
        rng = self.rng
        terms = [self._and(depth) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        return f" {rng.choice(['or', 'OR'])} ".join(terms)

    def _and(self, depth: int) -> str:
        rng = self.rng
        terms = [self._unary(depth) for _ in range(rng.choice([1, 1, 2, 3]))]
        return f" {rng.choice(['and', 'AND'])} ".join(terms)

    def _unary(self, depth: int) -> str:
        nots = self.rng.choice([0, 0, 0, 1, 2])
        return "".join(self.rng.choice(["not ", "NOT ", "not\t"]) for _ in range(nots)) + (
            self._primary(depth)
        )

    def _primary(self, depth: int) -> str:
        rng = self.rng
        if rng.random() < 0.08:
            return "*"
        up = rng.choice(["", "", "+", f"{rng.randint(0, 3)}+"])
        down = rng.choice(["", "", "+", f"+{rng.randint(0, 3)}"])
        return f"{up}{self._traversable(depth)}{down}"

    def _traversable(self, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if depth >= 3 or roll < 0.6:
            return self._attribute()
        inner = self.expression(depth + 1)
        if roll < 0.8:
            return f"{rng.choice(['sinks', 'roots'])}({inner})"
        return rng.choice(["({})", "( {} )"]).format(inner)

    def _attribute(self) -> str:
        rng = self.rng
        name = rng.choice(["key", "key", "key", "group", "tag", "tag", "kind", "owner", "is"])
        if name == "key":
            return f"key:{self._key_pattern()}"
        if name == "group":
            choices = [*(g for g in GROUPS if g), "default", "nope", '"marts/*"', '"*"', '""']
            return f"group:{self._literal(rng.choice([*choices, '<null>']))}"
        if name == "tag":
            tag = rng.choice([*TAGS, "nope"])
            value = rng.choice([*TAGS.get(tag, ["v"]), "<null>", None])
            suffix = "" if value is None else f"={self._literal(value)}"
            return f"tag:{self._literal(tag)}{suffix}"
        if name == "kind":
            return f"kind:{self._literal(rng.choice([*KINDS, 'nope', '', '<null>']))}"
        if name == "owner":
            return f"owner:{self._literal(rng.choice([*OWNERS, '<null>']))}"
        return f"is:{rng.choice(['external', 'materializable'])}"

    def _key_pattern(self) -> str:
        rng = self.rng
        key = rng.choice(self.keys)
        roll = rng.random()
        if roll < 0.5:
            return self._literal(key)
        if roll < 0.8:  # a wildcard built from part of an existing key
            cut = rng.randint(1, len(key))
            pattern = rng.choice([key[:cut] + "*", "*" + key[cut:], f"*{key[cut - 1 : cut]}*"])
            quoted = not re.fullmatch(r"[a-zA-Z_*][a-zA-Z0-9_*/]*", pattern) or pattern == "*"
            return f'"{pattern}"' if quoted or rng.random() < 0.3 else pattern
        return rng.choice(['"*"', "missing_key", '""', '"raw/*"'])

    def _literal(self, value: str) -> str:
        if value.startswith('"') or value == "<null>":
            return value
        if PLAIN.fullmatch(value) and value not in RESERVED and self.rng.random() < 0.7:
            return value
        return f'"{value}"'


def differential_cases() -> Iterator[tuple[int, list[AssetInfo], list[str]]]:
    for seed in GRAPH_SEEDS:
        rng = random.Random(seed)
        assets = random_assets(rng)
        generator = ExpressionGenerator(rng, assets)
        yield seed, assets, [generator.expression() for _ in range(EXPRESSIONS_PER_GRAPH)]


@pytest.mark.parametrize(("seed", "assets", "expressions"), list(differential_cases()))
def test_random_graphs_match_dagster(
    seed: int, assets: list[AssetInfo], expressions: list[str], dagster: Dagster
) -> None:
    graph = SelectionGraph(assets)
    dagster_graph = dagster.graph(assets)
    for expr in expressions:
        assert dagster.accepts(expr), expr  # so from_string did not use its legacy fallback
        assert resolve(expr, graph=graph) == dagster.resolve(expr, dagster_graph), (seed, expr)


SOUP_TOKENS = [
    *["key", "group", "tag", "kind", "owner", "is", "status", "sensor", "job", "code_location"],
    *["sinks", "roots", "and", "AND", "or", "Or", "not", "NOT", "notkey"],
    *[":", "=", "+", "*", "(", ")", ",", "2", "07", "<null>", "<nul", '"x y"', '"', '""'],
    *["a", "raw/orders", "stg_*", "*a", "**", "_", "a.b", "a-b", "$", "\\", "é", "external"],
]


SEPARATORS = ["", "", " ", "  ", "\t", "\n"]


def token_soup(rng: random.Random, valid: Sequence[str]) -> str:
    """Half random token sequences, half one-character mutations of valid expressions."""
    if rng.random() < 0.5:
        length = rng.randint(1, 8)
        return "".join(rng.choice(SOUP_TOKENS) + rng.choice(SEPARATORS) for _ in range(length))
    expr = rng.choice(valid)
    pos = rng.randint(0, len(expr))
    roll = rng.random()
    if roll < 0.4:
        return expr[:pos] + expr[pos + 1 :]
    if roll < 0.8:
        return expr[:pos] + rng.choice('+*:()=" a1\\<') + expr[pos:]
    return expr[:pos] + rng.choice(SOUP_TOKENS) + " " + expr[pos:]


def test_token_soups_are_accepted_exactly_when_dagster_accepts(
    dagster: Dagster, demo_graph: SelectionGraph, demo_dagster_graph: Any
) -> None:
    rng = random.Random(1234)
    valid = [ExpressionGenerator(rng, DEMO_ASSETS).expression() for _ in range(200)]
    valid += DEMO_EXPRESSIONS
    soups = [token_soup(rng, valid) for _ in range(SOUP_SIZE)]
    # Dagster's grammar, plus the tag: strings its silent legacy fallback reads (floe reads
    # them too); other legacy forms floe refuses with their modern spelling.
    disagreements = [
        s
        for s in soups
        if floe_accepts(s)
        != (dagster.accepts(s) or (s.startswith("tag:") and dagster.legacy_accepts(s)))
    ]
    assert disagreements == []
    accepted = [s for s in soups if floe_accepts(s)]
    assert 0.1 * SOUP_SIZE < len(accepted) < 0.9 * SOUP_SIZE  # the soup exercises both sides
    for expr in accepted:
        if not runtime_only_attributes(parse_selection(expr)):
            assert resolve(expr, graph=demo_graph) == dagster.resolve(expr, demo_dagster_graph), (
                expr
            )


def test_legacy_hint_only_for_what_dagster_falls_back_to(dagster: Dagster) -> None:
    rng = random.Random(99)
    soups = [token_soup(rng, DEMO_EXPRESSIONS) for _ in range(SOUP_SIZE)]
    names = ["my_asset", "*raw_orders+", "++a*", " a.b ", "tag:team-a", "tag:a=b.c", "and", "12"]
    for expr in [*soups, *names]:
        try:
            parse_selection(expr)
        except SelectionError as error:
            if "legacy syntax" in error.message:
                assert dagster.legacy_accepts(expr), expr
            elif not re.search(r'["\\\r\n]', expr):
                assert not dagster.legacy_accepts(expr), expr


@pytest.mark.parametrize(
    "expr",
    [
        "tag:k=",
        "tag:finance=",
        "tag:finance",
        "tag:team-a",
        "tag:a=b.c",
        'tag:"finance"=',
        "tag:finance= and key:a",
        "tag:=",
        "tag:",
    ],
)
def test_legacy_tag_strings_select_what_dagster_selects(
    expr: str, demo_graph: SelectionGraph, dagster: Dagster, demo_dagster_graph: Any
) -> None:
    """Dagster reads these through its silent ``tag_string`` fallback; so does floe."""
    assert dagster.legacy_accepts(expr)
    assert resolve(expr, graph=demo_graph) == dagster.resolve(expr, demo_dagster_graph)


def test_more_than_one_equals_is_refused_like_dagster(dagster: Dagster) -> None:
    with pytest.raises(SelectionError):
        parse_selection("tag:a=b=c")
    assert not dagster.legacy_accepts("tag:a=b=c")


@pytest.mark.parametrize("name", RUNTIME_ATTRIBUTES)
def test_runtime_attributes_parse_but_do_not_resolve(
    name: str, demo_graph: SelectionGraph, dagster: Dagster, demo_dagster_graph: Any
) -> None:
    expr = f'key:stg_* and ({name}:x or {name}:"y")'
    assert runtime_only_attributes(parse_selection(expr)) == (name,)
    assert dagster.accepts(expr)
    with pytest.raises(SelectionError) as raised:
        resolve(expr, graph=demo_graph)
    assert raised.value.message == (
        f"{name}: at column 16 depends on runtime state: floe resolves job selections before "
        "deploy; select with key:, group:, tag:, kind:, owner: or is:"
    )
    assert raised.value.column == 16
    if name != "partitions":  # Dagster reads partitions: from the definitions; floe does not
        with pytest.raises(Exception):  # noqa: B017 - Dagster raises several kinds here
            dagster.resolve(expr, demo_dagster_graph)
