# The verbs a newcomer guesses. Everything installs into the project: .venv/ and node_modules/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# jsii's end-of-life banner for Node 20 is silenced by listing the major version.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: dev test lint format synth schema openapi bench wheels layer install browser console clean

## install: the virtual environment and the npm tools (only what is missing or changed)
install: $(BIN)/.installed node_modules/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## wheels: the layer's third-party packages for Lambda (arm64, cp312): the only networked build step
wheels: .build/wheels/.downloaded

.build/wheels/.downloaded: layers/common/requirements.txt | $(BIN)/.installed
	$(BIN)/python scripts/build_layer.py --download
	touch $@

## layer: the Lambda layer in .build/layer, offline from the wheels
layer: install wheels
	$(BIN)/python scripts/build_layer.py

## console: the console's static build in console/dist (TypeScript and Vite), served at /console
console: console/dist/index.html

console/dist/index.html: node_modules/.installed $(shell find console/src console/index.html console/vite.config.mts console/tsconfig.json -type f 2>/dev/null)
	npm run --silent console:build

## dev: start the local stack on 127.0.0.1:$${PORT:-8080} with the sample data (and the console)
dev: install console
	$(BIN)/python -m nurtureflow.local

## browser: Debian's Chromium for the tracker's browser tests (Playwright drives it; its own download
## is not used). Installed with apt when missing, which needs root, as on CI.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## test: the whole suite (unit, integration, end-to-end with a browser, infra)
test: install wheels browser console
	$(BIN)/ruff check .
	$(BIN)/mypy layers/common/python/nurtureflow
	$(BIN)/pytest -q -n auto --maxprocesses=4

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy layers/common/python/nurtureflow
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## schema: regenerate docs/workflow.schema.json from the models
schema: install
	$(BIN)/python -m nurtureflow.workflow.schema > docs/workflow.schema.json

## openapi: regenerate docs/openapi.json (what GET /openapi.json answers) and the route reference of
## docs/http-api.md from the routes' code; a test fails when either is stale
openapi: install
	$(BIN)/python scripts/openapi_docs.py

## bench: the benchmarks, each against its baseline in the same process
bench: install
	$(BIN)/python -m bench

## synth: the CloudFormation template, offline, without Docker. SENDER_DOMAIN is the domain you send
## from (make synth SENDER_DOMAIN=mail.acme.com); left unset, the template is built for
## nurtureflow.internal, a name no one can own (ICANN keeps .internal private): a check that the stack
## builds, never a deployable sender. `cdk deploy` refuses cdk.json's example.com (docs/deploy.md).
## It also rewrites the local stack's view of the template
## (layers/common/python/nurtureflow/local/deployed/deployed.json), which a test keeps fresh.
SENDER_DOMAIN ?= nurtureflow.internal
synth: install wheels console
	cdk synth --quiet -c senderDomain=$(SENDER_DOMAIN)
	$(BIN)/python scripts/local_view.py

clean:
	rm -rf $(VENV) node_modules cdk.out .build
