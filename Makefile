# Entry points: `make sync` (the main job) and `make check && .venv/bin/pytest` (the tests).
# Everything installs into .venv from requirements.lock; nothing global is needed but python3.
# `make matrix` (also in CI) runs the fast tests on the other supported Pythons.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: install sync check lock matrix

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

## Install, then lint, format and type checks. The README's test command runs this, then pytest.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Re-pin dependencies after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --group dev --universal --python-version 3.10 \
		--generate-hashes --no-header --no-annotate -o requirements.lock

## The fast tests (all but those marked slow) on each Python below, each in its own .venv-3.X
## installed from requirements.lock. The oldest also runs with the oldest versions of our
## dependencies that pyproject.toml allows, so both ends of every range are tested.
MATRIX_PYTHONS ?= 3.10 3.12 3.13
OLDEST_PYTHON := $(firstword $(MATRIX_PYTHONS))
# pyenv's interpreter where pyenv has one (its shims answer only for the active version),
# else python3.X from PATH.
python_for = $(or $(addsuffix /bin/python,$(shell pyenv prefix $(1) 2>/dev/null)),python$(1))

matrix: $(addprefix matrix-,$(MATRIX_PYTHONS))

matrix-%: .venv-%/.installed
	@echo "== Python $* =="
	.venv-$*/bin/pytest -m "not slow"

.PRECIOUS: .venv-%/.installed
.venv-%/.installed: requirements.lock pyproject.toml | install
	rm -rf .venv-$*
	$(BIN)/uv venv --quiet --python $(call python_for,$*) .venv-$*
	VIRTUAL_ENV=.venv-$* $(BIN)/uv pip install --quiet --compile-bytecode --require-hashes \
		-r requirements.lock
	$(if $(filter $*,$(OLDEST_PYTHON)),VIRTUAL_ENV=.venv-$* $(BIN)/uv pip install --quiet \
		--compile-bytecode --resolution lowest-direct --upgrade -r pyproject.toml)
	VIRTUAL_ENV=.venv-$* $(BIN)/uv pip install --quiet --no-deps -e .
	touch $@
