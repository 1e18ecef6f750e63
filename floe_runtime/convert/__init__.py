"""``floe init``'s pure part: read an existing dbt project and Dagster code location, never
executing them, and write the floe.yaml that reproduces their orchestration.

``modules`` walks the code location's own modules and their names; ``translate`` turns the
Dagster constructs it recognises into floe.yaml entries, and everything else into notes that
name the file and line; ``dbt_project`` finds the dbt project; ``render`` writes the text.
"""
