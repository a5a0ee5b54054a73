# Corail — the two commands of the README, and a few helpers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test setup bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installe: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installe

## make run — set up and start the app on the embedded SQLite database (ARGS=--demo for the demo)
run: setup
	$(BIN)/python main.py $(ARGS)

## make test — set up and run the whole test suite
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench — every benchmark of bench/ (a few minutes; never run by CI), written to BENCHMARKS.md
bench: setup
	$(BIN)/python bench/tout.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
