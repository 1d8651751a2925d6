# Two commands for a new user:  `make demo`  and  `make test`  (and `make lab` for the notebooks).
# Each sets itself up: a .venv, torch pinned to the CPU build on disk (an
# unpinned torch would pull GBs of CUDA wheels), the package in editable mode,
# and graphviz's `dot` (plus chromium for the tests) from apt when missing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH  := torch==2.13.0
APT_UPDATED := $(VENV)/.apt-updated

LAB_PORT ?= 8888

.PHONY: demo test lab lint bench notebooks clean system-dot system-chromium

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(PY)
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[test,digits]'
	touch $@

$(VENV)/.lab: pyproject.toml | $(PY)
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[lab,digits]'
	touch $@

system-dot: | $(PY)
	@command -v dot >/dev/null 2>&1 || { \
	  echo "installing graphviz (dot) with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; }

system-chromium: | $(PY)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: $(VENV)/.runtime system-dot
	$(PY) -m micrograd demo

lint: $(VENV)/.test
	$(VENV)/bin/ruff check micrograd tests benchmarks scripts
	$(VENV)/bin/ruff format --check micrograd tests benchmarks scripts
	$(VENV)/bin/mypy micrograd

test: $(VENV)/.test system-dot system-chromium lint
	$(PY) -m pytest -n 2 tests --nbmake notebooks

# JupyterLab on notebooks/, no browser needed: open the URL it prints (with its token).
lab: $(VENV)/.lab system-dot
	@echo "Starting JupyterLab on notebooks/ at http://127.0.0.1:$(LAB_PORT)/lab"
	@echo "Open the URL printed below (it carries the login token); Ctrl-C twice stops the server."
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) \
	  --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

notebooks: $(VENV)/.test system-dot
	$(PY) scripts/run_notebooks.py

bench: $(VENV)/.test
	$(PY) benchmarks/run.py --write-readme
	$(PY) benchmarks/compiled.py

clean:
	rm -rf $(VENV) .bench .pytest_cache .hypothesis .mypy_cache .ruff_cache out
