"""The Dagster side of floe: the only subpackage that imports ``dagster`` and ``dagster_dbt``.

Entry points: ``loader.FloeDefinitions.from_compiled_artifacts(path=None, *, ...)`` (the
artifact as Dagster ``Definitions``; development mode in ``dev``); for ``floe backfill``,
``code_location`` (the repository a code location builds), ``backfills`` (run) and
``backfill_launch`` (launch on a deployment); ``locate`` finds the bundle to load.
"""
