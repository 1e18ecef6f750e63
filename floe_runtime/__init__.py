"""floe: one declarative floe.yaml for dbt on Dagster.

Importing this package is cheap on purpose: the CLI and the pre-commit hooks start from here,
and they must not pay for Dagster. The Dagster runtime is reached lazily through
``floe_runtime.FloeDefinitions``.
"""

from typing import TYPE_CHECKING

from floe_runtime.base.version import __version__

if TYPE_CHECKING:  # for annotations; at run time both come on first use (below)
    from floe_runtime.definitions.loader import FloeDefinitions
    from floe_runtime.definitions.watched_run import WatchedRun

__all__ = ["FloeDefinitions", "WatchedRun", "__version__"]


def __getattr__(name: str) -> object:
    """``FloeDefinitions`` is imported on first use, with Dagster (PEP 562)."""
    if name == "FloeDefinitions":
        from floe_runtime.definitions.loader import FloeDefinitions

        return FloeDefinitions
    if name == "WatchedRun":  # plain data: what an alert function's ``run`` parameter receives
        from floe_runtime.definitions.watched_run import WatchedRun

        return WatchedRun
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
