# Two commands do all the set-up on a fresh machine (Python 3.11, pip, make):
#   make demo   builds the graph and answers a saved query on the embedded store
#   make test   runs the whole test suite (what CI runs)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: demo test build lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ksst build
	$(BIN)/ksst query participation-matrix

build: $(STAMP)
	$(BIN)/ksst build

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run --sizes 10k,100k,1m

clean:
	rm -rf build .build.* .pytest_cache  # build is a link to a .build.v-* folder
