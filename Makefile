# The README's two commands: `make run` (serve on embedded defaults) and `make test` (the whole
# suite). Both set up everything first: virtual environment, dependencies, translations.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# Links printed by the demo and written into QR codes point at the port actually served.
RTC_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export RTC_PUBLIC_BASE_URL

RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
CATALOG := app/translations/zh/LC_MESSAGES/messages
# axe-core, injected into pages by the accessibility tests (npm, tests only, pinned by its lock file)
AXE_DIR := tests/e2e/axe
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: run test system-packages bench lint setup vectors translations-update clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV): requirements-dev.txt $(RUNTIME)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(CATALOG).mo: $(CATALOG).po $(RUNTIME)
	$(BIN)/pybabel compile --domain messages --directory app/translations

$(AXE): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	cd $(AXE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

setup: $(RUNTIME) $(CATALOG).mo
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load

## Serve the app on 127.0.0.1:$(PORT) with SQLite, development keys and demo data.
run: setup
	$(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 2 wsgi:app

## Lint, type-check and run every test, one worker per core (RTC_TEST_DATABASE_URL selects
## PostgreSQL). The system packages the tests need are checked first (installed when root).
## Bytecode is cached even where the environment turns it off: each worker would otherwise
## compile the app, the tests and pytest's plugins again (about 3 s of CPU a worker).
test: system-packages $(DEV) $(CATALOG).mo $(AXE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --dist worksteal

system-packages:
	.ci/system-packages

## Run the benchmarks and print a table.
bench: $(DEV) $(CATALOG).mo
	$(BIN)/python -m bench

## Regenerate the golden verification vectors in tests/vectors/.
vectors: $(DEV)
	$(BIN)/python -m tests.vectors.make_vectors

## Re-extract translatable strings into the catalog after changing templates or code.
translations-update: $(DEV)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o /tmp/rtc-messages.pot .
	$(BIN)/pybabel update -i /tmp/rtc-messages.pot -d app/translations -l zh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(AXE_DIR)/node_modules
