# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
export CLIENTBOOK_DATABASE_URL ?= sqlite:///./data/clientbook.db

.PHONY: run test check bench clean

$(BIN)/clientbook: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/clientbook

## make run: set up .venv, seed the demo business and serve on http://$(HOST):$(PORT)
run: $(BIN)/clientbook
	$(BIN)/python scripts/run_demo.py --host $(HOST) --port $(PORT)

## make test: set up .venv with the dev tools, run the lint/type checks and every test
test: $(BIN)/clientbook
	./scripts/test

check: $(BIN)/clientbook
	./scripts/check

## make bench: seed SQLite and PostgreSQL (1,000,000 clients in one business), load
## clientbook and the bare baseline with wrk, rewrite docs/performance.md's figures.
## Quick: make bench BENCH_CLIENTS=20000 BENCH_DURATION=5 BENCH_MEMORY_SECONDS=20
BENCH_CLIENTS ?= 1000000
BENCH_DURATION ?= 10
BENCH_MEMORY_SECONDS ?= 60
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml $(BIN)/clientbook
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --clients $(BENCH_CLIENTS) --duration $(BENCH_DURATION) \
		--memory-seconds $(BENCH_MEMORY_SECONDS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
