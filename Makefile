# Two commands on a fresh machine: `make up` runs the platform, `make test` tests it.
# `make lint` checks the rules the tools hold (style, layers, types); CI runs it first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes (pytest-xdist): both cores of the machine the platform is sized for.
# `make test TEST_WORKERS=0` runs in one process; `TEST_WORKERS=auto`, one per core.
TEST_WORKERS ?= 2

.PHONY: up test test-unit test-counts bench lint clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[test,lint]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/python -m launcher

# Its summary counts the tests of each kind (docs/testing.md): unit ones ran with no I/O.
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The unit tests only: no server, no database, no process; in one process (no worker to start).
test-unit: $(STAMP)
	$(BIN)/python -m pytest -m unit -q

# How many tests of each kind there are, without running them.
test-counts: $(STAMP)
	@$(BIN)/python -m pytest --collect-only -q | grep -E '^[0-9]+ unit \(no I/O\)'

bench: $(STAMP)
	$(BIN)/python -m bench all

bench-%: $(STAMP)
	$(BIN)/python -m bench $*

lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf var
