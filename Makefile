# One entry point for people and CI. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LOCAL_AWS_PORT ?= 4566
LOCAL_AWS_STATE ?= .local-aws
LOCAL_ENV := environments/local
# make test-fast: the tests that start no emulator and need neither terraform nor .venv-checkov.
FAST_TESTS := not emulator and not terraform and not checkov
# Offline provider mirror when this machine has one; the registry otherwise.
export TF_CLI_CONFIG_FILE := $(shell $(PYTHON) tools/tf_cli_config.py)
export CHECKPOINT_DISABLE := 1
# environments/local's workflow type: `make up TF_VAR_state_machine_type=EXPRESS` (or the same
# variable in the environment) reaches terraform apply.
TF_VAR_state_machine_type ?= STANDARD
export TF_VAR_state_machine_type
LOCAL_AWS := PYTHONPATH=tools $(PY) -m local_aws --port $(LOCAL_AWS_PORT) --state-dir $(LOCAL_AWS_STATE)
TF_LOCAL := terraform -chdir=$(LOCAL_ENV)
# The emulator runs the host's Python: package.py --target local builds its layer, and
# environments/local must name the same runtime, whatever the host's version (3.11 or later).
LOCAL_RUNTIME = $(shell $(PY) -c 'import sys; print("python%d.%d" % sys.version_info[:2])')

.PHONY: help venv up demo down test test-fast lint bench package clean docs checkov cost

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt lambda_src/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements/constraints.txt -r requirements/dev.txt -r lambda_src/requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

venv: $(VENV)/.installed ## Create the Python environment (.venv) from pinned requirements.

package: venv ## Build the Lambda zips and layer for the local emulator's runtime.
	$(PY) tools/package.py --target local

up: venv package ## Start the emulator, apply environments/local and print its outputs.
	@# A freshly started emulator is empty: state from an earlier one describes nothing.
	@started=$$($(LOCAL_AWS) start --if-not-running) && echo "$$started" && \
	  if [[ $$started == started* ]]; then rm -f $(LOCAL_ENV)/terraform.tfstate $(LOCAL_ENV)/terraform.tfstate.backup; fi
	$(TF_LOCAL) init -input=false >/dev/null
	$(TF_LOCAL) apply -input=false -auto-approve -var aws_endpoint_url=http://127.0.0.1:$(LOCAL_AWS_PORT) -var runtime=$(LOCAL_RUNTIME)
	$(TF_LOCAL) output

demo: up ## Upload the sample photos, wait for each, print results and write a contact sheet.
	$(PY) tools/demo.py --env-dir $(LOCAL_ENV)

down: ## Stop the emulator (its state goes with it) and forget the local Terraform state.
	-$(LOCAL_AWS) stop
	rm -rf $(LOCAL_ENV)/terraform.tfstate $(LOCAL_ENV)/terraform.tfstate.backup

test: venv .venv-checkov/.installed ## Run every test: emulator, Lambda code, modules, end to end.
	$(PY) -m pytest

test-fast: venv ## Only the tests that need neither the emulator, Terraform nor checkov (about a minute).
	$(PY) -m pytest -m "$(FAST_TESTS)"

lint: venv ## ruff and terraform fmt.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	terraform fmt -check -recursive -diff

bench: venv ## Thumbnail and metadata benchmarks against baselines measured in the same run.
	$(PY) tools/bench.py

# make cost runs its own emulator and Terraform state: never make up's.
COST_AWS_PORT ?= 4590
COST_AWS_STATE ?= build/cost/local-aws
cost: venv package ## Cost of 1,000 images: the original's shape, ours STANDARD and EXPRESS, measured.
	$(PY) tools/cost.py --port $(COST_AWS_PORT) --state-dir $(COST_AWS_STATE) --runtime $(LOCAL_RUNTIME)

.PHONY: webapp webapp-test
webapp: ## Write webapp/public/config.json from environments/local and serve the web app.
	cd webapp && { [ -d node_modules ] || npm ci; }
	node webapp/scripts/write-config.mjs --env-dir $(LOCAL_ENV)
	@echo "Web app: http://127.0.0.1:5173/"
	cd webapp && npm run dev

webapp-test: ## Web app: npm ci, typecheck, unit tests, build.
	cd webapp && npm ci && npm run typecheck && npm test && npm run build

clean: down ## Remove build output, the venv and Terraform working directories.
	rm -rf build $(VENV) $(LOCAL_AWS_STATE) .pytest_cache .ruff_cache
	find . -name .terraform -type d -prune -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

docs: venv ## Regenerate the README input and output tables (root module and modules) from the code.
	$(PY) tools/module_docs.py

checkov: .venv-checkov/.installed ## checkov on modules, environments and examples (own venv: .venv-checkov).
	tools/checkov.sh

.venv-checkov/.installed: requirements/checkov.txt
	tools/checkov.sh --install-only
