# `make demo` and `make test` each build .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export SDL_VIDEODRIVER ?= dummy
export SDL_AUDIODRIVER ?= dummy
export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER := 0

.PHONY: setup sysdeps demo test lint bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/arcadelab demo

# System packages some tests use: Xvfb (one test opens a real window) and PostgreSQL (telemetry on a second SQL
# database). Without root or apt those tests skip and say why.
SYSDEPS_OK := command -v Xvfb && command -v xwd && { command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; }
sysdeps:
	@{ $(SYSDEPS_OK); } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb x11-apps postgresql \
	   >/dev/null) || echo "note: Xvfb or PostgreSQL not installed; the tests that need them will skip"; }

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -n 2 --durations=15

# Rules and the files mypy checks live in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check arcadelab envs agents games training tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/env_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache
