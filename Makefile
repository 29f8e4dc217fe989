# Set-up and everyday commands.  `make design` and `make test` install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: Open3D needs libusb, libGL and libgomp at import; PrusaSlicer's command
# line slices the exported STL to prove it prints; Qt's xcb platform plugin needs the xcb
# libraries (with one missing Qt aborts with "no Qt platform plugin could be initialized");
# the desktop tests run on a virtual screen (Xvfb), where VTK renders with Mesa.
APT_PACKAGES := libusb-1.0-0 libgl1 libgomp1 prusa-slicer \
	xvfb xauth libgl1-mesa-dri libegl1 libfontconfig1 fonts-dejavu-core libdbus-1-3 libxrender1 libxi6 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 \
	libxkbcommon-x11-0 libxcb-cursor0 libxcb-shape0
# The tests drive the real window, so they run on a virtual screen.
XVFB := xvfb-run -a -s "-screen 0 1600x1000x24"

.PHONY: setup system venv design gui test bench clean-exports

setup: system venv

# Installs the Debian packages that are missing (as root, or through sudo).
system:
	@missing=$$(for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing Debian packages: $$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[gui,test,cluster]"
	touch $@

venv: $(VENV)/.installed

# The main job on the sample scan: print files and reports in exports/transtibial_phone/.
design: setup
	$(BIN)/prosthetics design

test: setup
	$(XVFB) $(BIN)/python -m pytest

# The desktop application on the sample scan.
gui: setup
	$(BIN)/prosthetics-gui

bench: setup
	$(BIN)/python bench/bench_design.py

clean-exports:
	find exports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
