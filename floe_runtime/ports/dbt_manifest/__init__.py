"""dbt's half of floe's asset graph, read from ``manifest.json`` without importing dagster or dbt.

The compiler must show the dbt assets exactly as the runtime will define them, and the runtime
defines them with dagster-dbt 0.29's ``@dbt_assets`` and its default ``DagsterDbtTranslator``. So
this module re-implements that translator's rules on the raw manifest (keys, groups, deps through
ephemeral models, tags and kinds, owners, descriptions), plus one floe rule for sources, which
the runtime's translator subclass applies by calling :func:`source_asset_key`.
``tests/differential/test_dbt_manifest.py`` checks the result against real dagster-dbt.
"""

from floe_runtime.ports.dbt_manifest.digest import manifest_digest
from floe_runtime.ports.dbt_manifest.graph import (
    DbtAsset,
    DbtGraph,
    DbtSource,
    dbt_graph,
    node_asset_key,
    relation_name,
    source_asset_key,
)
from floe_runtime.ports.dbt_manifest.read import (
    ASSET_RESOURCE_TYPES,
    NODE_SECTIONS,
    SUPPORTED_SCHEMA_VERSIONS,
    load_manifest,
    manifest_bytes,
    parse_manifest,
    shape_problems,
)
from floe_runtime.ports.dbt_manifest.translation import Translation

__all__ = [
    "ASSET_RESOURCE_TYPES",
    "NODE_SECTIONS",
    "SUPPORTED_SCHEMA_VERSIONS",
    "DbtAsset",
    "DbtGraph",
    "DbtSource",
    "Translation",
    "dbt_graph",
    "load_manifest",
    "manifest_bytes",
    "manifest_digest",
    "node_asset_key",
    "parse_manifest",
    "relation_name",
    "shape_problems",
    "source_asset_key",
]
