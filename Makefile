# The two commands: `make run` serves the demo; `make test` runs the whole suite.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := forum

.PHONY: run test install install-dev lint format e2e bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
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

test: install-dev
	$(BIN)/ruff check forum tests bench
	$(BIN)/ruff format --check forum tests bench
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check forum tests bench

format: install-dev
	$(BIN)/ruff format forum tests bench
	$(BIN)/ruff check --fix forum tests bench

bench: install-dev
	$(BIN)/python bench/sqlite_writers.py

clean:
	rm -rf $(VENV) .pytest_cache instance/forum.db* instance/search-index
