"""Selections resolved on a static asset graph, as Dagster's
``AssetSelection.from_string(expr).resolve`` does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, reduce
from typing import TypeVar

from floe_runtime.ports.constants import DEFAULT_GROUP, KIND_TAG_PREFIX
from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.globs import compile_wildcard
from floe_runtime.ports.selection.syntax import (
    UNLIMITED,
    AllAssets,
    And,
    Attribute,
    Not,
    Or,
    Roots,
    Selection,
    Sinks,
    Traversal,
    parse_selection,
)

# --- the asset graph -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetInfo:
    """What selection needs to know about one asset.

    ``key`` is the user string (components joined by "/"); ``group`` None means Dagster's
    "default" group; ``tags`` include the ``dagster/kind/<kind>`` tags; ``deps`` are upstream
    keys; ``materializable`` is False for external assets such as unmapped dbt sources.
    """

    key: str
    group: str | None
    tags: Mapping[str, str]
    owners: tuple[str, ...]
    deps: tuple[str, ...]
    materializable: bool = True


class SelectionGraph:
    """Assets indexed for resolving selections: neighbours for traversals, and the attribute
    lookups, so that resolving an expression costs little more than the sets it touches.

    Dependencies on keys without an AssetInfo become external assets, as Dagster creates them.
    Self-dependencies are dropped: they never change a selection.
    """

    def __init__(self, assets: Iterable[AssetInfo]) -> None:
        infos: dict[str, AssetInfo] = {}
        for info in assets:
            if info.key in infos:
                raise ValueError(f"asset key {info.key!r} is defined twice")
            infos[info.key] = info
        for dep in {dep for info in infos.values() for dep in info.deps} - infos.keys():
            infos[dep] = AssetInfo(dep, None, {}, (), (), materializable=False)

        self.keys: frozenset[str] = frozenset(infos)
        self.materializable: frozenset[str] = frozenset(
            k for k, i in infos.items() if i.materializable
        )
        self._parents = {
            k: tuple(dict.fromkeys(d for d in i.deps if d != k)) for k, i in infos.items()
        }
        self._children = _invert(self._parents)
        self._infos = infos
        self._built = [infos[key] for key in self.materializable]
        self._wildcards: dict[str, frozenset[str]] = {}

    # Each index is built the first time a selection needs it: most jobs select by group or key.

    @cached_property
    def _groups(self) -> dict[str, frozenset[str]]:
        return _index((info.group or DEFAULT_GROUP, info.key) for info in self._built)

    @cached_property
    def _tags(self) -> dict[tuple[str, str], frozenset[str]]:
        return _index((tag, info.key) for info in self._built for tag in info.tags.items())

    @cached_property
    def _tag_keys(self) -> dict[str, frozenset[str]]:
        return _index((tag, info.key) for info in self._built for tag in info.tags)

    @cached_property
    def _kindless(self) -> frozenset[str]:
        return frozenset(
            info.key
            for info in self._built
            if not any(t.startswith(KIND_TAG_PREFIX) for t in info.tags)
        )

    @cached_property
    def _owners(self) -> dict[str, frozenset[str]]:
        return _index((owner, info.key) for info in self._infos.values() for owner in info.owners)

    def keys_matching(self, pattern: str) -> frozenset[str]:
        """``key:``: any asset, external ones included, whose user string matches the pattern.
        Wildcard results are memoised: many jobs repeat the same ``not key:tmp_*``."""
        if "*" not in pattern:  # Dagster's regex is then equality, but "$" also allows one "\n"
            return self.keys & {pattern, pattern + "\n"}
        found = self._wildcards.get(pattern)
        if found is None:
            regex = compile_wildcard(pattern)
            found = self._wildcards[pattern] = frozenset(k for k in self.keys if regex.match(k))
        return found

    def in_group(self, group: str | None) -> frozenset[str]:
        """``group:``; Dagster reads ``group:<null>`` and ``group:""`` as no group at all."""
        if not group:
            return frozenset()
        if "*" not in group:
            return self._groups.get(group, frozenset())
        regex = compile_wildcard(group)
        return frozenset().union(
            *(keys for name, keys in self._groups.items() if regex.match(name))
        )

    def tagged(self, key: str, value: str) -> frozenset[str]:
        return self._tags.get((key, value), frozenset())

    def of_kind(self, kind: str | None) -> frozenset[str]:
        """``kind:x`` is the presence of tag ``dagster/kind/x``; ``kind:<null>`` means no kind."""
        if kind is None:
            return self._kindless
        return self._tag_keys.get(KIND_TAG_PREFIX + kind, frozenset())

    def owned_by(self, owner: str | None) -> frozenset[str]:
        return frozenset() if owner is None else self._owners.get(owner, frozenset())

    def upstream(self, selected: frozenset[str], depth: int) -> frozenset[str]:
        """Dagster keeps only materializable assets upstream, the selected ones included."""
        if not selected:
            return selected
        return _closure(selected, self._parents, depth) & self.materializable

    def downstream(self, selected: frozenset[str], depth: int) -> frozenset[str]:
        return _closure(selected, self._children, depth)

    def sinks(self, selected: frozenset[str]) -> frozenset[str]:
        """Selected assets with no selected asset downstream of them."""
        ancestors = _closure(_neighbours(selected, self._parents), self._parents, UNLIMITED)
        return selected - ancestors

    def roots(self, selected: frozenset[str]) -> frozenset[str]:
        """Selected assets with no selected asset upstream of them."""
        descendants = _closure(_neighbours(selected, self._children), self._children, UNLIMITED)
        return selected - descendants


_K = TypeVar("_K")


def _invert(parents: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {key: [] for key in parents}
    for key, deps in parents.items():
        for dep in deps:
            children[dep].append(key)
    return {key: tuple(keys) for key, keys in children.items()}


def _index(pairs: Iterable[tuple[_K, str]]) -> dict[_K, frozenset[str]]:
    grouped: dict[_K, set[str]] = {}
    for attribute, key in pairs:
        grouped.setdefault(attribute, set()).add(key)
    return {attribute: frozenset(keys) for attribute, keys in grouped.items()}


def _neighbours(keys: Iterable[str], edges: Mapping[str, tuple[str, ...]]) -> set[str]:
    return set().union(*(edges[key] for key in keys))


def _closure(
    start: Iterable[str], edges: Mapping[str, tuple[str, ...]], depth: int
) -> frozenset[str]:
    """``start`` plus the keys at most ``depth`` edges away, breadth first.

    This is Dagster's ``selection | fetch_connected(selection, depth)``: its Traverser revisits
    start keys that other start keys reach, but that never adds keys to the union.
    """
    reached = set(start)
    frontier = reached
    level = 0
    while frontier and level < depth:
        frontier = _neighbours(frontier, edges) - reached
        reached |= frontier
        level += 1
    return frozenset(reached)


@lru_cache(maxsize=1024)

# --- resolution ------------------------------------------------------------------------------


def resolve(expr_or_selection: str | Selection, *, graph: SelectionGraph) -> frozenset[str]:
    """The asset keys Dagster would select; SelectionError for syntax or runtime-only attributes."""
    if isinstance(expr_or_selection, str):
        return _evaluate(parse_selection(expr_or_selection), graph)
    return _evaluate(expr_or_selection, graph)


def _evaluate(selection: Selection, graph: SelectionGraph) -> frozenset[str]:
    match selection:
        case AllAssets():
            return graph.materializable
        case Not(operand):
            return graph.materializable - _evaluate(operand, graph)
        case And(operands):
            return reduce(frozenset.__and__, (_evaluate(o, graph) for o in operands))
        case Or(operands):
            return reduce(frozenset.__or__, (_evaluate(o, graph) for o in operands))
        case Traversal(operand, up, down):
            selected = _evaluate(operand, graph)
            upstream = frozenset() if up is None else graph.upstream(selected, up)
            return upstream | (frozenset() if down is None else graph.downstream(selected, down))
        case Sinks(operand):
            return graph.sinks(_evaluate(operand, graph))
        case Roots(operand):
            return graph.roots(_evaluate(operand, graph))
        case Attribute():
            return _evaluate_attribute(selection, graph)


def _evaluate_attribute(attribute: Attribute, graph: SelectionGraph) -> frozenset[str]:
    match attribute.name, attribute.value:
        case "key", str(pattern):
            return graph.keys_matching(pattern)
        case "tag", str(key):
            return graph.tagged(key, attribute.tag_value)
        case "is", "external":
            return graph.keys - graph.materializable
        case "is", "materializable":
            return graph.materializable
        case "group", group:
            return graph.in_group(group)
        case "kind", kind:
            return graph.of_kind(kind)
        case "owner", owner:
            return graph.owned_by(owner)
    raise SelectionError(
        f"{attribute.name}: at column {attribute.column} depends on runtime state: floe resolves "
        "job selections before deploy; select with key:, group:, tag:, kind:, owner: or is:",
        attribute.column,
    )
