"""Pure-Python ports of what Dagster and dagster-dbt decide, so the core never imports them:
``selection`` (the asset selection grammar), ``cron``, ``partitions`` and ``partition_keys``,
``dbt_manifest`` (the manifest as dagster-dbt reads it), ``globs``. Each is held equal to the
original by ``tests/differential``.
"""
