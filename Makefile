# The two commands of README.md: `make site` and `make test`. Each sets up
# whatever is missing first (system packages when allowed, a virtual
# environment with the pinned requirements), so both work on a fresh clone.

PYTHON ?= python3
# The Pythons requirements.txt installs on: pip resolves every pin and its
# dependencies to binary wheels on 3.11 (where the notebooks' outputs were
# made), 3.12 and 3.13 (Debian 13's python3), not on 3.10 or 3.14.
PYTHON_VERSIONS := 3.11 3.12 3.13
VENV   ?= .venv
BIN    := $(VENV)/bin
# The notebooks, unit tests and the browser test, as one pytest run.
PYTEST_ARGS ?=
# nbval's limit for one cell (its default is 2,000 s): chapter 6's longest
# cell trains for about 1,300 s on our 2-core CPU; 3,600 s lets a machine
# nearly 3 times slower through, and still stops a cell that hangs.
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg \
          --nbval-cell-timeout=3600

# The data folder, as README.md says: `CNNCOURSE_DATA=../shared/datasets make
# test`. A relative path is made absolute here, where it was typed: the
# notebooks' kernels run in chapters/, where it would name another folder.
ifdef CNNCOURSE_DATA
override CNNCOURSE_DATA := $(abspath $(CNNCOURSE_DATA))
export CNNCOURSE_DATA
endif

.PHONY: site test setup system check-python unit notebooks clean

site: setup
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "Course site built: open _build/html/index.html"

test: site
	$(BIN)/python -m pytest tests chapters $(NBVAL) $(PYTEST_ARGS)

# Fast unit tests only (no notebooks, no site), for working on cnncourse/.
unit: setup
	$(BIN)/python -m pytest tests -m "not browser and not slow" $(PYTEST_ARGS)

# Only the notebooks, checked by nbval (or some of them: make notebooks
# NOTEBOOKS="chapters/01_images_as_arrays.ipynb").
NOTEBOOKS ?= chapters
notebooks: setup
	$(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL) $(PYTEST_ARGS)

setup: system $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(CHECK_PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# The Python that creates $(VENV): one of PYTHON_VERSIONS, with `venv` and
# `ensurepip`, which Debian and Ubuntu ship apart, in python3.X-venv (what
# python3-venv installs for the default python3): installed here like the
# system packages below when we may (root or sudo); otherwise a message says
# what to do. `make check-python` runs this check alone.
define CHECK_PYTHON
version=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || { \
  echo "error: cannot run PYTHON=$(PYTHON). Install Python 3.11 (Debian, Ubuntu: apt-get install python3 python3-venv) or name one: make PYTHON=python3.11 $(or $(MAKECMDGOALS),site)" >&2; exit 1; }; \
case " $(PYTHON_VERSIONS) " in *" $$version "*) ;; *) \
  echo "error: PYTHON=$(PYTHON) is Python $$version; requirements.txt is pinned for Python 3.11 and installs on $(PYTHON_VERSIONS) only. Name one of those: make PYTHON=python3.11 $(or $(MAKECMDGOALS),site)" >&2; exit 1;; esac; \
$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null && exit 0; \
package=python$$version-venv; \
prefix=$$($(PYTHON) -c 'import sys; print(sys.base_prefix)'); \
if [ "$$prefix" != /usr ] || ! command -v apt-get >/dev/null; then \
  echo "error: PYTHON=$(PYTHON) (Python $$version in $$prefix) cannot create a virtual environment: it has no ensurepip. Install its venv support (Debian, Ubuntu: apt-get install $$package) or name another: make PYTHON=python3.11 $(or $(MAKECMDGOALS),site)" >&2; exit 1; fi; \
if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else \
  echo "error: PYTHON=$(PYTHON) cannot create a virtual environment without $$package, and installing it needs root or sudo: apt-get install $$package" >&2; exit 1; fi; \
echo "Installing $$package: $(PYTHON) has no ensurepip, which venv needs"; \
$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$package && \
$(PYTHON) -c 'import ensurepip, venv' || { echo "error: $(PYTHON) still has no ensurepip after installing $$package" >&2; exit 1; }
endef

check-python:
	@$(CHECK_PYTHON)

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
