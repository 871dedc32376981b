# The two commands: `make run` serves the demo; `make test` runs the whole suite.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := forum

.PHONY: run test pytest check install install-dev lint format e2e bench clean lock lock-upgrade audit typecheck

# Exact versions with hashes, made from pyproject.toml by `make lock` (uv pip compile):
# requirements.lock for serving, requirements-dev.lock with the dev extra as well.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock"

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locked versions first, hashes checked; then the project itself, which brings nothing more.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(VENV)/.installed $@

# axe-core, which the browser tests inject into pages; npm keeps the tarball's old dates,
# hence the touch.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev node_modules/axe-core/axe.min.js

# Links in mail and invitations point where `make run` serves, unless set otherwise.
run: export FORUM_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo "Serving on $(FORUM_BASE_URL)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: check pytest

# tests/test_lockfile.py fails when the lock files are out of step with pyproject.toml.
pytest: install-dev
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

check: install-dev
	$(BIN)/ruff check forum tests bench
	$(BIN)/ruff format --check forum tests bench
	$(BIN)/mypy

# mypy over forum/ alone (also part of `make check`): settings in pyproject.toml [tool.mypy].
typecheck: install-dev
	$(BIN)/mypy

# After editing pyproject.toml's dependencies: keeps every other pin as it is. The serving
# lock is constrained by the dev lock, so both hold the same versions.
lock: $(BIN)/uv
	$(COMPILE) --extra dev -o $(DEV_LOCK)
	$(COMPILE) -c $(DEV_LOCK) -o $(LOCK)

# uv alone, at its locked version: locking never reinstalls the environment.
$(BIN)/uv: | $(BIN)/python
	$(BIN)/pip install --quiet --no-deps "$$(grep -m1 '^uv==' $(DEV_LOCK) | cut -d' ' -f1)"

# Moves every pin to the newest release the ranges in pyproject.toml allow.
lock-upgrade: $(BIN)/uv
	$(COMPILE) --extra dev --upgrade -o $(DEV_LOCK)
	$(COMPILE) -c $(DEV_LOCK) -o $(LOCK)

# Known advisories against the locked versions (skipped, saying why, when unreachable).
audit: install-dev
	$(BIN)/python .ci/audit.py $(DEV_LOCK)

lint: install-dev
	$(BIN)/ruff check forum tests bench

format: install-dev
	$(BIN)/ruff format forum tests bench
	$(BIN)/ruff check --fix forum tests bench

bench: install-dev
	$(BIN)/python bench/sqlite_writers.py

clean:
	rm -rf $(VENV) .pytest_cache instance/forum.db* instance/search-index
