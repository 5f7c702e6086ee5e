# itsutsuboshi — two commands: `make demo` (publish the real open data of 市川市 in demo/ichikawa: convert, link, validate, load, serve) and `make test` (whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SOURCES := $(shell find itsutsuboshi converters vocab shapes server -name '*.py' -o -name '*.toml' -o -name '*.ttl' -o -name '*.jsonld' -o -name '*.csv' -o -name '*.gz' -o -name '*.html' 2>/dev/null) pyproject.toml

.PHONY: demo test lint bench clean

$(BIN)/.installed: $(SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]' --config-settings editable_mode=strict
	touch $@

# 市川市's open data, byte for byte (demo/ichikawa/ATTRIBUTION.md: source, licence CC BY 4.0)
DEMO_LICENSE ?= cc-by-4.0

demo: $(BIN)/.installed
	$(BIN)/itsutsuboshi publish demo/ichikawa/ --license $(DEMO_LICENSE) --prune --serve

test: $(BIN)/.installed
	$(BIN)/ruff check .
	cd $(VENV) && bin/mypy --config-file $(CURDIR)/pyproject.toml -p itsutsuboshi
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python bench/convert_bench.py
	$(BIN)/python bench/validate_bench.py

clean:
	rm -rf $(VENV) build dist output published *.egg-info
