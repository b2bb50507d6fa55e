# journeydocs: two commands on a fresh machine.
#   make site   creates .venv, installs journeydocs, builds the sample catalogue into public/
#   make test   installs the test tools (and Chromium where possible), runs the whole suite
.POSIX:
.PHONY: site test serve bench fuzz clean browser check

# The interpreter for .venv: Debian's python3.11 when it is there and can make a
# venv (statically linked and built with profile-guided optimisation, it builds a
# catalogue some 13 % faster than a default pyenv build), else python3.11 or
# python3 from PATH. `make PYTHON=/path/to/python3.11 site` chooses another.
# When none can, the first on PATH is used, so that its own message says what to install.
PYTHON ?= $(shell for p in /usr/bin/python3.11 "$$(command -v python3.11)" "$$(command -v python3)"; do \
	[ -n "$$p" ] && "$$p" -c 'import ensurepip, venv' 2>/dev/null && { echo "$$p"; exit 0; }; done; \
	command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set
# (as in many CI images) every command would compile journeydocs from source again.
COMPILE := $(BIN)/python -m compileall -q generator

# BASE_URL overrides base_url from site.toml (preview deployments); BUILD_FLAGS adds flags such as --drafts.
site: $(VENV)/.installed
	$(BIN)/journeys build $(if $(BASE_URL),--base-url "$(BASE_URL)") $(BUILD_FLAGS)

check: $(VENV)/.installed
	$(BIN)/journeys check --strict

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest

serve: $(VENV)/.installed
	$(BIN)/journeys serve

bench: $(VENV)/.installed
	$(COMPILE) bench/*.py  # bench's own modules, not the corpora and results beside them
	$(BIN)/python -m bench

fuzz: $(VENV)/.installed-test
	$(BIN)/python -m tests.fuzz --examples $${FUZZ_EXAMPLES:-10000}

clean:
	rm -rf public .journeydocs-cache .pytest_cache .mypy_cache .hypothesis test-artifacts bench/results build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	$(COMPILE)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium and the HTML check needs Java. Install
# what is missing when we are root; otherwise say how. With CI=true those tests
# fail (not skip) when something is missing.
browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian packages for the browser and HTML tests:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note: missing$$missing; those tests will skip (run: sudo apt-get install$$missing)"; \
	fi
