#!/usr/bin/env bash
# Install floe from the action's own checkout into a virtual environment under the runner's
# tool cache, keyed by a hash of everything installed (Python version, pyproject.toml, the
# package sources, the dbt packages). Self-hosted runners and repeated uses in one job reuse
# it; GitHub-hosted runners start each job empty, so there it is a plain install (~15 s).
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
cache=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/floe-action
venv=$cache/$key
mkdir -p "$cache"

install() {
  if [[ -f $venv/.complete ]]; then
    echo "floe: reusing $venv"
    return
  fi
  rm -rf "$venv"
  echo "floe: installing floe${packages[*]:+ and ${packages[*]}} into $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root" "${packages[@]}"
  touch "$venv/.complete"
}

# Two jobs of one self-hosted runner may install the same key at once: one waits.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv.lock"
  flock 9
fi
install
echo "bin=$venv/bin" >>"$GITHUB_OUTPUT"
