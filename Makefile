# Safe on any machine: with a virtual environment active (or PYTHON=... given) that
# Python is used as it is; otherwise the project's own .venv, made on first use, so a
# system Python that refuses pip installs (PEP 668, Debian and Ubuntu) needs no flags.
SYSTEM_PYTHON ?= python3
ifneq ($(VIRTUAL_ENV),)
PYTHON ?= $(VIRTUAL_ENV)/bin/python
else ifneq ($(CONDA_PREFIX),)
PYTHON ?= $(CONDA_PREFIX)/bin/python
else
PYTHON ?= .venv/bin/python
VENV = .venv/bin/python
endif

.PHONY: install demo graphviz test test-all check typecheck bench derivs docs

$(VENV):
	@$(SYSTEM_PYTHON) -m venv .venv || { echo "make: '$(SYSTEM_PYTHON) -m venv' failed;" \
		"on Debian/Ubuntu install the venv module (sudo apt-get install python3-venv)," \
		"or activate a virtual environment of your own and run make again" >&2; exit 1; }

install: $(VENV)
	$(PYTHON) -m pip install -q -e .

demo: install
	$(PYTHON) examples/seed.py

# Graphviz's `dot` draws symdiff.graph's SVG/PNG pictures. Installed with apt-get when
# running as root; otherwise make says how, and the rendering tests are skipped (but
# not where CI=true: there they fail without it).
GRAPHVIZ_HELP = make: Graphviz (its dot program) is not installed, so the tests that \
render pictures will be skipped. Install it with 'sudo apt-get install graphviz' \
(Debian/Ubuntu), 'brew install graphviz' (macOS) or from https://graphviz.org/download/
graphviz:
	@command -v dot >/dev/null 2>&1 \
	|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { apt-get install -y -q graphviz >/dev/null 2>&1 \
			|| { apt-get update -q >/dev/null && apt-get install -y -q graphviz >/dev/null; }; }; } \
	|| echo "$(GRAPHVIZ_HELP)" >&2

test: graphviz $(VENV)
	$(PYTHON) -m pip install -q -e '.[test]'
	$(PYTHON) -m pytest -n auto

# The tests on every Python from 3.10 to 3.13 found on PATH or through pyenv
# (.ci/pythons.py; a missing one is skipped with a message), each in its own .venv-3.X.
# TESTS narrows them: CI runs the tests that print, parse and compare source this way.
TESTS ?=
test-all: graphviz
	@status=0; for python in $$($(SYSTEM_PYTHON) .ci/pythons.py); do \
		version=$$($$python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
		echo "== Python $$version ($$python)"; \
		[ -x .venv-$$version/bin/python ] || $$python -m venv .venv-$$version || status=1; \
		.venv-$$version/bin/python -m pip install -q -e '.[test]' \
			&& .venv-$$version/bin/python -m pytest -n auto $(TESTS) || status=1; \
	done; exit $$status

# CI (make test) plus lint and type checks.
check: graphviz $(VENV)
	$(PYTHON) -m pip install -q -e '.[dev]'
	$(PYTHON) -m ruff check symdiff tests examples benchmarks
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest -n auto

# mypy over symdiff/ with pyproject's settings (the public API with --strict's flags).
typecheck: $(VENV)
	$(PYTHON) -m pip install -q -e '.[dev]'
	$(PYTHON) -m mypy

bench: install
	$(PYTHON) benchmarks/run.py

# The documentation site (docs/, mkdocs.yml) into site/; strict: a broken link or
# anchor fails the build. Needs mkdocs and mkdocs-material.
docs: $(VENV)
	$(PYTHON) -m pip install -q -e '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict

# Standalone derivative modules (NumPy only, no symdiff) of some examples; the tests
# check they are current (`symdiff build --check`). Run after changing an example.
GENERATED = examples/generated
derivs: install
	$(PYTHON) -m symdiff build examples/black_scholes.py:call_price \
		--modes value_and_grad,hessian --argnums 0,1,2,3,4 -o $(GENERATED)/black_scholes_derivs.py
	$(PYTHON) -m symdiff build examples/newton.py:rosenbrock \
		--modes grad,value_and_grad,jvp,vjp,hessian --argnums 0,1 -o $(GENERATED)/newton_derivs.py
	$(PYTHON) -m symdiff build examples/logistic_regression.py:loss \
		--modes grad,value_and_grad,vjp,hessian \
		--signature 'ndarray[float64,1]' 'ndarray[float64,2]' 'ndarray[float64,1]' \
		-o $(GENERATED)/logistic_regression_derivs.py
	$(PYTHON) -m symdiff build examples/loops.py:horner examples/loops.py:newton_sqrt \
		examples/loops.py:rosenbrock --modes grad,jvp,hessian -o $(GENERATED)/loops_derivs.py
