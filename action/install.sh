#!/usr/bin/env bash
# Install floe from the action's own checkout into a virtual environment of this job, under
# $RUNNER_TEMP (which the runner empties before and after every job), keyed by a hash of
# everything installed (Python version, pyproject.toml, the package sources, the dbt packages)
# so repeated uses in one job install once. Never in the shared tool cache: on a self-hosted
# runner a lower-trust job (a pull request's) could rewrite a shared venv, and any hash it
# were checked against would be just as writable, so a later trusted job would run its code.
set -euo pipefail

root=${FLOE_ACTION_PATH:?}
python=${FLOE_PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "::error title=floe::python '$python' was not found; set the action's python input"
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "::error title=floe::floe needs Python >= 3.10; '$python' is $("$python" -V 2>&1)"
  exit 1
fi

packages=()
if [[ ${FLOE_DBT_PARSE:-true} == true && ${FLOE_MODE:-all} != publish ]] && ! command -v dbt >/dev/null 2>&1; then
  read -r -a packages <<<"${FLOE_DBT_PACKAGES:-}"
fi

key=$(
  {
    "$python" -c 'import sys; print(sys.version)'
    printf '%s\n' "${packages[@]}"
    cd "$root" && sha256sum pyproject.toml && find floe_runtime -type f -name '*.py' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)
if [[ -z ${RUNNER_TEMP:-} ]]; then
  RUNNER_TEMP=$(mktemp -d)  # outside Actions: a fresh folder, never a shared one
fi
venv=$RUNNER_TEMP/floe-action/$key
mkdir -p "$RUNNER_TEMP/floe-action"

if [[ -f $venv/.complete ]]; then
  echo "floe: reusing $venv (installed earlier in this job)"
else
  rm -rf "$venv"
  echo "floe: installing floe${packages[*]:+ and ${packages[*]}} into $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root" "${packages[@]}"
  touch "$venv/.complete"
fi
echo "bin=$venv/bin" >>"$GITHUB_OUTPUT"
