# Lotse: `make run` starts everything on the embedded default, `make test` runs the tests.
# Needs only Python 3.11+ and make; uv is installed into .tools/ from PyPI if it is missing.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000
# The base of every link in the emails: where `make run` listens, unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)
# `make bench` empties and fills this database (its name must start with lotse_bench).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lotse_bench

.PHONY: run test lint format sync migrate demo check-deploy messages clean bench bench-matching bench-embedded screenshots fuzz

.tools/bin/uv:
	@echo "uv not found: installing it into .tools/ (from PyPI)"
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

sync: .venv/.synced

migrate: sync
	$(RUN) python manage.py migrate --noinput

demo: migrate
	$(RUN) python manage.py seed_demo

run: demo
	@echo ""
	@echo "  Lotse is starting (web, worker, beat). Stop everything with Ctrl-C."
	@echo "    Staff login:   http://$(HOST):$(PORT)/login/"
	@echo "    API docs:      http://$(HOST):$(PORT)/api/docs/"
	@echo "    Dev mailbox:   http://$(HOST):$(PORT)/dev/mail/"
	@echo "    Dev SMS box:   http://$(HOST):$(PORT)/dev/sms/"
	@echo "    Health:        http://$(HOST):$(PORT)/healthz"
	@echo "    Admin:         http://$(HOST):$(PORT)/admin/ (as koordination)"
	@echo ""
	@# Ctrl-C ends honcho with 130 after it stopped every process: that is the way out, not
	@# an error for make to report.
	@HOST=$(HOST) PORT=$(PORT) SITE_URL=$(SITE_URL) $(RUN) honcho start -f Procfile || [ $$? -eq 130 ]

test: sync
	$(RUN) python -m pytest $(PYTEST_ARGS)

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]: the apps' one-way
# layers, labs imported by no app, the numeric ranking core free of the ORM).
lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

format: sync
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# A synthetic Dortmund of 600 and of 2,000 volunteers: Lotse against today's exact-tier reach,
# broadcast, random_k and nearest_k, then the acceptance model trained on the simulated history.
# In memory, well under five minutes; writes the "Matching simulation" section of
# docs/benchmarks.md.
bench-matching: sync
	$(RUN) python manage.py simulate_matching --volunteers 600
	$(RUN) python manage.py simulate_matching --volunteers 2000

# How quickly `make run` answers: "Angebote verschicken" until the first offer email is in the
# dev mailbox, an accept until the staff page's status shows it; median and p95 over 10 requests,
# on a stack of its own (a free port, a copy of the demo database), written to docs/benchmarks.md.
bench-embedded: demo
	$(RUN) python scripts/measure_embedded.py --record docs/benchmarks.md $(BENCH_ARGS)

# rank() with 1k/10k/100k synthetic volunteers in PostgreSQL: p50/p95 and queries per call,
# written to docs/benchmarks.md. Creates the database if missing; BENCH_ARGS="--sizes 1000".
bench: sync
	DATABASE_URL=$(BENCH_DATABASE_URL) $(RUN) python manage.py bench_matching_scale $(BENCH_ARGS)

# schemathesis (its own environment, through uvx) against a server with the demo data, as staff,
# coordinator and anonymous; fails on a server error or an answer the schema does not describe
# (docs/security.md). On PostgreSQL with FUZZ_DATABASE_URL; FUZZ_ARGS="--max-examples 20".
fuzz: sync
	PATH="$(CURDIR)/.tools/bin:$$PATH" FUZZ_DATABASE_URL=$(FUZZ_DATABASE_URL) \
		$(RUN) python scripts/fuzz.py $(FUZZ_ARGS)

# The README's pictures (docs/screenshots/), taken by the browser tests from the demo network.
screenshots: sync
	LOTSE_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(RUN) python -m pytest tests/browser -q

check-deploy: sync
	DEBUG=0 SECRET_KEY=$$(openssl rand -hex 32) $(RUN) python manage.py check --deploy

# One catalogue per language of LOTSE_VOLUNTEER_LANGUAGES (config/settings.py); see
# docs/translations.md.
messages: sync
	$(RUN) python manage.py makemessages $$($(RUN) python manage.py shell -v 0 -c \
		"from django.conf import settings; print(*[f'-l {c}' for c in settings.LOTSE_VOLUNTEER_LANGUAGES])") \
		-i ".venv/*" -i ".tools/*" -i "tests/*"
	$(RUN) python manage.py compilemessages -i .venv -i .tools

clean:
	rm -rf var/broker var/mail var/celerybeat-schedule*
