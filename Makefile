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

# Xvfb lets one test open a real window; without it (no root, no apt) that test skips and says why.
sysdeps:
	@{ command -v Xvfb && command -v xwd; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb x11-apps >/dev/null) || \
	  echo "note: Xvfb not installed; the real-window test will skip"; }

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -n 2 --durations=15

lint: $(STAMP)
	$(BIN)/ruff check envs agents games training tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/env_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache
