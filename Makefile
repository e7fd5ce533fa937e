# The two commands of README.md: `make site` and `make test`. Each sets up
# whatever is missing first (a virtual environment with the pinned
# requirements), so both work on a fresh clone. Nothing here needs root or
# calls apt-get or sudo: where a system package would help, set-up prints the
# one command that installs it and goes on (.ci/run, as root, installs them).

PYTHON ?= python3
# The Pythons requirements.txt installs on: pip resolves every pin and its
# dependencies to binary wheels on 3.11 (where the notebooks' outputs were
# made), 3.12 and 3.13 (Debian 13's python3), not on 3.10 or 3.14.
PYTHON_VERSIONS := 3.11 3.12 3.13
VENV   ?= .venv
BIN    := $(VENV)/bin
# The notebooks, unit tests and the browser test, as one pytest run.
PYTEST_ARGS ?=
# Worker processes (pytest-xdist): two use both cores of the course's
# reference machine. Each notebook (and each test module or class) runs
# whole in one worker, in the order conftest.py sets; JOBS=0 runs
# everything in this process, one test after another.
JOBS ?= 2
PARALLEL := $(if $(filter 0,$(JOBS)),,-n $(JOBS) --dist loadscope --no-loadscope-reorder)
# nbval's limit for one cell (its default is 2,000 s): chapter 6's longest
# cell trains for about 150 s on our 2-core CPU (151 s in the stored run);
# 3,600 s lets a machine over 20 times slower through (one old core, or a
# busy CI runner), and still stops a cell that hangs.
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

# It ends with the 30 slowest tests, to keep the test time in view.
test: site
	$(BIN)/python -m pytest tests chapters $(NBVAL) $(PARALLEL) --durations=30 \
		$(PYTEST_ARGS)

# Fast unit tests only (no notebooks, no site), for working on cnncourse/.
unit: setup
	$(BIN)/python -m pytest tests -m "not browser and not slow" $(PYTEST_ARGS)

# Only the notebooks, checked by nbval (or some of them: make notebooks
# NOTEBOOKS="chapters/01_images_as_arrays.ipynb").
NOTEBOOKS ?= chapters
notebooks: setup
	$(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL) $(PARALLEL) $(PYTEST_ARGS)

setup: system $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(CHECK_PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# The Python that creates $(VENV): one of PYTHON_VERSIONS, with `venv` and
# `ensurepip`, which Debian and Ubuntu ship apart, in python3.X-venv. When it
# is missing set-up stops with the command that installs it (it needs root,
# which this Makefile never uses). `make check-python` runs this check alone.
define CHECK_PYTHON
version=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || { \
  echo "error: cannot run PYTHON=$(PYTHON). Install Python 3.12 (chapters/setup.md), or name one: make PYTHON=python3.12 $(or $(MAKECMDGOALS),site)" >&2; exit 1; }; \
case " $(PYTHON_VERSIONS) " in *" $$version "*) ;; *) \
  echo "error: PYTHON=$(PYTHON) is Python $$version; requirements.txt installs on $(PYTHON_VERSIONS) only. Name one of those: make PYTHON=python3.12 $(or $(MAKECMDGOALS),site)" >&2; exit 1;; esac; \
$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null && exit 0; \
echo "error: PYTHON=$(PYTHON) (Python $$version) cannot create a virtual environment: it has no ensurepip. Install it with:" >&2; \
if command -v apt-get >/dev/null; then echo "  sudo apt-get install python$$version-venv" >&2; \
else echo "  your system's venv package for Python $$version, or another Python: make PYTHON=python3.12 $(or $(MAKECMDGOALS),site)" >&2; fi; \
exit 1
endef

check-python:
	@$(CHECK_PYTHON)

# System packages the tests use when they are there, never required: a
# Chromium-based browser for the browser test (skipped without one, except in
# CI), and Debian's Fashion-MNIST so that nothing has to be downloaded (30 MB
# otherwise). Each missing one gets a note with the command that installs it
# on this system; set-up goes on. The checks honour PATH, CNNCOURSE_CHROMIUM
# and CNNCOURSE_DEBIAN_DATA (Debian's data folder; empty: not used), as the
# tests do.
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable
system:
	@os=$$(. /etc/os-release 2>/dev/null && echo "$$ID $$ID_LIKE"); \
	found=$${CNNCOURSE_CHROMIUM:-}; \
	for b in $(BROWSERS); do [ -n "$$found" ] || found=$$(command -v $$b) || true; done; \
	[ -n "$$found" ] || [ -d "/Applications/Google Chrome.app" ] || [ -d /Applications/Chromium.app ] || { \
	  case " $$os " in \
	    *" ubuntu "*) how="sudo snap install chromium";; \
	    *" debian "*) how="sudo apt-get install chromium";; \
	    *) how="install Google Chrome or Chromium";; esac; \
	  echo "note: no Chromium or Chrome found, so the browser test will be skipped. To have it: $$how"; }; \
	data=$${CNNCOURSE_DEBIAN_DATA-/usr/share/datasets}; \
	if [ -z "$$data" ] || [ ! -d "$$data/fashion-mnist" ]; then case " $$os " in *" debian "*) \
	  echo "note: Fashion-MNIST will be downloaded on first use (30 MB). To have it offline: sudo apt-get install dataset-fashion-mnist";; esac; fi

clean:
	rm -rf _build
