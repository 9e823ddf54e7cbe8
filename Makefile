# The two commands of the README: `make book` builds the sample book into build/,
# `make test` runs the tests. Each sets up .venv (and the system packages it needs) first.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: book test lint bench clean

book: $(STAMP)
	$(BIN)/glossbook build

test: $(STAMP)
	bash scripts/system-deps.sh test
	bash scripts/install-ace.sh $(VENV)/ace
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_citations.py
	$(BIN)/python benchmarks/bench_pdf.py
	$(BIN)/python benchmarks/bench_epub.py
	$(BIN)/python benchmarks/bench_preview.py
	$(BIN)/python benchmarks/bench_preview_load.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_search.py

# A .venv made before pyicu-wheels holds PyICU compiled into the same icu/ package: replace it.
$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip show --quiet PyICU 2>/dev/null; then \
	  $(BIN)/python -m pip uninstall --quiet --yes PyICU pyicu-wheels 2>/dev/null; fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf build $(VENV)
