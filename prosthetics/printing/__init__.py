"""Printing: printer and material profiles, the bed fit, the print orientation, the
printability checks, and slicing with PrusaSlicer."""

from prosthetics.printing.bed import bed_fit, bed_placement
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.printing.orientation import OrientationChoice, orientation_check
from prosthetics.printing.profiles import Material, Printer, get_material, get_printer
from prosthetics.printing.slicer import SliceResult, find_slicer, slice_stl

__all__ = ["Material", "OrientationChoice", "Printer", "SliceResult", "bed_fit", "bed_placement",
           "find_slicer", "get_material", "get_printer", "measure_wall", "orientation_check",
           "slice_stl", "solid_checks"]
