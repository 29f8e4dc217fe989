"""What the GUI says about the model's work: the status text of each stage (and of the
slicer as it runs), and what the user can do about an error beyond its one-line message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prosthetics.errors import (
    GeometryError,
    OutputError,
    ParameterError,
    ProstheticsError,
    ScanError,
    ScanNotFoundError,
)

from .casefile import CaseError

__all__ = ["STAGE_TEXT", "error_hint", "writer_progress"]

#: Status-bar text of each stage a job reports (``job.progress``), by stage name.
STAGE_TEXT = {"load": "Reading the scan", "clean": "Cleaning the scan",
              "align": "Aligning the limb", "measure": "Measuring the limb",
              "template": "Building the socket", "preview": "Preview of the socket",
              "check": "Checking the socket", "export": "Writing the print files",
              "slice": "Slicing with PrusaSlicer (the files are written)",
              "report": "Writing the report",
              "views": "Preparing the views", "done": "Done"}


def writer_progress(job) -> tuple[Callable[[str, float], None], Callable[[Any], None]]:
    """``progress`` and ``slice_progress`` for a writer (``write_design``, ``write_insole``,
    ``add_design``) reporting through ``job.progress``: while PrusaSlicer runs, the status
    line says what it is doing ("Slicing with PrusaSlicer (the files are written): 23 s,
    20 %: Generating perimeters") and the bar follows it."""
    latest: dict[str, str] = {}

    def slice_progress(p: Any) -> None:
        latest["slice"] = f"{STAGE_TEXT['slice']}: {p.describe()}"

    def progress(stage: str, fraction: float) -> None:
        job.progress(latest.get(stage, stage), fraction)

    return progress, slice_progress


def error_hint(exc: BaseException) -> str:
    """What the user can do about an error, beyond the message itself."""
    if isinstance(exc, CaseError):
        return "Open the scan itself with File > Open scan."
    if isinstance(exc, ParameterError):
        return "Change the value, or use Edit > Undo (Ctrl+Z) to go back to the previous one."
    if isinstance(exc, (ScanError, ScanNotFoundError)):
        return "Open another scan (File > Open scan), or set its units on the Scan page."
    if isinstance(exc, GeometryError):
        return ("Change the parameter named in the message, or check the scan on the Clean "
                "and Align pages.")
    if isinstance(exc, OutputError):
        return "Choose another output folder on the Export page."
    if isinstance(exc, ProstheticsError):
        return ""
    return ("This is a bug in the program. The details were printed on the terminal; "
            "please report them. Your last change can be undone with Ctrl+Z.")
