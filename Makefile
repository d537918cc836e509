# Two commands on a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench bench-full portable lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

## Simulate every scenario in configs/ as one batch (100,000 paths each), print the headline
## and what to try next.
run: $(STAMP)
	$(BIN)/smasim batch configs/*.toml --samples 100000 -o outputs/batch.h5 --overwrite
	@$(BIN)/smasim summary outputs/batch.h5
	@$(BIN)/smasim report outputs/batch.h5 -o outputs/report.html --overwrite
	@echo "Next: $(BIN)/smasim summary outputs/batch.h5 --detail            # every table, with errors"
	@echo "      $(BIN)/smasim compare outputs/batch.h5 --scenario baseline --scenario lapse  # B - A"
	@echo "      $(BIN)/smasim plot outputs/batch.h5 -o outputs/fan.png --overwrite  # fan chart"

## The whole test suite (slow statistical tests and simcore's doctests included), then the
## type checker and lint.
test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/mypy simcore cli
	$(BIN)/ruff check .

## The quick subset: everything but tests marked slow.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

## Throughput, floors and ratios (printed, never asserted).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_quantiles.py
	$(BIN)/python benchmarks/bench_run.py --quick
	$(BIN)/python benchmarks/bench_summary.py --samples 1e6
	$(BIN)/python benchmarks/bench_evidence.py
	$(BIN)/python benchmarks/bench_report.py --samples 1e5
	$(BIN)/python benchmarks/bench_sensitivity.py --outer 65536 --sweep-samples 20000
	$(BIN)/python benchmarks/bench_stop.py
	$(BIN)/python benchmarks/bench_explore.py --quick

## The issues' scale: 1e7 paths end to end, summary reading, the report at 1e6, the default
## sensitivity analysis, 1e8 paths with --store (writes ~6 GB under /tmp; several minutes),
## a 256-point exploration of 1e5 paths each against one batch of 2.56e7 paths.
bench-full: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py --samples 1e7
	$(BIN)/python benchmarks/bench_summary.py
	$(BIN)/python benchmarks/bench_report.py --samples 1e6
	$(BIN)/python benchmarks/bench_sensitivity.py
	$(BIN)/python benchmarks/bench_store.py --samples 1e8
	$(BIN)/python benchmarks/bench_explore.py --points 256 --samples 1e5

## Stored numbers under other BLAS kernels, BLAS thread counts and numpy SIMD levels (several
## minutes; run it before you stop after a change to numeric code; not part of `make test`,
## because CI must not change these settings).
portable: $(STAMP)
	$(BIN)/python benchmarks/portability.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) outputs/*.h5 .pytest_cache
