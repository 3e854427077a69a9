PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrations-check bench bench-review bench-export bench-leaderboard bench-compare install clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python -m dolly_collect.run $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

# The API fuzzed from its OpenAPI schema, far longer than the bounded run in the test suite.
.PHONY: fuzz
fuzz: $(STAMP)
	API_FUZZ_EXAMPLES=$${API_FUZZ_EXAMPLES:-500} API_FUZZ_RANDOM=1 $(BIN)/pytest -q tests/security/test_api_fuzz.py

# gunicorn + PostgreSQL + Redis + a Celery worker on 127.0.0.1 under locust (needs DATABASE_URL and REDIS_URL).
.PHONY: load
load: $(STAMP)
	$(BIN)/python bench/load_test.py --write BENCHMARKS.md $(LOAD_ARGS)

# The ceiling: clients that never pause, more at each step until p95 passes 300 ms (about 5 minutes).
.PHONY: load-ceiling
load-ceiling: $(STAMP)
	$(BIN)/python bench/load_ceiling.py --write BENCHMARKS.md --notes bench/load/ceiling_notes.md $(LOAD_CEILING_ARGS)

# Benchmarks need DATABASE_URL pointing at PostgreSQL; each creates its own scratch database.
bench: bench-review bench-export bench-leaderboard

bench-review: $(STAMP)
	$(BIN)/python bench/bench_review.py --write BENCHMARKS.md $(BENCH_REVIEW_ARGS)

# Sizes: BENCH_SIZES=100000,1000000 BENCH_IMPORT_SIZES=15000,1000000 (the defaults).
bench-export: $(STAMP)
	$(BIN)/python bench/bench_export.py --write BENCHMARKS.md $(BENCH_EXPORT_ARGS)

# Sizes: BENCH_LEADERBOARD_SIZES=10000,100000 contributors, 20 ledger entries each (the default).
bench-leaderboard: $(STAMP)
	$(BIN)/python bench/bench_leaderboard.py --write BENCHMARKS.md $(BENCH_LEADERBOARD_ARGS)

# The duplicate comparison's word diff at its size cap, in CPU time (no database needed).
bench-compare: $(STAMP)
	$(BIN)/python bench/bench_compare.py

# The gallery in docs/screenshots/ (shown in the README): the main pages at 390 and 1366 px.
.PHONY: screenshots
screenshots: $(STAMP)
	DOLLY_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/e2e/test_pages.py -k main_pages

clean:
	rm -rf $(VENV) var
