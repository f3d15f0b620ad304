# Fubi: `make run` serves the demo, `make test` runs lint and the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONWARNINGS ?= ignore::UserWarning
# Each target says which settings it runs on: manage.py, config.wsgi and config.celery default to
# config.settings.production, which refuses to start without a real secret key.
DEV_SETTINGS := config.settings.base
TEST_SETTINGS := config.settings.test

.PHONY: run test install install-test lint format messages bench clean-db

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
	@# The safety index's PDF editions draw Chinese with Noto Sans CJK (FUBI_PDF_FONT).
	@fc-list 2>/dev/null | grep -qi "noto.*cjk" || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk || true; }

install-test: $(VENV)/.installed-test
	@# Browser tests drive Debian's Chromium (Playwright's own download cannot work here).
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }
	@fc-list 2>/dev/null | grep -qi "noto.*cjk" || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk || true; }

run: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py devserver --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-test lint
	mkdir -p test-artifacts
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/pytest

messages: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=test-artifacts
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(PY) manage.py compilemessages --ignore=.venv

bench: install-test
	@# bench/instructions.py counts instructions with valgrind's callgrind.
	@command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
	$(PY) bench/ledger.py
	$(PY) bench/tasks.py
	$(PY) bench/tips.py
	$(PY) bench/rewards.py
	$(PY) bench/engagement.py
	$(PY) bench/community.py
	$(PY) bench/instructions.py
	$(PY) bench/faults.py
	$(PY) bench/live.py
