# Teman UMKM: `make run` starts the bot (offline chat without a token), `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := locales
PO := $(wildcard $(LOCALES)/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

.PHONY: run chat test test-postgresql lint format messages catalogs kb-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ 2>&1 | grep -v '^compiling' || true
	@test -f $@

catalogs: $(MO)

run: $(STAMP) catalogs
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.' .env; then \
		$(BIN)/smebot run; else $(BIN)/smebot chat; fi

chat: $(STAMP) catalogs
	$(BIN)/smebot chat

test: $(STAMP) catalogs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/smebot kb check
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "PostgreSQL pass (TEST_DATABASE_URL; of the e2e and browser tests, only the PostgreSQL ones)"; \
		TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -m "not browser and (not e2e or postgresql_only)"; \
	elif ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		.ci/with-postgres $(MAKE) --no-print-directory test-postgresql; \
	else \
		echo "PostgreSQL tests skipped: no PostgreSQL server installed (.ci/run installs one)"; \
	fi

# The suite again on PostgreSQL, against TEST_DATABASE_URL (.ci/with-postgres starts one).
test-postgresql: $(STAMP) catalogs
	TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -m "not browser and (not e2e or postgresql_only)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Translators: after changing interface text in the code, refresh the catalogs, translate
# the new (empty) entries in both .po files, and `make test` fails until none is missing.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location \
		--sort-output -w 100 -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--no-fuzzy-matching --ignore-obsolete -w 100

kb-check: $(STAMP)
	$(BIN)/smebot kb check

clean:
	rm -rf $(VENV) $(MO) build *.egg-info
