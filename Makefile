# The two commands of the README, and the steps they share.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench

$(STAMP): setup.py notify_statsd/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./notify_statsd -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# start the service on its embedded defaults (SQLite, in-process tasks)
run: install
	$(BIN)/initialize_notify_db development.ini --demo
	$(BIN)/pserve development.ini

# the whole test suite: the app's, then the statsd library's
test: install
	$(BIN)/pytest
	$(BIN)/pytest notify_statsd/tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# every benchmark under bench/, on the PostgreSQL database named here
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/bench
export BENCH_DATABASE_URL
bench: install
	$(BIN)/python bench/api.py
	$(BIN)/python bench/daily_limit.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/v2_send.py
	$(BIN)/python bench/statsd_decorator.py
