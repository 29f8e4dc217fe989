# Set-up and everyday commands.  `make design` and `make test` install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: Open3D needs libusb, libGL and libgomp at import; PrusaSlicer's command
# line slices the exported STL to prove it prints.
APT_PACKAGES := libusb-1.0-0 libgl1 libgomp1 prusa-slicer

.PHONY: setup system venv design test bench clean-exports

setup: system venv

# Installs the Debian packages that are missing (as root, or through sudo).
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing Debian packages: $$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

venv: $(VENV)/.installed

# The main job on the sample scan: print files and reports in exports/transtibial_phone/.
design: setup
	$(BIN)/prosthetics design

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/bench_design.py

clean-exports:
	find exports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
