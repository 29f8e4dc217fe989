"""The limb: its frame (long axis, distal end, anterior), landmarks, measurements and the
comparison of two scans of it."""

from prosthetics.limb.align import AlignParams, AlignResult, align_limb
from prosthetics.limb.compare import CompareParams, Comparison, compare_limbs, compare_scans
from prosthetics.limb.landmarks import Landmarks, Side, guess_landmarks, read_landmarks
from prosthetics.limb.measure import Measurements, MeasureParams, measure_limb, sections

__all__ = ["AlignParams", "AlignResult", "CompareParams", "Comparison", "Landmarks",
           "MeasureParams", "Measurements", "Side", "align_limb", "compare_limbs",
           "compare_scans", "guess_landmarks", "measure_limb", "read_landmarks", "sections"]
