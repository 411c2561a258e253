# Two commands on a fresh machine: `make up` runs the platform, `make test` tests it.
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
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[test]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/python -m launcher

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python -m bench all

bench-%: $(STAMP)
	$(BIN)/python -m bench $*

clean:
	rm -rf var
