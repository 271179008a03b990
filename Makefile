# `make run` and `make test` do all the set-up: a virtual environment in .venv
# with the pinned dependencies, created or refreshed when pyproject.toml or
# constraints.txt change, and made again when the Python changes.
# `make run PORT=8000` serves on another port than 5000.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000

# The check needs Python 3.11 or later (older ones fail to install its
# dependencies). The Python's version, and the one .venv was made with: when
# they differ (a new PYTHON, or the one .venv was made with is gone), .venv
# is made again.
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV_VERSION := $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(wildcard $(STAMP)),)
ifneq ($(PYTHON_VERSION),)
ifneq ($(PYTHON_VERSION),$(VENV_VERSION))
$(STAMP): FORCE
endif
endif
endif

.PHONY: FORCE run serve test lint typecheck pytest check-content system-tools observatory translations clean bench soak lighthouse

# Interface translations: the .po files are kept in git, the compiled .mo
# files are made from them (and ignored by git).
CATALOGUES := questionnaire/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po))

# The browser tests need Debian's Chromium, the HTML checker needs Java, the
# benchmark (and its smoke test) needs wrk, and the tests of the totals store
# need a PostgreSQL server (tests/postgres.py starts a throwaway one). As root
# with apt-get they are installed when missing; elsewhere the tests that need
# them are skipped with a message (and fail when CI=true).
CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "The self-check needs Python 3.11 or later; $(PYTHON) is $(or $(PYTHON_VERSION),not found)."; \
		echo "Install Python 3.11 or later, then run for example: make PYTHON=python3.11 $(or $(MAKECMDGOALS),run)"; \
		exit 1; }
	@if [ -d $(VENV) ] && [ "$(VENV_VERSION)" != "$(PYTHON_VERSION)" ]; then \
		echo "$(VENV) was made with Python $(or $(VENV_VERSION),that is no longer there); making it again with $(PYTHON_VERSION)"; \
		rm -rf $(VENV); \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

# Extract the interface strings, merge them into every catalogue, compile.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o $(CATALOGUES)/messages.pot --no-location \
		--sort-output --project="Opioid signs self-check" --omit-header .
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --statistics -d $(CATALOGUES)

run: $(STAMP) $(MO_FILES)
	SELFCHECK_DEVELOPMENT=true $(BIN)/flask --app app run --debug --host 127.0.0.1 --port $(PORT)

# Production settings, exactly as deployed: gunicorn with gunicorn.conf.py.
# SELFCHECK_HOST, PORT, WEB_CONCURRENCY and GUNICORN_CMD_ARGS come from the environment
# (see DEPLOY.md).
serve: $(STAMP) $(MO_FILES)
	@if [ -z "$$SELFCHECK_SECRET_KEY" ] && [ -z "$$SELFCHECK_SECRET_KEY_FILE" ]; then \
		echo "SELFCHECK_SECRET_KEY is not set. It signs the answers kept in each person's cookie."; \
		echo "Make one with:  python3 -c 'import secrets; print(secrets.token_hex(32))'"; \
		echo "then run:       SELFCHECK_SECRET_KEY=<that value> make serve"; \
		echo "or keep it in a file and run: SELFCHECK_SECRET_KEY_FILE=<its path> make serve"; \
		exit 1; \
	fi
	$(BIN)/gunicorn -c gunicorn.conf.py

test: system-tools lint typecheck pytest

system-tools:
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing$$missing for the browser, totals store and benchmark tests (apt-get, about a minute)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "!!! Missing$$missing and cannot install it here (needs root and apt-get)."; \
		echo "!!! The tests that need them will be SKIPPED; with CI=true they FAIL instead."; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy questionnaire

pytest: $(STAMP) $(MO_FILES) observatory lighthouse
	$(BIN)/pytest

# The MDN HTTP Observatory scanner for tests/test_observatory.py (Node and npm).
# Install scripts are skipped: the package's own would download lists at install time.
OBSERVATORY := tests/observatory
OBSERVATORY_STAMP := $(OBSERVATORY)/node_modules/.package-lock.json

observatory:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "!!! npm is missing: the Observatory test will be SKIPPED; with CI=true it FAILS instead."; \
	elif [ ! -f $(OBSERVATORY_STAMP) ] || [ $(OBSERVATORY)/package-lock.json -nt $(OBSERVATORY_STAMP) ] \
		|| [ $(OBSERVATORY)/package.json -nt $(OBSERVATORY_STAMP) ]; then \
		cd $(OBSERVATORY) && npm ci --ignore-scripts --no-audit --no-fund; \
	fi

# Benchmarks, not part of `make test` (they take minutes): they write docs/performance.md.
# The throughput against a minimal Flask app, page weight and Lighthouse scores:
bench: system-tools $(STAMP) $(MO_FILES) lighthouse
	$(BIN)/python -m bench

# 60 s of whole journeys at 64 people at once against the production server.
soak: $(STAMP) $(MO_FILES)
	$(BIN)/python -m bench.soak

# Lighthouse for bench/lighthouse.py (Node and npm); it runs offline against 127.0.0.1.
LIGHTHOUSE := bench/lighthouse
LIGHTHOUSE_STAMP := $(LIGHTHOUSE)/node_modules/.package-lock.json

lighthouse:
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing nodejs and npm for Lighthouse (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "!!! npm is missing: make bench cannot run Lighthouse, and its smoke test is SKIPPED"; \
		echo "!!! (with CI=true it FAILS instead)."; \
	elif [ ! -f $(LIGHTHOUSE_STAMP) ] || [ $(LIGHTHOUSE)/package-lock.json -nt $(LIGHTHOUSE_STAMP) ] \
		|| [ $(LIGHTHOUSE)/package.json -nt $(LIGHTHOUSE_STAMP) ]; then \
		cd $(LIGHTHOUSE) && npm ci --ignore-scripts --no-audit --no-fund; \
	fi

FORCE:

check-content: $(STAMP) $(MO_FILES)
	$(BIN)/flask --app app check-content

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov $(OBSERVATORY)/node_modules $(LIGHTHOUSE)/node_modules
