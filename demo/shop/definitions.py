"""The shop's Dagster code location: everything comes from the compiled floe artifact.

FLOE_ARTIFACTS=dist/floe/dev dagster dev -f demo/shop/definitions.py
"""

from floe_runtime import FloeDefinitions

defs = FloeDefinitions.from_compiled_artifacts()
