# Two entry points: `make sync` (the main job) and `make test` (every check CI runs).
# Everything installs into .venv from requirements.lock; nothing global is needed but python3.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: install sync demo test lint lock

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --compile-bytecode --require-hashes -r requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --no-deps -e .
	touch $@

## The main job: Clockify into output/*.jsonl through Meltano. Uses TAP_CLOCKIFY_API_KEY
## (and other TAP_CLOCKIFY_* settings) when set, else the bundled demo Clockify server.
sync: install
	$(BIN)/python scripts/sync.py

## Every check: lint, format, types, then the whole test suite.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

## Re-pin dependencies after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --group dev --universal --python-version 3.10 \
		--generate-hashes --no-header --no-annotate -o requirements.lock
