# Two commands on a fresh machine: `make up` runs the platform, `make test` tests it.
# `make lint` checks the rules the tools hold (style, layers, types); CI runs it first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes (pytest-xdist): both cores of the machine the platform is sized for.
# `make test TEST_WORKERS=0` runs in one process; `TEST_WORKERS=auto`, one per core.
TEST_WORKERS ?= 2

.PHONY: up test bench lint clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[test,lint]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/python -m launcher

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

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
