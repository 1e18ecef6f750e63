# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
# LOWEST=1 (CI's `lowest` job): every direct dependency at the lowest version pyproject.toml
# allows (`>=X` becomes X), resolved by uv's lowest-direct, in a venv of its own.
PYTHON ?= python3
LOWEST ?=
VENV   ?= $(if $(LOWEST),.venv-lowest,.venv)
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.floe-installed
INSTALL = $(if $(LOWEST),$(BIN)/uv pip install --quiet --python $(BIN)/python \
          --resolution lowest-direct,$(BIN)/python -m pip install --quiet)
# Workflows outside .github/ (zizmor finds those itself): the ones users copy, the act tests' one.
OTHER_WORKFLOWS := $(wildcard examples/workflows/*.yml tests/action/workflows/*.yml)
WORKFLOWS := $(wildcard .github/workflows/*.yml) $(OTHER_WORKFLOWS)

.PHONY: setup postgres demo test docs lint typecheck imports workflows schemas bench screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip $(if $(LOWEST),uv)
	$(INSTALL) -e '.[dagster,dev]'
	touch $(STAMP)

setup: $(STAMP) postgres

# Debian's PostgreSQL server for tests/daemon (a throw-away cluster per run); CI starts from a
# machine that has only Python, git and make.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  else echo "make: tests/daemon need PostgreSQL: sudo apt-get install -y postgresql" >&2; fi; }

demo: setup
	@demo/run.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy floe_runtime action

imports: setup
	$(BIN)/lint-imports --no-cache

# The workflows and the Action: zizmor's security audits (offline; .github/zizmor.yml says
# what it may not flag and why), then actionlint with shellcheck on every `run:`.
workflows: setup
	$(BIN)/zizmor --offline --no-progress .github/ action.yml $(OTHER_WORKFLOWS)
	$(BIN)/actionlint -shellcheck $(BIN)/shellcheck $(WORKFLOWS)

# Everything in parallel, then tests/daemon: a real deployment (Postgres, gRPC code server,
# daemon, webserver) that owns its ports and processes, so it runs alone, in one process;
# -rP prints what it saw (runs, ticks, cursors) into the log.
# Coverage is gathered over both halves and reported (with its floor) after the second.
# LOWEST=1 leaves out lint and typecheck: ruff's and mypy's verdicts belong to their versions
# (ruff 0.6 formats differently from today's), so those run with the newest tools only.
test: $(if $(LOWEST),,lint typecheck) imports workflows docs
	$(BIN)/pytest -n auto --dist loadgroup -m 'not daemon' --cov --cov-report= --cov-fail-under=0
	$(BIN)/pytest -n 0 -m daemon -rP tests/daemon --cov --cov-append --cov-report=term

# The manual (mkdocs.yml, docs/): every link and anchor must resolve.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

schemas: setup
	$(BIN)/floe schema export

bench: setup
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/many_errors.py
	$(BIN)/python bench/runtime_load.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/hooks.py
	$(BIN)/python bench/dev_reload.py

screenshot: setup  # docs/asset-graph.png from the running Dagster UI (needs chromium)
	$(BIN)/python docs/screenshot.py

clean:
	rm -rf .venv .venv-lowest dist site .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage
