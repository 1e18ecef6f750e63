#!/usr/bin/env bash
# The acceptance demo, end to end on the embedded DuckDB default.
set -euo pipefail
cd "$(dirname "$0")"
FLOE=../.venv/bin/floe

echo "== floe validate: shop/floe.yaml in every environment"
"$FLOE" validate shop/floe.yaml
