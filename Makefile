# The README's commands: `make up` starts the platform (API, dashboard, a paper node), `make test`
# runs the tests, `make demo` is the research tour, `make web` rebuilds the dashboard's bundle.
# Each sets up its own virtual environment from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: up web demo test bench lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $@

up: $(VENV)/.installed
	$(BIN)/signaltrust up

# The dashboard (web/, Node.js 20) built into the Python package: src/signaltrust/web_dist.
web:
	cd web && npm ci --no-audit --no-fund && npm run build

demo: $(VENV)/.installed
	$(BIN)/signaltrust demo

# The dashboard's packages (Vitest for its component tests): installed from the lock file when
# missing or older than it, so `make test` runs the component tests everywhere, CI included.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

# In parallel (pytest-xdist, one worker per core: faster end to end on two cores); each test
# file stays on one worker, so its module fixtures are built once.
test: $(VENV)/.installed web/node_modules/.package-lock.json
	$(BIN)/python -m pytest -q -n auto --dist loadfile

$(VENV)/.bench: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[bench]'
	touch $@

bench: $(VENV)/.bench
	$(BIN)/python benchmarks/run_all.py

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
