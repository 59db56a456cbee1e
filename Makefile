# matdoe: `make demo` and `make test` work on a fresh machine; both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS ?= dev,eis,postgres,gp,notebooks

.PHONY: demo test lint bench notebooks clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/matdoe demo --folder demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $(BENCH_STAMP)

# `make bench` (up to an hour with every peer); `make bench QUICK=1` (a few minutes).
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(if $(QUICK),--quick,)

notebooks: $(STAMP)
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
