"""What the GUI says about the model's work: the status text of each stage, and what the
user can do about an error beyond its one-line message."""

from __future__ import annotations

from prosthetics.errors import (
    GeometryError,
    OutputError,
    ParameterError,
    ProstheticsError,
    ScanError,
    ScanNotFoundError,
)

from .casefile import CaseError

__all__ = ["STAGE_TEXT", "error_hint"]

#: Status-bar text of each stage a job reports (``job.progress``), by stage name.
STAGE_TEXT = {"load": "Reading the scan", "clean": "Cleaning the scan",
              "align": "Aligning the limb", "measure": "Measuring the limb",
              "template": "Building the socket", "preview": "Preview of the socket",
              "check": "Checking the socket", "export": "Writing the print files",
              "slice": "Slicing with PrusaSlicer (20-30 s)", "report": "Writing the report",
              "views": "Preparing the views", "done": "Done"}


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
