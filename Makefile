# The two commands of README.md: `make site` and `make test`. Each sets up
# whatever is missing first (system packages when allowed, a virtual
# environment with the pinned requirements), so both work on a fresh clone.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The notebooks, unit tests and the browser test, as one pytest run.
PYTEST_ARGS ?=
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

.PHONY: site test setup system unit notebooks clean

site: setup
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "Course site built: open _build/html/index.html"

test: site
	$(BIN)/python -m pytest tests chapters $(NBVAL) $(PYTEST_ARGS)

# Fast unit tests only (no notebooks, no site), for working on cnncourse/.
unit: setup
	$(BIN)/python -m pytest tests -m "not browser and not slow" $(PYTEST_ARGS)

# Only the notebooks, checked by nbval.
notebooks: setup
	$(BIN)/python -m pytest chapters $(NBVAL) $(PYTEST_ARGS)

setup: system $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# Debian/Ubuntu packages: Chromium for the browser test, and Fashion-MNIST so
# that nothing has to be downloaded. Installed when we may (root or sudo);
# otherwise a note says what the tests will miss.
SYSTEM_PACKAGES := chromium dataset-fashion-mnist
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "note: not a Debian system; install Chromium yourself for the browser test"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else \
	  echo "note: cannot install$$missing (not root, no sudo)"; exit 0; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing

clean:
	rm -rf _build
