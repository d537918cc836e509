# Two commands on a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency, extras included, at the version the suite was last run with, with the
# hashes of its files: `make lock` writes it from pyproject.toml's ranges.
LOCK := requirements-lock.txt
# The installer and the locking tool are pinned too, so that a fresh machine installs the
# same way (raise them by hand, then `make lock`).
PIP_VERSION := 26.3
UV_VERSION := 0.13.10

.PHONY: run screenshot test test-fast docs bench bench-full portable lint lock lock-upgrade clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions (pip refuses any file whose hash the lock does not list), then
# smasim itself, editable, without resolving its dependencies again; `pip check` then fails
# if pyproject.toml asks for something the lock lacks.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip==$(PIP_VERSION)"
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	    echo "$(LOCK) does not satisfy pyproject.toml: run 'make lock'" >&2; exit 1; }
	touch $(STAMP)

## Refresh requirements-lock.txt after a change to pyproject.toml's dependencies: versions
## already locked stay where the ranges allow; one lock for Linux, macOS and Windows and for
## every Python from 3.11 on, one version of each package wherever the ranges allow.
## `make lock-upgrade` takes the newest releases instead. Run `make test` after either.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	    --fork-strategy fewest --generate-hashes --custom-compile-command "make lock" \
	    --quiet $(UV_ARGS) -o $(LOCK)

lock-upgrade:
	$(MAKE) lock UV_ARGS=--upgrade

## Simulate every scenario in configs/ as one batch (100,000 paths each), print the headline
## and what to try next.
run: $(STAMP)
	$(BIN)/smasim batch configs/*.toml --samples 100000 -o outputs/batch.h5 --overwrite
	@$(BIN)/smasim summary outputs/batch.h5
	@$(BIN)/smasim report outputs/batch.h5 -o outputs/report.html --overwrite
	@echo "Next: $(BIN)/smasim summary outputs/batch.h5 --detail            # every table, with errors"
	@echo "      $(BIN)/smasim compare outputs/batch.h5 --scenario baseline --scenario lapse  # B - A"
	@echo "      $(BIN)/smasim plot outputs/batch.h5 -o outputs/fan.png --overwrite  # fan chart"

## The README's picture of the report's first page (docs/report-page-1.png), from `make run`'s
## report, printed on A4 by headless Chromium (needs chromium and poppler-utils).
screenshot: run
	$(BIN)/python docs/report_page_1.py outputs/report.html docs/report-page-1.png

## The whole test suite (slow statistical tests and simcore's doctests included), then the
## type checker and lint.
test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/mypy simcore cli
	$(BIN)/ruff check .

## The quick subset: everything but tests marked slow.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

## The documentation site (docs/: tutorials, how-to guides, the reference generated from the
## docstrings and the click commands, the methods), warnings as errors, the notebook executed.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html -d docs/_build/doctrees docs docs/_build/html
	@echo "docs/_build/html/index.html"

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
	$(BIN)/python benchmarks/bench_judgment.py

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
	rm -rf $(VENV) outputs/*.h5 .pytest_cache docs/_build
