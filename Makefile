# Developer entry points. `make run` starts the app, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv index run test eval bench browser fixtures import-quality

venv: $(STAMP)

# Re-install only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

# Builds the search index only when it is missing or stale.
index: venv
	$(BIN)/python -m index build

run: venv index
	$(BIN)/streamlit run app.py

# Debian's chromium (and a CJK font for readable screenshots) for the end-to-end tests.
browser:
	@if [ ! -d tests/e2e ] || { [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; }; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make browser: /usr/bin/chromium is missing; install chromium and chromium-driver as root (end-to-end tests need them)" >&2; \
		exit 0; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver fonts-wqy-microhei

# pytest exit code 5 means no tests were collected: that is a failure too.
test: venv browser
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then \
		echo "make test: FAILED: pytest collected no tests (exit code 5)" >&2; exit 1; \
	fi; \
	exit $$rc

eval: venv
	$(BIN)/python scripts/eval.py
	$(BIN)/python scripts/import_quality.py

bench: venv
	$(BIN)/python scripts/bench.py

# Word and PDF import: regenerate the published fixtures (LibreOffice prints the PDFs) and measure.
fixtures: venv
	@if ! command -v soffice >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "make fixtures: install libreoffice-writer-nogui and fonts-noto-cjk as root" >&2; exit 1; \
		fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk; \
	fi
	$(BIN)/python scripts/make_fixtures.py

import-quality: venv
	$(BIN)/python scripts/import_quality.py
