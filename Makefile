PYTHON ?= python3

.PHONY: install demo graphviz test check typecheck bench derivs docs

install:
	$(PYTHON) -m pip install -q -e .

demo: install
	$(PYTHON) examples/seed.py

# Graphviz's `dot` draws symdiff.graph's SVG/PNG pictures, and the tests render with it:
# installed with apt when missing; elsewhere install it yourself (the rendering tests fail
# without it, they are not skipped).
graphviz:
	@command -v dot >/dev/null 2>&1 || apt-get install -y -q graphviz \
		|| (apt-get update -q && apt-get install -y -q graphviz) \
		|| echo "make: could not install Graphviz (https://graphviz.org/download/);" \
			"the rendering tests need its dot program" >&2

test: graphviz
	$(PYTHON) -m pip install -q -e '.[test]'
	$(PYTHON) -m pytest

# CI (make test) plus lint and type checks.
check: graphviz
	$(PYTHON) -m pip install -q -e '.[dev]'
	$(PYTHON) -m ruff check symdiff tests examples benchmarks
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest

# mypy over symdiff/ with pyproject's settings (the public API with --strict's flags).
typecheck:
	$(PYTHON) -m mypy

bench: install
	$(PYTHON) benchmarks/run.py

# The documentation site (docs/, mkdocs.yml) into site/; strict: a broken link or
# anchor fails the build. Needs mkdocs and mkdocs-material.
docs:
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict

# Standalone derivative modules (NumPy only, no symdiff) of some examples; the tests
# check they are current (`symdiff build --check`). Run after changing an example.
GENERATED = examples/generated
derivs:
	$(PYTHON) -m symdiff build examples/black_scholes.py -f call_price \
		--modes value_and_grad,hessian --argnums 0,1,2,3,4 -o $(GENERATED)/black_scholes_derivs.py
	$(PYTHON) -m symdiff build examples/newton.py -f rosenbrock \
		--modes grad,value_and_grad,jvp,vjp,hessian --argnums 0,1 -o $(GENERATED)/newton_derivs.py
	$(PYTHON) -m symdiff build examples/logistic_regression.py -f loss \
		--modes grad,value_and_grad,vjp,hessian \
		--signature 'ndarray[float64,1]' 'ndarray[float64,2]' 'ndarray[float64,1]' \
		-o $(GENERATED)/logistic_regression_derivs.py
	$(PYTHON) -m symdiff build examples/loops.py -f horner -f newton_sqrt -f rosenbrock \
		--modes grad,jvp,hessian -o $(GENERATED)/loops_derivs.py
