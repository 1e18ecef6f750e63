"""spec + environment → the artifact, without Dagster.

Entry points: ``pipeline.compile_environments(options)`` (every requested environment, in
memory) and ``pipeline.write_bundles``; ``options.CompileOptions``; ``compiler.build_artifact``
(one environment's artifact from its inputs: pure). The inputs come from ``python_inputs`` and
``dbt_manifests``; the checks against the asset graph live in ``*_checks.py``.
"""
