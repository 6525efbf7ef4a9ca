# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= finsam.db

$(BIN)/finsam: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/finsam

.PHONY: setup run test bench
setup: $(BIN)/finsam

run: setup
	$(BIN)/finsam import corpus/*.txt corpus/more/*.txt --db $(DB)
	$(BIN)/finsam associations --db $(DB)
	$(BIN)/finsam findings --db $(DB) --severity error
	$(BIN)/finsam findings --db $(DB) --severity warning

test: setup
	$(BIN)/python -m pytest -q

# the peers the benchmarks compare with (camelot) are the bench extra, never a runtime dependency
bench: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py
