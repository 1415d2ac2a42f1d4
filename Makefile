# Both targets create or reuse .venv and install the project into it first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: serve test lint bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need python3.11 (or python3 >= 3.11) on PATH"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/party-engine serve

# The lint (ruff, mypy) runs first: it is part of the suite.
test: lint
	$(VENV)/bin/python -m pytest

# Every check runs, so one pass reports all findings; the target fails if any did.
lint: $(STAMP)
	@status=0; \
	$(VENV)/bin/ruff check engine tests bench || status=1; \
	$(VENV)/bin/ruff format --check engine tests bench || status=1; \
	$(VENV)/bin/mypy || status=1; \
	exit $$status

bench: $(STAMP)
	for b in bench/[!_]*.py; do $(VENV)/bin/python $$b --json || exit 1; done

clean:
	rm -rf $(VENV)
