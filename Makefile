# Doorstep: `make run` serves the demo; `make test` runs the whole suite. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint setup lock demo clean

setup: $(STAMP)

# Installs from the lock file (an unpinned resolve backtracks for minutes here), with uv for speed.
# Bytecode is compiled here, once: operators' servers (and this one) often forbid writing it at run time
# (PYTHONDONTWRITEBYTECODE, read-only installs), and every command would otherwise compile its imports.
$(STAMP): requirements.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv==0.13.8'
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" app agents tools ingest evals
	touch $(STAMP)

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock --no-header

demo: setup
	$(BIN)/doorstep db upgrade
	$(BIN)/doorstep demo seed --if-empty

run: demo
	$(BIN)/doorstep serve --host $(HOST) --port $(PORT)

# axe-core (the browser tests' accessibility checks) from the npm registry, pinned; without npm the
# accessibility tests skip (CI fails them instead).
AXE := .cache/node_modules/axe-core/axe.min.js
$(AXE):
	mkdir -p .cache && (cd .cache && npm install --no-save --no-audit --no-fund --silent axe-core@4.14.1) \
		|| echo "npm unavailable: the accessibility checks will be skipped"

test: setup $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m evals.bench

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .doorstep .cache .pytest_cache .mypy_cache .ruff_cache
