"""floe: one declarative floe.yaml for dbt on Dagster.

Importing this package is cheap on purpose: the CLI and the pre-commit hooks start from here,
and they must not pay for Dagster. The Dagster runtime is reached lazily through
``floe_runtime.FloeDefinitions``.
"""

__version__ = "0.1.0"
