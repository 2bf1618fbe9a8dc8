# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# make run's fake Kuaidi100 and fake SF listen on loopback beside the site.
FAKE_KUAIDI100_PORT ?= $(shell expr $(PORT) + 101)
FAKE_SF_PORT ?= $(shell expr $(PORT) + 102)
FAKES := CARRIER_SIMULATOR=1 PLATFORM_URL=http://$(HOST):$(PORT) FAKE_KUAIDI100_PORT=$(FAKE_KUAIDI100_PORT) FAKE_SF_PORT=$(FAKE_SF_PORT)

.PHONY: run test test-postgres venv translations messages lint bench bench-callbacks bench-load bench-expiry bench-broadcast bench-quotes check-deploy clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

translations: $(STAMP)
	@$(PY) -m courier_platform.i18n_tool compile

# Re-extract every catalogue after changing strings (needs GNU gettext's xgettext).
messages: $(STAMP)
	DEV_MODE=1 $(PY) -m courier_platform.i18n_tool extract
	$(PY) -m courier_platform.i18n_tool compile

run: $(STAMP) translations
	@mkdir -p var
	@DEV_MODE=1 $(PY) manage.py migrate --noinput -v0
	@DEV_MODE=1 $(PY) manage.py collectstatic --noinput -v0
	@DEV_MODE=1 $(PY) manage.py seed_demo
	@DEV_MODE=1 $(FAKES) $(PY) manage.py run_fake_carriers --configure-only
	@echo ""
	@echo "  Courier platform: http://$(HOST):$(PORT)/"
	@echo "  Admin:            http://$(HOST):$(PORT)/admin/   (see the logins above)"
	@echo "  API docs:         http://$(HOST):$(PORT)/api/docs/"
	@echo "  Health:           http://$(HOST):$(PORT)/healthz  http://$(HOST):$(PORT)/readyz"
	@echo "  Courier at door:  http://$(HOST):$(PORT)/simulator/door/   (demo: tell the courier the pickup code)"
	@echo "  Fake carriers:    Kuaidi100 http://127.0.0.1:$(FAKE_KUAIDI100_PORT)/  SF http://127.0.0.1:$(FAKE_SF_PORT)/"
	@echo "  Ctrl-C stops web, worker, beat and the fake carriers."
	@echo ""
	@DEV_MODE=1 $(FAKES) HOST=$(HOST) PORT=$(PORT) $(PY) -m courier_platform.devrun Procfile.dev

test: $(STAMP) translations
	$(PY) -m pytest -q

# The same suite on the machine's PostgreSQL and Redis (what .ci/run does second).
test-postgres: $(STAMP) translations
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/courier CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
		$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo --no-cache
	DEV_MODE=1 $(PY) manage.py makemigrations --check --dry-run

check-deploy: $(STAMP)
	SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-production-like-secret-value \
		ALLOWED_HOSTS=courier.example.com PLATFORM_URL=https://courier.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING

bench: $(STAMP)
	DEV_MODE=1 $(PY) bench/screening.py

# Carrier callbacks under gunicorn on PostgreSQL, against a bare-Django floor (BENCH_DATABASE_URL).
bench-callbacks: $(STAMP) translations
	$(PY) bench/callbacks.py

# A mixed workload (browse, quote, book, follow, carrier callbacks) with Locust against gunicorn on
# PostgreSQL (BENCH_DATABASE_URL); figures in the README.
bench-load: $(STAMP) translations
	$(PY) bench/load.py

# A broadcast to 10,000 and 100,000 users on PostgreSQL: peak RSS flat (BENCH_DATABASE_URL).
bench-broadcast: $(STAMP) translations
	$(PY) bench/broadcast.py

# The midnight expiry against a one-statement SQL floor on PostgreSQL (BENCH_DATABASE_URL,
# BENCH_REDIS_URL); ORDERS / DUE / ROUNDS choose the size.
ORDERS ?= 200000
DUE ?= 40000
ROUNDS ?= 1
bench-expiry: $(STAMP) translations
	$(PY) bench/expiry.py --orders $(ORDERS) --due $(DUE) --rounds $(ROUNDS)

# The admin changelists at a million rows (the expiry bench's base of 1,000,000 / 200,000).
bench-admin: $(STAMP) translations
	$(PY) bench/admin_lists.py --orders 1000000 --due 200000

# POST /api/v1/quotes/ with 4 carriers and with 20 on PostgreSQL (BENCH_DATABASE_URL), interleaved:
# p50 / p99, their ratio, SQL statements per quote.
bench-quotes: $(STAMP) translations
	$(PY) bench/quotes.py

clean:
	rm -rf var
