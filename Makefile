# OMS: `make demo` runs the product with sample data; `make test` runs every check and test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_DEBUG ?= 1

.PHONY: demo test venv sysdeps lint migrate seed serve worker beat bench clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "OMS needs Python 3.11 ($(PYTHON) not found): install python3.11."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade "pip==26.3"
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# WeasyPrint needs Pango; browser tests need Debian's Chromium. Installed when we can, else one clear line.
sysdeps:
	@bash scripts/sysdeps.sh

migrate: venv
	$(PY) manage.py migrate --no-input -v0

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_picking
	$(PY) manage.py demo_admin
	$(PY) manage.py seed_holds_demo

demo: sysdeps seed
	@echo "OMS demo on http://$(HOST):$(PORT)/admin/  (storefront: http://$(HOST):$(PORT)/account/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v0

test: venv sysdeps lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: venv
	$(VENV)/bin/celery -A oms worker -l info --concurrency 2

beat: venv
	$(VENV)/bin/celery -A oms beat -l info

# Benchmarks run on PostgreSQL (scratch databases beside DATABASE_URL's) with Redis as the broker.
bench: venv
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/oms_bench} $(PY) bench/run.py

clean:
	rm -rf $(VENV) var staticfiles
