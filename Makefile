# chargespec — set-up, build, tests. `make run` and `make test` work on a fresh machine with only
# Python 3.11+, make and (as root) apt: they create the virtualenv, install the packages and the
# Debian graphviz and chromium packages when `dot` or `chromium` is missing (chromium renders the
# HTML report in tests/runtime/test_report.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup graphviz chromium report-image diagram-image build run test lint typecheck check bench bench-check bench-frames fuzz external clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "installing graphviz (dot)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz >/dev/null; }

# Non-interactive (CI=true, no stdin): -y, noninteractive debconf, stdin from /dev/null.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (headless browser for the HTML report test)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq </dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install \
	    -y -qq --no-install-recommends chromium </dev/null >/dev/null; }

setup: $(STAMP) graphviz chromium

build: setup
	$(BIN)/chargespec build

run: build
	$(BIN)/chargespec demo

check: setup
	$(BIN)/chargespec check

lint: setup
	$(BIN)/ruff check compiler runtime generated tests benchmarks
	$(BIN)/ruff format --check compiler runtime generated tests benchmarks

typecheck: setup
	$(BIN)/mypy

test: setup check lint typecheck
	$(BIN)/pytest -q

# Not part of `make test`: every side-by-side benchmark in one table (docs/benchmarks.md;
# ARGS="--quick", "--skip fleet,build", "--check"; `bench-check` exits 1 below a target, and
# both write bench-results.json), the frame benchmark alone against the ocpp package
# (ARGS="--check-ratio X" fails below a speed-up of X) and a long fuzzing campaign
# (`--frames N --seed S`).
bench: setup
	$(BIN)/python benchmarks/bench_all.py $(ARGS)

bench-check: setup
	$(BIN)/python benchmarks/bench_all.py --check $(ARGS)

bench-frames: setup
	$(BIN)/python benchmarks/bench_frames.py $(ARGS)

fuzz: setup
	$(BIN)/python benchmarks/fuzz.py

# Not part of `make test` either: every generated test file against both simulated devices
# (`make test` shares the files out between them, tests/interop/test_external_run.py).
external: setup
	CHARGESPEC_EXTERNAL_WHOLE=1 $(BIN)/pytest -q -p no:cacheprovider tests/interop/test_external_run.py -k whole

# The sample HTML report's screenshot in the docs (tests/runtime/report_sample.py).
report-image: setup
	$(BIN)/python -m tests.interop.report_image docs/images/report.png

# The diagram site's screenshot in the README (tests/runtime/diagram_site_sample.py).
diagram-image: setup
	$(BIN)/python -m tests.runtime.diagram_site_sample docs/images/diagrams.png

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
