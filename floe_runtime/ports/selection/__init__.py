"""Dagster's asset selection syntax (``key:raw/* and not tag:nightly``), parsed and resolved here.

floe resolves every job's selection at compile time, before anything is deployed, and without
importing Dagster. So this package re-implements the ANTLR grammar that Dagster 1.13 ships
(``AssetSelection.g4``) and the resolution rules of ``AssetSelection.from_string(expr).resolve``
on a static asset graph, and must agree with them exactly: the same strings are accepted, and the
same asset keys are selected. ``tests/differential/test_selection.py`` checks both against real
Dagster.

Deliberate differences: Dagster retries expressions its grammar rejects with a legacy syntax
(``*my_asset+``); floe refuses them and names the modern spelling, except legacy ``tag:k=v``
strings, which it reads as Dagster does (``tag:k=`` is common and valid there). Attributes that
depend on a running deployment (``status:``, ``sensor:`` ...) parse, but resolving them is refused.
"""

from floe_runtime.ports.selection.evaluation import AssetInfo, SelectionGraph, resolve
from floe_runtime.ports.selection.syntax import (
    Selection,
    attributes,
    parse_selection,
    runtime_only_attributes,
    value_literal,
)

__all__ = [
    "AssetInfo",
    "Selection",
    "SelectionGraph",
    "attributes",
    "parse_selection",
    "resolve",
    "runtime_only_attributes",
    "value_literal",
]
