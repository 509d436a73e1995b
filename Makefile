# Everyday commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LIGHTHOUSE_STAMP := tools/lighthouse/node_modules/.installed
VNU_STAMP := tools/vnu/node_modules/.installed
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run demo bench bench-portability test screenshots lint format migrations-check check-deploy loadtest backup-check audit clean cluster cluster-stop cluster-loadtest

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Serve the app on http://127.0.0.1:8000 with SQLite (development settings).
run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_education
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST_PORT)} $(BIN)/python manage.py runserver $(HOST_PORT)

## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set).
test: $(STAMP) $(VNU_STAMP)
	$(BIN)/pytest

# The Nu Html Checker (vnu.jar, run with Java) for tests/test_html_validity.py, pinned in tools/vnu/package-lock.json.
$(VNU_STAMP): tools/vnu/package-lock.json
	npm ci --prefix tools/vnu --no-audit --no-fund --ignore-scripts
	touch $(VNU_STAMP)

## Redraw the README's screenshots (the browser tests, saving their pictures under docs/screenshots/).
screenshots: $(STAMP)
	SCREENSHOTS=1 $(BIN)/pytest tests/browser

## Lint and format check.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Fail when a model change has no migration.
migrations-check: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

## Django's deployment checklist against production-like settings.
check-deploy: $(STAMP)
	SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	  ALLOWED_HOSTS=$${ALLOWED_HOSTS:-cramp.example.org} REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles tools/lighthouse/node_modules tools/vnu/node_modules

## Load and fault test: gunicorn on PostgreSQL, 55 users, a database restart halfway (needs DATABASE_URL).
loadtest: $(STAMP)
	$(BIN)/python scripts/loadtest.py --seconds $${SECONDS_TO_RUN:-60}

## Dump, restore into an empty database, and compare what the app serves (needs DATABASE_URL).
backup-check: $(STAMP)
	$(BIN)/python scripts/backup_check.py

## A small demo to click around: one patient with months of cramps, one clinician (credentials printed).
demo: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_education
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --patients 1 --episodes 150 --clinicians 1

## Page timings, queries and memory at two data sizes against a baseline (needs DATABASE_URL on PostgreSQL).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## Export (CSV, JSON, FHIR) and import at 10,000 and 50,000 episodes through gunicorn: first byte, total time, peak worker memory (needs DATABASE_URL on PostgreSQL).
bench-portability: $(STAMP)
	$(BIN)/python benchmarks/portability.py

# Lighthouse from the npm registry, pinned in tools/lighthouse/package-lock.json; no install scripts, no browser download.
$(LIGHTHOUSE_STAMP): tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --no-audit --no-fund --ignore-scripts
	touch $(LIGHTHOUSE_STAMP)

## Lighthouse scores (mobile) for the landing page, a learn page, the dashboard and the episode form (needs Node.js and Chromium).
audit: $(STAMP) $(LIGHTHOUSE_STAMP)
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(BIN)/python scripts/audit.py

## A production-like cluster on this machine: nginx (https://127.0.0.1:8443/) over two gunicorn servers, PgBouncer, a PostgreSQL primary and replica, Redis; all under .cluster/ (needs root).
cluster: $(STAMP)
	bash scripts/cluster/cluster.sh up

## Stop everything `make cluster` started (data kept in .cluster/; `bash scripts/cluster/cluster.sh stop --wipe` deletes it).
cluster-stop:
	bash scripts/cluster/cluster.sh stop

## Load and fault test of the cluster through nginx over HTTPS: one app server stopped, the replica stopped, PgBouncer restarted (after `make cluster`).
cluster-loadtest: $(STAMP)
	$(BIN)/python scripts/cluster/loadtest.py --phase-seconds $${PHASE_SECONDS:-20}
