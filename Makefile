# Mercato's one interface for people and CI. `make demo` and `make test` install what they need.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# make test shares the suite out over this many pytest processes (0: one process).
TEST_WORKERS ?= 2
# uv must use this machine's CPython, never download one.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: help install sync deploy-tools ghz k8s infra-install protos protos-check lint fmt test test-unit bench bench-saga demo chaos infra-up infra-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

sync: $(UV) ## install the Python workspace from the committed lock file
	$(UV) sync --all-packages --locked --quiet

infra-install: sync ## fetch Apache Kafka (Maven Central); install PostgreSQL, Prometheus and Chromium where missing
	$(BIN)/mercato infra install

# The deployment checks' tools (tests/deploy), from the Go module proxy into .tools/: kustomize
# built from source, and the compose-spec JSON schema that compose-go ships.
KUSTOMIZE_VERSION := v5.8.1
COMPOSE_GO_VERSION := v2.16.2
KUSTOMIZE := .tools/bin/kustomize
COMPOSE_SCHEMA := .tools/schemas/compose-spec.json

$(KUSTOMIZE):
	@command -v go >/dev/null || { echo "building kustomize needs Go (apt-get install golang-go)"; exit 1; }
	GOBIN=$(abspath .tools/bin) GOFLAGS=-buildvcs=false go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

$(COMPOSE_SCHEMA): | $(UV)
	@command -v go >/dev/null || { echo "fetching the compose schema needs Go (apt-get install golang-go)"; exit 1; }
	mkdir -p $(dir $@)
	dir="$$(go mod download -json github.com/compose-spec/compose-go/v2@$(COMPOSE_GO_VERSION) \
	  | $(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"; \
	  cp "$$dir/schema/compose-spec.json" $@.partial && mv $@.partial $@

deploy-tools: $(KUSTOMIZE) $(COMPOSE_SCHEMA) ## kustomize and the compose schema for tests/deploy (Go module proxy)

# ghz, a gRPC load tool no one here wrote, built from the Go module proxy into .tools/bin (a few
# minutes the first time): bench_catalog measures GetProduct with it too (docs/benchmarks.md §5).
GHZ_VERSION := v0.120.0
GHZ := .tools/bin/ghz

$(GHZ):
	@command -v go >/dev/null || { echo "building ghz needs Go (apt-get install golang-go)"; exit 1; }
	GOBIN=$(abspath .tools/bin) GOFLAGS=-buildvcs=false go install github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)

ghz: $(GHZ) ## ghz, the gRPC load tool bench_catalog also measures GetProduct with (Go module proxy)

install: sync infra-install deploy-tools ## everything the project needs

protos: sync ## regenerate the Python stubs from protos/
	$(BIN)/python libs/protos/generate.py

k8s: sync ## regenerate deploy/k8s's generated files (topics from the kit's registry, services, jobs)
	$(BIN)/python deploy/k8s/generate.py

protos-check: sync ## fail when the generated stubs are stale
	$(BIN)/python libs/protos/generate.py --check

lint: sync ## ruff and mypy (strict for libs/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy libs/cli/src libs/console/src libs/kit/src deploy/local/src $(wildcard services/*/src)

fmt: sync ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint ## the whole suite against a real Kafka and PostgreSQL (TEST_WORKERS processes, 2)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

test-unit: sync ## the unit tests only (no broker, no database)
	$(BIN)/pytest tests/unit

bench: install $(GHZ) ## the benchmarks in docs/benchmarks.md, each against a baseline (~10 min, markdown)
	$(BIN)/mercato infra install --tools
	$(BIN)/python -m bench.bench_store
	$(BIN)/python -m bench.bench_relay
	$(BIN)/python -m bench.bench_consume_apply
	$(BIN)/python -m bench.bench_consumers
	$(BIN)/python -m bench.bench_catalog

# The whole fabric under open-loop load, then the pass-through fabric of the same shape, on a
# broker and PostgreSQL of its own; the ratio is printed (docs/benchmarks.md, "Whole fabric").
SAGA_ARGS ?= --rates 5,10,20,40 --step-seconds 30 --slo-ms 1000
SAGA_OUT ?= bench/results/saga.json
bench-saga: install ## mercato load on PostgreSQL and its pass-through baseline (~15 min; SAGA_ARGS, SAGA_OUT)
	$(BIN)/mercato load --postgres --baseline --out $(SAGA_OUT) $(SAGA_ARGS)

# Chaos starts a broker and a PostgreSQL of its own in a temp state directory (never a developer's).
CHAOS_ARGS ?= --orders 200 --duration 60
chaos: install ## F1-F14 faults with orders flowing, then mercato verify (long: CHAOS_ARGS="--orders 200 --duration 60")
	$(BIN)/mercato chaos $(CHAOS_ARGS)

# The demo's own broker (and database with DEMO_POSTGRES=1), empty every run: never a developer's.
DEMO_STATE ?= /tmp/mercato-demo-$(shell id -u)
DEMO_ARGS ?=
demo: install ## the order-to-cash ecosystem end to end, ~2 min (DEMO_ARGS="--orders 100", DEMO_POSTGRES=1)
	@export MERCATO_STATE_DIR=$(DEMO_STATE); \
	  trap '$(BIN)/mercato infra down --purge' EXIT; \
	  if [ -n "$${DEMO_POSTGRES:-}" ]; then \
	    eval "$$($(BIN)/mercato infra up)"; \
	  else \
	    database="$${DATABASE_URL:-}"; \
	    eval "$$($(BIN)/mercato infra up --kafka-only)"; \
	    if [ -n "$$database" ]; then export DATABASE_URL="$$database"; else unset DATABASE_URL; fi; \
	  fi; \
	  $(BIN)/mercato demo $(DEMO_ARGS)

infra-up: install ## start the local Kafka and PostgreSQL (prints exports)
	@$(BIN)/mercato infra up

infra-down: sync ## stop them
	@$(BIN)/mercato infra down

clean: ## remove the virtualenvs and caches (not the cached Kafka jars)
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
