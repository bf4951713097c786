# The two commands a newcomer needs: `make site` and `make test`. Only python3 and make required.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: site test test-fast golden serve clean screenshots docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# reinstall when the project's dependencies change
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

site: $(VENV)/.installed
	$(BIN)/python build.py

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# the quick loop while working: all but the tests that drive Chromium or take seconds each
# (markers `browser` and `slow`); `make test` runs everything, as CI does
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n auto -m "not browser and not slow"

# after a change meant to alter what a site looks like: tests/golden/expected/ rebuilt from
# tests/golden/content (the golden test compares a build with it byte for byte)
golden: $(VENV)/.installed
	$(BIN)/python tests/test_golden.py

serve: $(VENV)/.installed
	@test -f site/index.html || $(BIN)/python build.py
	$(BIN)/broadsheet serve

# docs/screenshots/*.png for the README: a small site built in a temporary folder, served on a
# free loopback port, photographed by headless Chromium (the browser tests' chromium packages)
screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/screenshots.py --out docs/screenshots

# the documentation site (mkdocs.yml, docs/) into build/docs/; a broken link fails it
docs: | $(BIN)/python
	@$(BIN)/python -c 'import mkdocs' 2>/dev/null || $(BIN)/python -m pip install --quiet 'mkdocs>=1.6'
	$(BIN)/python -m mkdocs build --strict
	@echo "The documentation is in build/docs/ (open build/docs/index.html)."

clean:
	rm -rf site .broadsheet .site.prev-* .site.new-* .site.old-*
