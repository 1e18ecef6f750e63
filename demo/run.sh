#!/usr/bin/env bash
# The acceptance demo, end to end on the embedded DuckDB default: validate floe.yaml, compile
# every environment (with a real `dbt parse` per target), list what production will run, show a
# broken change being caught before it could be committed, then load the dev artifact into real
# Dagster and materialize every asset for one day (bronze Python assets, then dbt).
set -euo pipefail
cd "$(dirname "$0")"
FLOE=../.venv/bin/floe
OUT=../dist/floe
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. floe validate: YAML, shape and meaning, in every environment"
"$FLOE" validate shop/floe.yaml

step "2. floe compile --all-envs --dbt-parse: one artifact per environment in dist/floe/"
"$FLOE" compile shop/floe.yaml --all-envs --dbt-parse --out "$OUT"

step "3. what prod will run (read back from the checksummed artifact)"
PROD="$OUT/prod/compiled_artifacts.json"
for kind in jobs schedules partitions backfills; do
  echo "-- $kind"
  "$FLOE" list "$kind" --artifact "$PROD"
done
echo "-- the same floe.yaml in dev: other values (environments/dev.env)"
"$FLOE" list schedules --artifact "$OUT/dev/compiled_artifacts.json"

step "4. a typo is caught on the laptop, with the line to fix"
broken=$(mktemp -d)
trap 'rm -rf "$broken" "${home:-}"' EXIT
cp -r shop "$broken/"
sed -i '0,/      job: bronze_refresh/s//      job: bronze_refesh/' "$broken/shop/floe.yaml"
sed -i 's/cron_schedule: "0 3 \* \* SUN"/cron_schedule: "0 3 * * SUNDAY"/' "$broken/shop/floe.yaml"
if (cd "$broken" && "$OLDPWD/$FLOE" validate shop/floe.yaml --env prod); then
  echo "the broken floe.yaml was accepted" >&2
  exit 1
fi
step "5. the dev artifact in real Dagster: every asset for one day, on DuckDB"
# Same artifact, same loader as a deployment: demo/shop/definitions.py is one call to
# FloeDefinitions.from_compiled_artifacts(), which reads FLOE_ARTIFACTS.
(cd .. && FLOE_ARTIFACTS=dist/floe/dev .venv/bin/python demo/materialize.py 2024-01-05)

step "6. a short named backfill"
# bronze_first_week: 7 daily partitions, batch_size 3 -> 3 Dagster runs (3 + 3 + 1 days), recorded
# in a throw-away DAGSTER_HOME; Ctrl-C stops it and the same command resumes where it stopped.
home=$(mktemp -d)
printf 'telemetry:\n  enabled: false\n' > "$home/dagster.yaml"
(cd .. && DAGSTER_HOME="$home" .venv/bin/floe backfill run bronze_first_week --env dev)

echo
echo "demo: done (artifacts in dist/floe/)"
echo "open the Dagster UI on the demo (from the repository root):"
echo "  FLOE_ARTIFACTS=dist/floe/dev .venv/bin/dagster dev -f demo/shop/definitions.py"
