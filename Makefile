# make pdf    build every report into build/ (creates .venv, installs TeX Live if needed);
#             incremental: only reports whose inputs changed are rebuilt, JOBS at a time
# make checks verify every report afresh and write its list of checks to build/<id>.checks.pdf
# make test   run the test suite (what CI runs)
# make test-quick  the tests that need no TeX, for the edit-test loop
# make bench  time a cold build of all reports against bare latexmk on the same .tex files
PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
OUT         ?= build
TEMPLATES   ?=
ASSIGNMENTS ?= assignments
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
REPORTS     := $(patsubst $(ASSIGNMENTS)/%.toml,%,$(wildcard $(ASSIGNMENTS)/*.toml))
PDFS        := $(REPORTS:%=$(OUT)/%.pdf)
# Every report depends on the code and the settings file; build/<id>.d (written by each build)
# adds the templates that report actually loaded, so a template edit rebuilds only its users.
CODE        := pyproject.toml $(wildcard reportgen/*.py reportgen/*/*.py reportgen/*/*/*.py) $(wildcard reportgen.toml)
# The make variables that change the output, recorded so that changing them rebuilds: the file
# is rewritten only when the value differs, so its timestamp moves only then.
CONFIG      := $(OUT)/.make-config
CONFIG_NOW  := templates=$(TEMPLATES)

.PHONY: pdf pdfs stale checks test test-quick test-long tex venv clean bench FORCE
.DEFAULT_GOAL := pdf

$(BIN)/reportgen: pyproject.toml
	$(PYTHON) -m venv --system-site-packages $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

venv: $(BIN)/reportgen

tex:
	@sh scripts/ensure-tex.sh

pdf: $(BIN)/reportgen tex
	@$(MAKE) --no-print-directory pdfs

# make decides which reports are out of date (each PDF's rule only notes its id in a list of
# this run's own); one `reportgen build --jobs` process then builds them all, JOBS at a time:
# Python, numpy and SymPy are loaded once instead of once per report. The PDFs are touched
# only when the build succeeded, so a failed report is tried again by the next `make pdf`.
STALE       ?= $(OUT)/.stale.$(shell echo $$PPID)

pdfs: | $(BIN)/reportgen
	@mkdir -p $(OUT); rm -f $(STALE)
	@$(MAKE) --no-print-directory STALE=$(STALE) stale
	@if [ -s $(STALE) ]; then \
	  ids=$$(cat $(STALE)); rm -f $(STALE); \
	  $(BIN)/reportgen build --jobs $(JOBS) --out $(OUT) $(if $(TEMPLATES),--templates $(TEMPLATES)) \
	    $$(for id in $$ids; do echo $(ASSIGNMENTS)/$$id.toml; done) || exit 1; \
	  for id in $$ids; do touch $(OUT)/$$id.pdf; done; \
	fi

stale: $(PDFS)

$(CONFIG): FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(CONFIG_NOW)' ]; then echo '$(CONFIG_NOW)' > $@; fi

FORCE:

# The build publishes atomically and leaves the PDF alone when the generated .tex is unchanged
# (its own stamp), so `pdfs` touches the targets afterwards: make then knows they are up to date.
$(OUT)/%.pdf: $(ASSIGNMENTS)/%.toml $(CODE) $(CONFIG) | $(BIN)/reportgen
	@echo $* >> $(STALE)

-include $(wildcard $(PDFS:.pdf=.d))

# The verification companions: `check` always verifies afresh (exit 1 if a check fails; the PDFs
# are written either way, failed checks marked).
checks: $(BIN)/reportgen tex
	$(BIN)/reportgen check --pdf --out $(OUT) $(wildcard $(ASSIGNMENTS)/*.toml)

# pytest-xdist: one worker more than cores, since a worker often waits (on TeX's time limits, on
# the shared build of the shipped reports); worksteal: an idle worker takes a busy one's tests
PYTEST_JOBS ?= -n $(shell expr $(JOBS) + 1) --dist worksteal

test: $(BIN)/reportgen tex
	$(BIN)/python -m pytest $(PYTEST_JOBS)

test-quick: $(BIN)/reportgen   # everything but the tests that compile with TeX
	$(BIN)/python -m pytest $(PYTEST_JOBS) -m "not tex"

test-long: $(BIN)/reportgen   # the property tests with 400 editions per property (minutes)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest $(PYTEST_JOBS) tests/test_properties_networks.py \
	  tests/test_properties_shapes.py tests/test_properties_specs.py

bench: $(BIN)/reportgen tex
	$(BIN)/python scripts/bench.py $(if $(TEMPLATES),--templates $(TEMPLATES))

clean:
	rm -rf $(OUT)
