# `make run` and `make test` do all the set-up: a virtual environment in .venv
# with the pinned dependencies, created or refreshed when pyproject.toml or
# constraints.txt change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest check-content clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	SELFCHECK_DEVELOPMENT=true $(BIN)/flask --app app run --debug --host 127.0.0.1 --port 5000

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy questionnaire

pytest: $(STAMP)
	$(BIN)/pytest

check-content: $(STAMP)
	$(BIN)/flask --app app check-content

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
