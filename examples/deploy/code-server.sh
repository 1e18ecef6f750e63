#!/usr/bin/env bash
# The code server of a floe project: the deploy check, then Dagster's gRPC server on the
# reviewed bundle. The image's entrypoint, or a systemd unit; restart it to serve a new bundle.
#   FLOE_ARTIFACTS     the downloaded bundle folder (floe-artifacts-prod), anywhere
#   FLOE_PROJECT_ROOT  the checkout of the commit the bundle was compiled from
#   FLOE_CODE_HOST, FLOE_CODE_PORT  where to listen (default 0.0.0.0:4000)
set -euo pipefail
: "${FLOE_ARTIFACTS:?set FLOE_ARTIFACTS to the bundle folder}"
: "${FLOE_PROJECT_ROOT:?set FLOE_PROJECT_ROOT to the code checkout}"
floe doctor  # exit 1 with what to fix: bundle, code, dbt and environment must match
# --lazy-load-user-code: a definitions error is served to the UI (the location's error) instead
# of the server exiting, which the UI only shows as "could not reach user code server".
exec dagster api grpc --lazy-load-user-code \
  --host "${FLOE_CODE_HOST:-0.0.0.0}" --port "${FLOE_CODE_PORT:-4000}" \
  --working-directory "$FLOE_PROJECT_ROOT" -f "$FLOE_PROJECT_ROOT/demo/shop/definitions.py"
