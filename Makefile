# TorchCanvas: `make run` starts the app, `make test` runs every test.
# Both work on a fresh machine with Python 3.11 (Debian): they install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The pinned build is found on the CI machines' disk; elsewhere pip fetches it.
TORCH := torch==2.14.1 torchvision==0.29.1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FRONTEND_SOURCES := $(shell find static/src static/index.html static/package.json static/vite.config.ts -type f -not -name '*.gen.ts' 2>/dev/null)
# The editor's TypeScript types of the API come from the server's OpenAPI document.
API_TYPES := static/src/lib/api.gen.ts
API_SOURCES := $(shell find builder codegen -name '*.py' -not -path '*/__pycache__/*')
HOST ?= 127.0.0.1
PORT ?= 5000
# Three test workers on two cores: the tests wait on servers, browsers and subprocesses a
# part of the time, and a worker that runs out of tests takes some of the others' (worksteal).
PYTEST_ARGS ?= -n 3 --dist worksteal
# The editor is built when its sources are there.
FRONTEND := $(if $(wildcard static/package.json),static/dist/.vite/manifest.json,)
NODE_MODULES := $(if $(FRONTEND),static/node_modules/.package-lock.json,)

.PHONY: run test frontend lint format bench clean system-packages

# The web server and one worker for in-app runs; Ctrl-C stops both.
run: $(VENV)/.run $(FRONTEND)
	$(BIN)/torchcanvas serve --host $(HOST) --port $(PORT) --with-worker

# The installs run side by side (pip, npm and apt), then the editor is built.
test:
	$(MAKE) --no-print-directory -j3 $(VENV)/.test $(NODE_MODULES) system-packages
	$(if $(FRONTEND),$(MAKE) --no-print-directory $(FRONTEND))
	$(if $(FRONTEND),cd static && npm test)
	scripts/with-postgres.sh scripts/with-redis.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

# Runs train generated projects in the worker's own interpreter: it needs torch.
$(VENV)/.run: $(VENV)/bin/python pyproject.toml
	$(BIN)/python -c "import torch, torchvision" 2>/dev/null || $(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e ".[run]"
	touch $(VENV)/.app $@

$(VENV)/.test: $(VENV)/bin/python pyproject.toml
	$(BIN)/python -c "import torch, torchvision" 2>/dev/null || $(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.app $(VENV)/.run $@

# `npm install --no-save` installs the locked versions without rewriting the lock. Not `npm ci`:
# it refuses a lock that lacks other platforms' optional packages (rollup's and esbuild's native
# binaries), and a registry mirror serving only this platform leaves them out of the lock.
static/node_modules/.package-lock.json: static/package-lock.json
	cd static && npm install --no-save --no-audit --no-fund
	touch $@

$(API_TYPES): $(VENV)/.app static/node_modules/.package-lock.json $(API_SOURCES)
	$(BIN)/torchcanvas openapi -o static/openapi.json
	cd static && npm run gen:api

static/dist/.vite/manifest.json: static/node_modules/.package-lock.json $(FRONTEND_SOURCES) $(API_TYPES)
	cd static && npm run build

frontend: static/dist/.vite/manifest.json

# Debian packages the tests use: a real browser, a real PostgreSQL and Redis, wrk for benchmarks.
system-packages:
	@command -v chromium >/dev/null && command -v pg_ctlcluster >/dev/null && command -v wrk >/dev/null && \
	  command -v redis-server >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium postgresql redis-server wrk >/dev/null; }

lint: $(VENV)/.test
	$(BIN)/ruff check builder codegen importers tests benchmarks scripts
	$(BIN)/black --check builder codegen importers tests benchmarks scripts

format: $(VENV)/.test
	$(BIN)/ruff check --fix builder codegen importers tests benchmarks
	$(BIN)/black builder codegen importers tests benchmarks

bench: $(VENV)/.test $(FRONTEND) system-packages
	scripts/with-postgres.sh scripts/with-redis.sh $(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) static/node_modules static/dist static/openapi.json $(API_TYPES) .pytest_cache
