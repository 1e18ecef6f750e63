"""How one ``floe compile`` (or a command that compiles: review, list, dev mode) compiles."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from floe_runtime.compile.dbt_parse import DbtParses
from floe_runtime.compile.python_assets import DiscoveryMode
from floe_runtime.spec.load import SpecOptions


@dataclass(frozen=True, kw_only=True)
class CompileOptions:
    """How to compile: the spec's inputs, which environments, and how to find the assets."""

    spec: SpecOptions
    environments: tuple[str, ...]
    dbt_parse: bool = False
    discover: DiscoveryMode = "static"
    progress: Callable[[str], None] = field(default=lambda message: None)
    prepare_dbt: Callable[[Path], None] | None = None
    """Called with each dbt project folder before ``dbt parse`` (the review's base installs
    its dbt packages there)."""
    dbt_parses: DbtParses | None = None
    """The parses this compile shares with others of the same command (the review's head and
    base); None: its own."""
    dbt_cache: bool = True
    """Keep floe's dbt target folders between runs, so dbt parses incrementally and not at
    all when nothing it reads changed (off for the review's temporary base checkout)."""
    dbt_follow: str | None = None
    """Reuse the parses of the compile named so (it leads: ``dbt_parses.led``)."""
    manifests: Mapping[str, Path] = field(default_factory=dict)
    """Per environment, a manifest to read when there is neither a parse nor a
    ``manifest_path`` (``floe list``: the compiled bundle's)."""
