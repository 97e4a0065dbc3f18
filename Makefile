# QA Ledger. `make run` starts the embedded system; `make test` runs every test.
# Both create the environment first (uv, pinned by uv.lock), so a fresh clone needs nothing else.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(UV) run --frozen --no-sync
PORT ?= 8000
ROLE ?= qa_manager
SUB ?=

.PHONY: help setup run run-distributed demo compose-tool browser-tool web-assets test test-unit test-integration \
	test-e2e test-browser token admin verify schemas lint bench clean

help:
	@echo "make run     start ledger + projections + notifier on http://127.0.0.1:$(PORT) (SQLite under ./data)"
	@echo "make run-distributed   ledger :8000, projections :8001, notifier :8002 as separate processes"
	@echo "             (Tansu Kafka, local PostgreSQL database qaledger_dev, SMTP catcher; docs/operations.md)"
	@echo "make demo    play an 8-week audit cycle through the API and print what the system knows"
	@echo "make test    run the whole test suite (needs PostgreSQL on 127.0.0.1:5432; installs Chromium as root)"
	@echo "make admin SUB=qa.manager NAME='Priya Shah' EMAIL=priya.shah@example.gov.uk   name the first QA Manager"
	@echo "make token ROLE=qa_manager SUB=qa.manager   mint a dev bearer token"
	@echo "make verify  recompute the ledger's hash chain and name the first position that fails"
	@echo "make lint    ruff and mypy"
	@echo "make schemas regenerate schemas/json from the Pydantic models"
	@echo "make bench   run the benchmarks (not part of make test)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

setup: $(VENV)/.synced

run: setup
	PORT=$(PORT) $(RUN) python -m services.embedded

run-distributed: setup
	$(RUN) python -m devtools.distributed

demo: setup
	$(RUN) python -m devtools.demo

# tests/integration/test_compose.py validates docker-compose.yml with Debian's docker-compose (no engine).
compose-tool:
	@command -v docker-compose >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; \
	  else echo "docker-compose is missing: install it (apt-get install docker-compose) for the compose test" >&2; fi; }

# tests/browser drive Debian's Chromium through Playwright (never `playwright install`: no browser download).
browser-tool:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install it (apt-get install chromium) for the browser tests" >&2; fi; }

# Rebuild services/web/static/govuk from the npm registry (govuk-frontend with the council's settings).
web-assets:
	sh services/web/assets-src/build.sh

test: setup compose-tool browser-tool
	$(RUN) pytest -q

test-unit: setup
	$(RUN) pytest -q tests/unit

test-integration: setup compose-tool
	$(RUN) pytest -q tests/integration

test-e2e: setup
	$(RUN) pytest -q tests/e2e

test-browser: setup browser-tool
	$(RUN) pytest -q tests/browser

token: setup
	@$(RUN) python -m services.platform.tokens --role $(ROLE) $(if $(SUB),--sub $(SUB),)

# The operator's command: the first QA Manager, recorded in the ledger (the register authorises everyone else).
admin: setup
	@$(RUN) python -m services.ledger.admin --sub "$(SUB)" --name "$(NAME)" --email "$(EMAIL)" \
	  $(if $(OPERATOR),--operator "$(OPERATOR)",)

verify: setup
	$(RUN) python -m services.ledger.integrity verify

schemas: setup
	$(RUN) python -m schemas.generate

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy schemas services

bench: setup
	$(RUN) python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache
