"""The shop's Dagster code location: everything comes from the compiled floe artifact.

FLOE_ARTIFACTS=dist/floe/dev dagster dev -f demo/shop/definitions.py

Under `dagster dev` floe.yaml is compiled again when it, an env file, an asset module or the dbt
project changed, so a reload in the UI is enough (development mode; FLOE_DEV=0 turns it off).
"""

from floe_runtime import FloeDefinitions

defs = FloeDefinitions.from_compiled_artifacts()
