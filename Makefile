# heenb: every task of the project. `make help` lists them.
# The first target that needs it creates .venv here and installs the pinned
# project into it; nothing is registered outside the repository.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.heenb-installed
DEMO   := data/demo/heenb-demo.json

.DEFAULT_GOAL := help
.PHONY: help setup demo-data reports test test-fast lint lab benchmark screenshots lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the project with its pinned dependencies

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	touch $(STAMP)

$(DEMO): $(STAMP) heenb/data/demo.py data/raw_sources.yml data/reference/published_nets.csv data/reference/published_midwife_fte.csv
	$(BIN)/heenb demo-data --out data/demo

demo-data: $(DEMO) ## Generate the deterministic demo data set into data/demo

reports: $(DEMO) ## Build the full report set from the demo data into reports/
	$(BIN)/heenb build

lint: $(STAMP) ## Ruff, and check notebooks are committed without outputs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --verify notebooks/*.ipynb docs/*.ipynb

test: lint ## Lint, then the whole test suite (pytest with nbval on the notebooks)
	$(BIN)/pytest

test-fast: $(STAMP) ## The tests not marked slow: no report builds, notebooks or browser
	$(BIN)/pytest -m "not slow" -q

# Jupyter refuses to start as root (as in a container) unless told it may.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(DEMO) ## Open JupyterLab on the notebooks, with heenb importable
	$(BIN)/jupyter lab notebooks/ $(LAB_ROOT)

# The naive loop over every report takes about 40 minutes: by default it is timed on 15
# reports spread over the report types and estimated for the rest (NAIVE_SAMPLE= runs it all).
NAIVE_SAMPLE ?= 15

benchmark: $(DEMO) ## Time the build against the naive papermill + nbconvert loop; CPU per page
	$(BIN)/python benchmarks/build.py $(if $(NAIVE_SAMPLE),--naive-sample $(NAIVE_SAMPLE))

screenshots: ## Screenshot built reports into docs/screenshots (needs Debian's chromium)
	$(BIN)/python docs/screenshots.py

lock: ## Re-resolve requirements.lock from pyproject.toml in a scratch venv
	rm -rf /tmp/heenb-lock && $(PYTHON) -m venv /tmp/heenb-lock
	/tmp/heenb-lock/bin/pip install --quiet pip==26.3 && /tmp/heenb-lock/bin/pip install --quiet -e ".[test]"
	{ echo "# Every package's exact version, for identical builds everywhere (pip constraints file)."; \
	  echo "# Regenerate with: make lock"; /tmp/heenb-lock/bin/pip freeze --exclude-editable; } > requirements.lock

clean: ## Remove built reports, the mart cache and generated demo data (keeps .venv)
	rm -rf reports/objective reports/area reports/programme reports/_failed reports/*.html reports/build.json
	rm -rf .heenb-cache data/demo
