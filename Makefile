# Two commands do all set-up on a fresh machine (Python 3.11+ and make):
#   make release   validate everything and build the release
#   make test      run every test (installs the Label Studio server in its own environment)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
# The Label Studio server's environment: here in the checkout for `make test` (the toolkit's own
# default is the user's data directory); an environment variable set by the caller wins.
export CROCUS_LS_VENV ?= $(CURDIR)/.venv-ls

# Every extra, for the tests; the development tools are PEP 735 groups of pyproject.toml.
EXTRAS := labelstudio,hf,spacy,croissant,bench,prelabel,board

.PHONY: release test validate bench bench-validate-stages bench-scale bench-scale-full bench-bio-stages bench-board server-env browser typecheck \
	package-check test-lowest clean

# pip >= 25.1 reads dependency groups (--group). The editable install needs no build environment
# of its own (--no-build-isolation): it ships no release, so it needs only hatchling, and
# setuptools, which compiles the validator's C helper in place.
$(INSTALLED): pyproject.toml $(wildcard toolkit/crocus_claims/*/_*.c)  # the C helpers are built in place
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade 'pip>=25.1' 'hatchling>=1.27' 'setuptools>=70.1' editables
	$(BIN)/pip install --quiet --no-build-isolation -e '.[$(EXTRAS)]' --group dev
	touch $@

# The main job: every check of the sources, then the release, then a check of what was written.
release: validate
	$(BIN)/crocus-claims release build
	$(BIN)/crocus-claims release verify dist/release

validate: $(INSTALLED)
	$(BIN)/crocus-claims schema check
	$(BIN)/crocus-claims schema jsonschema --check
	$(BIN)/crocus-claims corpus check
	$(BIN)/crocus-claims annotations build --check
	$(BIN)/crocus-claims validate annotations/

# The Label Studio server is about 1 GB of packages: it gets its own environment, which the
# toolkit creates (and reuses) itself.
server-env: $(INSTALLED)
	$(BIN)/crocus-claims ls install-server

# Debian's Chromium, for the editor test (tests/test_ls_browser.py); Playwright drives it.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	command -v chromium >/dev/null || ($(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium)

test: $(INSTALLED) server-env browser typecheck release
	$(BIN)/pytest

# mypy over the whole package, strict on the public API (settings in pyproject.toml).
typecheck: $(INSTALLED)
	$(BIN)/mypy

# What a user gets from PyPI: the sdist, the wheel built from it, installed with no extras into a
# fresh environment, used outside any checkout.
package-check: $(INSTALLED)
	PYTHON=$(PYTHON) BUILD=$(CURDIR)/$(BIN)/pyproject-build .ci/package-check

# The lowest versions the dependency bounds allow (uv's lowest-direct resolution), quick tests.
LOWEST := .venv-lowest
test-lowest: $(INSTALLED) release
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(LOWEST)
	VIRTUAL_ENV=$(LOWEST) $(BIN)/uv pip install --quiet --resolution lowest-direct -e '.[$(EXTRAS)]' --group dev
	$(LOWEST)/bin/pytest -m "not server" -q -p no:cacheprovider

bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench_validate.py --megabytes 500

# Validation, import, load, spans, BIO, Hugging Face, the board's frames and the board against
# their bare-parsing baselines: minutes at the default sizes; bench-scale-full uses the sizes the
# targets name (100k documents, 1M spans, a 1 GB export), once.
bench-scale: $(INSTALLED)
	$(BIN)/python benchmarks/bench_scale.py

bench-scale-full: $(INSTALLED)
	$(BIN)/python benchmarks/bench_scale.py --full --rounds 1

# Where the validator's time goes in one process, stage by stage, against orjson, on make bench's file.
bench-validate-stages: $(INSTALLED)
	mkdir -p benchmarks/data
	test -f benchmarks/data/records-500mb.jsonl || $(BIN)/python benchmarks/generate.py --megabytes 500 \
		--output benchmarks/data/records-500mb.jsonl
	$(BIN)/python benchmarks/bench_validate_stages.py

# Where to_bio()'s time goes, stage by stage (reading, decoding, tokens, offsets, tags), against
# orjson, on bench-scale's 10,000-document release.
bench-bio-stages: $(INSTALLED)
	$(BIN)/python benchmarks/bench_bio_stages.py

# The claims board of synthetic releases of 1,000 and 10,000 documents: time and page sizes.
bench-board: $(INSTALLED)
	$(BIN)/python benchmarks/bench_board.py

clean:
	rm -rf $(VENV) .venv-ls $(LOWEST) dist .pytest_cache .hypothesis .mypy_cache
