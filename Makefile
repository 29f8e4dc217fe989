# Set-up and everyday commands.  `make design` and `make test` install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv installs the locked versions (requirements.lock) quickly and links them from its cache.
UV_VERSION := 0.13.8
UV := $(BIN)/uv
export UV_NATIVE_TLS := 1
# Debian packages: Open3D needs libusb, libGL and libgomp at import; PrusaSlicer's command
# line slices the exported STL to prove it prints; Qt's xcb platform plugin needs the xcb
# libraries (with one missing Qt aborts with "no Qt platform plugin could be initialized");
# the desktop tests run on a virtual screen (Xvfb), where VTK renders with Mesa; WeasyPrint
# lays out the PDF reports with Pango, in Noto fonts (Naskh and Nastaliq for Urdu); the
# tests read the PDFs back with poppler's pdftotext and pdftoppm.
APT_PACKAGES := libusb-1.0-0 libgl1 libgomp1 prusa-slicer \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core poppler-utils \
	xvfb xauth libgl1-mesa-dri libegl1 libfontconfig1 fonts-dejavu-core libdbus-1-3 libxrender1 libxi6 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 \
	libxkbcommon-x11-0 libxcb-cursor0 libxcb-shape0
# The tests drive the real window, so they run on a virtual screen.
XVFB := xvfb-run -a -s "-screen 0 1600x1000x24"
# Everyday edits: everything but the end-to-end runs, the desktop window and the slicer.
FAST := not slow and not gui and not slicer
# Two worker processes (pytest-xdist), a test file's tests in one of them, so the cleaned
# limbs and designs a file's fixtures make are made once.
PARALLEL := -n 2 --dist loadfile

.PHONY: setup system venv design gui test test-fast check wheel-check lock bench clean-exports

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
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"

# Exactly the packages and versions in requirements.lock (it is complete: nothing else is
# resolved), then the project itself (editable, no deps).  Compiled to bytecode at install,
# as pip does (uv does not by default): otherwise, where Python may not write its .pyc
# files (PYTHONDONTWRITEBYTECODE, a read-only folder), every command compiles its imports
# again, about 1.3 s of each design.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(UV) pip install -q --python $(BIN)/python --no-deps --compile-bytecode -r requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 prosthetics gui >/dev/null
	touch $@

venv: $(VENV)/.installed

# The main job on the sample scan: print files and reports in exports/transtibial_phone/.
design: setup
	$(BIN)/prosthetics design

test: setup
	$(XVFB) $(BIN)/python -m pytest $(PARALLEL)

# Under two minutes: `make test-fast` while editing, `make test` before committing.
test-fast: setup
	$(BIN)/python -m pytest -m "$(FAST)" $(PARALLEL) -q

# Lint (ruff) and the import contracts (import-linter, rules in pyproject.toml).
check: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Builds the wheel, installs it into a fresh virtual environment and runs the commands a
# user would, from an unrelated folder.
wheel-check: setup
	PYTHON=$(PYTHON) UV=$(UV) scripts/check_wheel.sh

# Re-resolves requirements.lock from pyproject.toml's ranges (then run make test).
lock: | $(BIN)/python
	$(UV) pip compile pyproject.toml --extra gui --extra test --extra cluster --extra dev \
	  --override lock-overrides.txt --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_36 --no-header -o requirements.lock

# The desktop application on the sample scan.
gui: setup
	$(BIN)/prosthetics-gui

bench: setup
	$(BIN)/python bench/bench_design.py

clean-exports:
	find exports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
