# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
export CLIENTBOOK_DATABASE_URL ?= sqlite:///./data/clientbook.db

.PHONY: run test check bench bench-ceiling clean

# One stamp per set of extras: `make run` installs what running needs, `make test` adds
# the dev tools, `make bench` the bench extra; each installs once (again when
# pyproject.toml changes), whatever order they are run in.
$(VENV)/.run-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.run-installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## make run: set up .venv (no dev tools), seed the demo business and serve on http://$(HOST):$(PORT)
run: $(VENV)/.run-installed
	$(BIN)/python scripts/run_demo.py --host $(HOST) --port $(PORT)

## make test: set up .venv with the dev tools, run the lint/type checks and every test
test: $(VENV)/.dev-installed
	./scripts/test

check: $(VENV)/.dev-installed
	./scripts/check

## make bench: seed SQLite and PostgreSQL (1,000,000 clients in one business), load
## clientbook, the bare-ASGI baseline and the Starlette ceiling with wrk, rewrite
## docs/performance.md's figures.
## Quick: make bench BENCH_CLIENTS=20000 BENCH_DURATION=5 BENCH_MEMORY_SECONDS=20
BENCH_CLIENTS ?= 1000000
BENCH_DURATION ?= 10
BENCH_MEMORY_SECONDS ?= 60
BENCH_ARGS ?=
# bench/ imports only clientbook's own dependencies; the extra adds uvicorn (the ceiling,
# the A/B), tqdm and py-spy.
$(VENV)/.bench-installed: pyproject.toml $(VENV)/.run-installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --clients $(BENCH_CLIENTS) --duration $(BENCH_DURATION) \
		--memory-seconds $(BENCH_MEMORY_SECONDS) $(BENCH_ARGS)

## make bench-ceiling: clientbook against the ceiling (and the baseline) on GET one and
## PUT, both backends: 300 clients, wrk -t2 -c64, one worker each.
CEILING_CLIENTS ?= 300
CEILING_DURATION ?= 10
CEILING_ARGS ?=
bench-ceiling: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --clients $(CEILING_CLIENTS) --duration $(CEILING_DURATION) \
		--threads 2 --connections 64 --workers 1 --cases get_one,put --memory-seconds 0 \
		--no-baseline --label ceiling --json-out bench/results/ceiling.json $(CEILING_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
