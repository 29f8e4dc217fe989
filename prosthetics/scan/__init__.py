"""Scans in: loading any supported file into millimetres, cleaning it into one limb
surface (Open3D), removing floors and tables (for limb and foot scans alike), AAOP files,
and seeded phone-like scans made from clean ones."""

from prosthetics.scan.clean import CleanParams, CleanResult, clean_scan
from prosthetics.scan.loaders import SUPPORTED_SUFFIXES, Scan, Units, load_scan

__all__ = ["CleanParams", "CleanResult", "SUPPORTED_SUFFIXES", "Scan", "Units", "clean_scan",
           "load_scan"]
