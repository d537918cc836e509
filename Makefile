# Two commands on a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

## Simulate the baseline scenario and print its percentile summary.
run: $(STAMP)
	$(BIN)/smasim run configs/baseline.toml --overwrite
	$(BIN)/smasim summary outputs/baseline.h5

## The whole test suite (slow statistical tests included), then lint.
test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check .

## The quick subset: everything but tests marked slow.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

## Throughput, floors and ratios (printed, never asserted).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) outputs/*.h5 .pytest_cache
