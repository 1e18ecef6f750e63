"""The runtime: what runs in a deployment, and the only subpackage that imports ``dagster`` and
``dagster_dbt``.

Entry points: ``loader.FloeDefinitions.from_compiled_artifacts(path=None, *, ...)`` (the
artifact as Dagster ``Definitions``; development mode in ``dev``); for ``floe backfill``,
``code_location`` (the repository a code location builds), ``backfills`` (run) and
``backfill_launch`` (launch on a deployment); ``locate`` finds the bundle to load; ``errors``.

Some of it is plain Python on purpose, so that it costs no Dagster import where Dagster is not
needed yet: ``locate`` and ``dev_inputs`` (before the load), ``backfill_plan`` (the rules, with
keys handed in), ``backfill_launch`` (GraphQL to a webserver), ``watched_run`` (a type a
project's function may annotate with). They are the runtime's, so they live here.
"""
