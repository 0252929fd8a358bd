# `make demo` and `make test` each build .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SITE := demo-site

.PHONY: demo test lint bench clean

$(BIN)/syndicate: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(BIN)/syndicate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/syndicate
	@$(BIN)/python -m syndicate.demo $(DEMO_SITE)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check syndicate tests bench
	$(BIN)/ruff format --check syndicate tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(BIN)/syndicate
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_SITE) dist build
