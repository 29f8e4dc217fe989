"""Scans in: loading any supported file into millimetres, cleaning it into one limb
surface (Open3D), removing floors and tables (for limb and foot scans alike), AAOP files,
and seeded phone-like scans made from clean ones.

The names load on first use: the file endings read need neither trimesh nor Open3D (the
desktop window shows its frame before they are loaded), and loading a scan needs no Open3D.
"""

from __future__ import annotations

from prosthetics.lazy import lazy_attributes
from prosthetics.scan.formats import SUPPORTED_SUFFIXES

_LAZY = {name: "prosthetics.scan.clean" for name in ("CleanParams", "CleanResult", "clean_scan")}
_LAZY |= {name: "prosthetics.scan.loaders" for name in ("Scan", "Units", "load_scan")}

__all__ = ["CleanParams", "CleanResult", "SUPPORTED_SUFFIXES", "Scan", "Units", "clean_scan",
           "load_scan"]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
