# Two entry points: `make run` (install what is needed, launch the explorer) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench display-packages

run: $(STAMP)
	$(BIN)/landscape-explorer gui

test: $(STAMP) display-packages
	$(BIN)/ruff check compute explorer tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python benchmarks/grid_bench.py
	$(BIN)/python benchmarks/slice_bench.py

# The 3-D view's tests need a real OpenGL context: Xvfb and Mesa's software renderer (Debian
# packages; the tests start Xvfb themselves); the figure tests rasterise the PDF and SVG they
# write with poppler's pdftoppm and librsvg's rsvg-convert. Installed once, only where missing.
DISPLAY_PACKAGES := xvfb xauth libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxcb-icccm4 \
	libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 \
	libxcb-xinerama0 libxcb-xkb1 libxcb-cursor0 poppler-utils librsvg2-bin
display-packages:
	@dpkg -s $(DISPLAY_PACKAGES) >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(DISPLAY_PACKAGES) >/dev/null; } || \
	  echo "warning: install $(DISPLAY_PACKAGES) (Debian) for the 3-D view's tests"

# torch is pinned here (a CPU build installs from local disk); the package itself accepts a range.
$(STAMP): pyproject.toml requirements-pins.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-pins.txt -e ".[test,vtk,cluster,video]"
	touch $(STAMP)
