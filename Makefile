# The two commands of the README: `make run` and `make test`. Both create .venv and install
# what they need; the embedded default (SQLite, a Celery broker on disk) needs no server.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := crm.settings

.PHONY: run test lint lint-imports format messages migrations-check deploy-check e2e smoke bench clean venv api-fuzz

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	@DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) bash scripts/run-dev.sh

test: $(STAMP)
	$(PY) -m pytest -q -m "not e2e" $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

e2e: $(STAMP)
	$(PY) -m pytest -q -m e2e tests/e2e $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; fi; exit $$rc

# schemathesis against the ERP API's OpenAPI schema on a running app (docs/sales.md).
api-fuzz: $(STAMP)
	bash scripts/api-fuzz.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The import contracts of pyproject.toml ([tool.importlinter]; docs/import-contracts.md).
lint-imports: $(STAMP)
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

# Extract source strings into locale/zh_Hans and compile the .mo (needs gettext).
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	DEBUG=1 $(PY) manage.py compilemessages -l zh_Hans --ignore '.venv/*'

migrations-check: $(STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

deploy-check: $(STAMP)
	bash scripts/deploy-check.sh

smoke: $(STAMP)
	bash scripts/smoke.sh

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
