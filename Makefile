# Chuxin's front door. `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
DEMO_UNITS ?= 3000
DEMO_SEED ?= 2019
PYTEST_ARGS ?=
NAME ?=
SCALE ?= 1M

.PHONY: setup demo test test-fast serve worker bench bench-tools lint format messages browser clean

$(VENV)/.stamp: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $@

node_modules/.stamp: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages come from npm (package-lock.json); only their dist files are copied, never committed.
static_build/.stamp: node_modules/.stamp
	rm -rf static_build && mkdir -p static_build/vendor/bootstrap static_build/vendor/htmx static_build/vendor/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   static_build/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js static_build/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js static_build/vendor/echarts/
	touch $@

locale/.stamp: $(VENV)/.stamp $(wildcard locale/*/LC_MESSAGES/django.po chuxin/*/locale/*/LC_MESSAGES/django.po)
	$(MANAGE) compilemessages -v 0 --ignore=.venv --ignore=node_modules --ignore=static_build
	touch $@

setup: $(VENV)/.stamp static_build/.stamp locale/.stamp

demo: export CHUXIN_ENV ?= demo
demo: setup
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) makedemo --if-missing --units $(DEMO_UNITS) --seed $(DEMO_SEED)
	$(MANAGE) demoaccounts
	$(MANAGE) runserver 127.0.0.1:8000

# The browser tests need Debian's Chromium and CJK fonts; install them when missing (needs root).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)); \
	  else echo "Install Chromium and fonts: sudo apt-get install chromium fonts-noto-cjk" >&2; exit 1; fi; \
	fi

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite without the browser tests, for quick iterations.
test-fast: setup
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

serve: setup
	$(MANAGE) migrate --noinput -v 0
	DEBUG=$${DEBUG:-false} $(MANAGE) collectstatic --noinput -v 0
	DEBUG=$${DEBUG:-false} $(VENV)/bin/gunicorn chuxin.wsgi --bind 127.0.0.1:8000 --workers 2

# make bench [NAME=http] [SCALE=10k|100k|1M]: the scaled demos live in PostgreSQL (chuxin_scale_10k,
# chuxin_scale_100k, chuxin_scale), each built on first use; results and the scale table in bench/results/.
bench: setup bench-tools
	SCALE=$(SCALE) $(PY) bench/run.py $(NAME)

# wrk drives the http benchmark: from Debian when we are root; otherwise bench/loadgen.py stands in.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); \
	  else echo "wrk is missing and we are not root: the http benchmark uses bench/loadgen.py" >&2; fi; }

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Refresh the .po files after changing translatable strings (needs gettext's xgettext).
messages: $(VENV)/.stamp
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=static_build --no-obsolete

clean:
	rm -rf $(VENV) node_modules static_build staticfiles var locale/.stamp
