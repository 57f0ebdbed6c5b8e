# Every command a newcomer needs. `make run` and `make test` do all the set-up themselves.

# The first interpreter that really runs and is Python 3.12 or newer; PYTHON=... overrides.
PYTHON ?= $(shell for p in python3 python3.14 python3.13 python3.12; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; \
	done)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint check backup lock audit loadtest slowclients abuse chaos bench bench-nginx lighthouse setup install checkers migrate seed static clean

run: setup
	$(BIN)/gunicorn --config gunicorn.conf.py

test: install static checkers
	@command -v chromium >/dev/null 2>&1 || echo "Chromium is not installed: the browser tests will be skipped (apt-get install chromium)."
	@command -v java >/dev/null 2>&1 || echo "Java is not installed: the HTML checks will be skipped (apt-get install default-jre-headless)."
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || echo "nginx is not installed: the micro-cache tests will be skipped (apt-get install nginx-light)."
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Migrations match the models, and production settings pass every deploy check.
check: install
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_ENV=production SITE_URL=https://resources.example.org \
	ALLOWED_HOSTS=resources.example.org CONTACT_EMAIL=webmaster@example.org \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	$(MANAGE) check --deploy --fail-level WARNING

# A copy of the database in backups/ (see the README for restoring it).
backup: install
	$(MANAGE) backup

# 10,000 requests over the public pages to gunicorn with production settings (loopback).
loadtest: install static
	$(MANAGE) loadtest

# 50 slow connections held while normal requests must still be answered within 1 s.
slowclients: install static
	$(MANAGE) slowclients

# 1,000 bot posts to the suggestion form from 10 networks behind one trusted proxy within a
# minute, while normal page views are timed: none may reach the queue as new, none may get a
# 5xx, every page view within 1 s (gunicorn, production settings, a scratch copy; loopback).
abuse: install static
	$(MANAGE) abuse

# Parts failing under load: gunicorn (production settings) on PostgreSQL and Redis, each
# through a local TCP proxy that is cut and restored (Redis refused, then a blackhole; the
# database; both), then a HUP reload; prints each phase's answers, failures and latency.
# Needs PostgreSQL and Redis on loopback (CHAOS_POSTGRES_URL, CHAOS_REDIS_URL).
chaos: install static
	$(MANAGE) chaos

# Speed, measured (loopback only, bounded in time; figures vary with the machine), ending
# with one table of every figure beside its target:
# 1. the public pages over 1,000 generated resources, loaded with wrk against gunicorn as
#    `make run` starts it (production settings, pinned to one core) beside the Python floor
#    and nginx;
# 2. pages and search right after an edit, over 10,000 then 100,000 generated resources
#    (a size that would take too long to generate here is skipped, saying why): on a
#    scratch SQLite file, and on PostgreSQL
#    when BENCH_POSTGRES_URL names a scratch database (it is emptied first);
# 3. a link check of 1,000 links to local sites with slow, silent and failing pages;
# 4. 20 DOI lookups at once against local registries that answer in 200 ms;
# 5. the site behind the deploy guide's nginx (as `make bench-nginx`).
bench: export BENCH_RESULTS = /tmp/spm-bench-results.jsonl
bench: install static
	rm -rf /tmp/spm-bench-pages.sqlite3* /tmp/spm-bench.sqlite3* $(BENCH_RESULTS)
	DATABASE_URL=sqlite:////tmp/spm-bench-pages.sqlite3 $(MANAGE) migrate --no-input --verbosity 0
	DATABASE_URL=sqlite:////tmp/spm-bench-pages.sqlite3 $(MANAGE) bench_pages
	DATABASE_URL=sqlite:////tmp/spm-bench.sqlite3 $(MANAGE) migrate --no-input --verbosity 0
	DATABASE_URL=sqlite:////tmp/spm-bench.sqlite3 $(MANAGE) bench_search
	@if [ -n "$(BENCH_POSTGRES_URL)" ]; then \
		DATABASE_URL=$(BENCH_POSTGRES_URL) $(MANAGE) migrate --no-input --verbosity 0 && \
		DATABASE_URL=$(BENCH_POSTGRES_URL) $(MANAGE) flush --no-input && \
		DATABASE_URL=$(BENCH_POSTGRES_URL) $(MANAGE) bench_search; \
	else echo "PostgreSQL: set BENCH_POSTGRES_URL=postgres://…/scratch to measure it too."; fi
	rm -rf /tmp/spm-bench-links.sqlite3*
	DATABASE_URL=sqlite:////tmp/spm-bench-links.sqlite3 $(MANAGE) migrate --no-input --verbosity 0
	DATABASE_URL=sqlite:////tmp/spm-bench-links.sqlite3 $(MANAGE) bench_links
	DATABASE_URL=sqlite:////tmp/spm-bench-links.sqlite3 $(MANAGE) bench_lookups
	$(MANAGE) bench_nginx
	$(MANAGE) bench_report

# The site as `make run` starts it behind nginx configured as the README's deploy guide says
# (its micro-cache): the list, a detail page and a search through it with wrk, beside nginx
# serving the same bytes as a file (target: >= 50% of it); then the app server is stopped and
# the list is still served (loopback only, about a minute; needs nginx and wrk).
bench-nginx: install static
	$(MANAGE) bench_nginx

# The four Lighthouse scores of the home page and a resource page, served by gunicorn with
# production settings on loopback and audited in Debian's Chromium.
lighthouse: install static node_modules/.lighthouse
	$(MANAGE) lighthouse

setup: install migrate seed static

install: $(VENV)/.installed

# Exactly the versions in requirements.lock, each checked against its hash.
$(VENV)/.installed: requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed: install it, or run make PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	@touch $@

# axe-core and the Nu HTML checker, exactly as package-lock.json says (Lighthouse, which is
# large, is an optional dependency that only make lighthouse installs).
checkers: node_modules/.installed

node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --omit=optional --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is not installed: the accessibility and HTML checks will be skipped (install Node.js and npm)."; fi

node_modules/.lighthouse: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch node_modules/.installed $@

# After changing the dependencies in pyproject.toml: resolve them again, with hashes.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra scale --group dev --generate-hashes \
		--python-version 3.12 --universal --quiet -o requirements.lock

# Known vulnerabilities in the locked dependencies (needs to reach pypi.org).
audit: install
	$(MANAGE) audit_dependencies

migrate: install
	$(MANAGE) migrate --no-input

seed: migrate
	$(MANAGE) seed

static: install
	$(MANAGE) collectstatic --no-input --verbosity 0

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache *.egg-info
