"""Where the presets, printer and material profiles, sample scans and default outputs are.

Two ways to run the package, one answer each:

- **From a checkout** (``pip install -e .`` or the source tree on ``sys.path``): the
  repository's own ``templates/`` (the folder a clinic edits), ``scans/`` and
  ``exports/``.
- **Installed from a wheel**: the presets, profiles and sample scans the wheel carries
  (``prosthetics/presets`` and ``prosthetics/samples`` inside the installed package, read
  through :mod:`importlib.resources`), and ``./exports`` of the current directory for
  outputs, never a folder inside site-packages.

``PROSTHETICS_TEMPLATES`` names another presets folder (a clinic's own) in either case.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

#: The folder that holds the package, i.e. the repository in a checkout.
_PARENT = Path(__file__).resolve().parent.parent

TEMPLATES_ENV_VAR = "PROSTHETICS_TEMPLATES"


def checkout_root() -> Path | None:
    """The repository when the package runs from a checkout, else None."""
    if (_PARENT / "pyproject.toml").is_file() and (_PARENT / "templates").is_dir():
        return _PARENT
    return None


def _packaged(name: str) -> Path:
    # The wheel maps templates/ and scans/ into the package; they are plain folders on disk
    # there (the wheel is installed unzipped), so a Path is enough.
    return Path(str(resources.files("prosthetics") / name))


def templates_dir() -> Path:
    """The presets folder (also holds ``printers.toml`` and ``materials.toml``)."""
    env = os.environ.get(TEMPLATES_ENV_VAR)
    if env:
        return Path(env)
    root = checkout_root()
    return root / "templates" if root is not None else _packaged("presets")


def samples_dir() -> Path:
    """The folder of the sample scans that ship with the package."""
    root = checkout_root()
    return root / "scans" if root is not None else _packaged("samples")


def sample_scan(name: str = "transtibial_phone.ply") -> Path:
    """A sample scan by file name (default the transtibial phone scan)."""
    return samples_dir() / name


def exports_dir() -> Path:
    """Default output folder: the checkout's ``exports/``, else ``./exports``."""
    root = checkout_root()
    return root / "exports" if root is not None else Path.cwd() / "exports"
