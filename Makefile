PYTHON ?= python3

.PHONY: install demo graphviz test check bench

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

# CI (make test) plus lint.
check: graphviz
	$(PYTHON) -m pip install -q -e '.[dev]'
	$(PYTHON) -m ruff check symdiff tests examples benchmarks
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) benchmarks/run.py
