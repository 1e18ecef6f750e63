"""floe.yaml as a validated spec, without Dagster.

Entry points: ``load.read`` and ``load.load_spec(options, *, environment=...)`` (one environment's
spec, with every diagnostic), ``load.validate`` (what ``floe validate`` checks), ``SpecOptions``.
The model is ``models.FloeProject`` (with ``fields``, ``partitions`` and ``triggers``);
``yaml_loader`` reads YAML with positions, ``semantics`` checks meaning.
"""
