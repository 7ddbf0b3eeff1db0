# Gatehouse: two commands for a newcomer.
#   make run   - start the site on SQLite at http://127.0.0.1:$(PORT)/ with demo data
#   make test  - run the test suite
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-browser lint check-migrations clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo --port $(PORT)
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest

# Only the browser test (Debian's chromium: apt-get install chromium); screenshots of every
# page land in test-artifacts/screenshots/.
test-browser: $(VENV)/.installed-dev
	$(BIN)/pytest tests/test_browser.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

check-migrations: $(VENV)/.installed-dev
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# The benchmark (docs/performance.md): gunicorn + PostgreSQL + wrk, about two minutes.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--sqlite" or "--scale".
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { echo "wrk missing: installing it from Debian"; \
		apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3
