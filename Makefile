PYTHON ?= python3

.PHONY: install demo test check bench

install:
	$(PYTHON) -m pip install -q -e .

demo: install
	$(PYTHON) examples/seed.py

test:
	$(PYTHON) -m pip install -q -e '.[test]'
	$(PYTHON) -m pytest

# CI (make test) plus lint.
check:
	$(PYTHON) -m pip install -q -e '.[dev]'
	$(PYTHON) -m ruff check symdiff tests examples benchmarks
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) benchmarks/run.py
