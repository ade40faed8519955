# make pdf   build every report into build/ (creates .venv, installs TeX Live if needed)
# make test  run the test suite (what CI runs)
PYTHON    ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
OUT       ?= build
TEMPLATES ?=
REPORTS   := $(patsubst assignments/%.toml,%,$(wildcard assignments/*.toml))

.PHONY: pdf test tex venv clean
.DEFAULT_GOAL := pdf

$(BIN)/reportgen: pyproject.toml
	$(PYTHON) -m venv --system-site-packages $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

venv: $(BIN)/reportgen

tex:
	@sh scripts/ensure-tex.sh

pdf: $(BIN)/reportgen tex
	$(BIN)/reportgen build --out $(OUT) $(if $(TEMPLATES),--templates $(TEMPLATES))

test: $(BIN)/reportgen
	$(BIN)/python -m pytest

clean:
	rm -rf $(OUT)
