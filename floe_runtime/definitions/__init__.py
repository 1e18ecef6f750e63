"""The Dagster side of floe: the only subpackage that imports ``dagster`` and ``dagster_dbt``."""
