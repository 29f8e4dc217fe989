"""What the GUI says about the model's work: the status text of each stage (and of the
slicer as it runs), and what the user can do about an error beyond its one-line message."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QTimer

from prosthetics.errors import (
    GeometryError,
    OutputError,
    ParameterError,
    ProstheticsError,
    ScanError,
    ScanNotFoundError,
)

from .casefile import CaseError
from .language import current_language, translate

__all__ = ["STAGE_TEXT", "INSOLE_STAGE_TEXT", "error_hint", "error_text", "writer_progress", "humanize",
           "SLICE_TEXT", "SliceClock", "stage_text"]

#: Status-bar text of each stage a job reports (``job.progress``), by stage name (in
#: English; :func:`stage_text` translates).
STAGE_TEXT = {"load": QT_TRANSLATE_NOOP("Messages", "Reading the scan"),
              "clean": QT_TRANSLATE_NOOP("Messages", "Cleaning the scan"),
              "align": QT_TRANSLATE_NOOP("Messages", "Aligning the limb"),
              "measure": QT_TRANSLATE_NOOP("Messages", "Measuring the limb"),
              "template": QT_TRANSLATE_NOOP("Messages", "Building the socket"),
              "preview": QT_TRANSLATE_NOOP("Messages", "Preview of the socket"),
              "check": QT_TRANSLATE_NOOP("Messages", "Checking the socket"),
              "export": QT_TRANSLATE_NOOP("Messages", "Writing the print files"),
              "slice": QT_TRANSLATE_NOOP("Messages",
                                         "Slicing with PrusaSlicer (the files are written)"),
              "report": QT_TRANSLATE_NOOP("Messages", "Writing the report"),
              "views": QT_TRANSLATE_NOOP("Messages", "Preparing the views"),
              "done": QT_TRANSLATE_NOOP("Messages", "Done")}


#: The insole's stages (``run_insole`` and its writer), in the same words.
INSOLE_STAGE_TEXT = {**STAGE_TEXT, "load": QT_TRANSLATE_NOOP("Messages", "Reading the foot scan"),
                     "foot": QT_TRANSLATE_NOOP("Messages", "Finding the foot and its sole"),
                     "template": QT_TRANSLATE_NOOP("Messages", "Building the insole"),
                     "check": QT_TRANSLATE_NOOP("Messages", "Checking the insole"),
                     "design": QT_TRANSLATE_NOOP("Messages", "Designing the insole")}


def stage_text(stage: str, table: dict | None = None) -> str:
    """The status text of ``stage`` (from ``table``, default :data:`STAGE_TEXT`) in the
    language installed; an unknown stage as given."""
    text = (STAGE_TEXT if table is None else table).get(stage)
    return translate("Messages", text) if text else stage

#: The start of the status text while PrusaSlicer runs (the window adds the time taken).
SLICE_TEXT = STAGE_TEXT["slice"]


class SliceClock(QObject):
    """While PrusaSlicer runs, the status line says how long it has taken so far (updated
    every second, whether or not PrusaSlicer reports progress), not a fixed guess."""

    def __init__(self, show: Callable[[str], None], parent: QObject | None = None):
        super().__init__(parent)
        self._show = show
        self._start: float | None = None
        self._detail = ""
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def running(self) -> bool:
        return self._start is not None

    def follow(self, text: str, busy: bool) -> None:
        """Take a progress text: a slicing one starts (or updates) the clock, any other
        stops it."""
        head = next((h for h in (stage_text("slice"), SLICE_TEXT) if text.startswith(h)), None)
        if not busy or head is None:
            self.stop()
            return
        if self._start is None:
            self._start = time.monotonic()
            self._timer.start()
        rest = text[len(head):].lstrip(": ")
        # PrusaSlicer's own line starts with its clock ("23 s, 20 %: ..."): ours is shown.
        self._detail = re.sub(r"^\d+ s,?\s*", "", rest)
        self._tick()

    def stop(self) -> None:
        self._timer.stop()
        self._start = None
        self._detail = ""

    def _tick(self) -> None:
        if self._start is None:
            return
        took = time.monotonic() - self._start
        self._show(translate("Messages", "{}: {} s so far").format(stage_text("slice"),
                                                                     f"{took:.0f}")
                   + (f" ({self._detail})" if self._detail else "") + "…")


def humanize(text: str, rows: list[dict]) -> str:
    """``text`` with the parameters' code names ("set anterior_rotation_deg") replaced by the
    labels a person sees in the forms ("set “Anterior rotation”"); ``rows`` as from
    ``describe_parameters``.  "name=value" keeps its value: "“Limb side” = left"."""
    from .forms import label_of

    names = sorted((r["name"] for r in rows), key=len, reverse=True)
    if not names:
        return text
    labels = {r["name"]: label_of(r) for r in rows}
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b(\s*=\s*)?")

    def sub(m: re.Match) -> str:
        return f"“{labels[m.group(1)]}”" + (" = " if m.group(2) else "")

    return pattern.sub(sub, text)


def writer_progress(job) -> tuple[Callable[[str, float], None], Callable[[Any], None]]:
    """``progress`` and ``slice_progress`` for a writer (``write_design``, ``write_insole``,
    ``add_design``) reporting through ``job.progress``: while PrusaSlicer runs, the status
    line says what it is doing ("Slicing with PrusaSlicer (the files are written): 23 s,
    20 %: Generating perimeters") and the bar follows it."""
    latest: dict[str, str] = {}

    def slice_progress(p: Any) -> None:
        latest["slice"] = f"{stage_text('slice')}: {p.describe()}"

    def progress(stage: str, fraction: float) -> None:
        job.progress(latest.get(stage, stage), fraction)

    return progress, slice_progress


def error_text(exc: BaseException) -> str:
    """An error's one-line message in the window's language: a message of the reports'
    catalogue in Urdu when the window is (file names, numbers and setting names kept left
    to right); else, or when the catalogue lacks it, the English line ``str(exc)``."""
    from prosthetics.reports.errors_i18n import error_line

    return error_line(exc, current_language())


def warning_text(warning: str) -> str:
    """A warning of the core in the window's language: its catalogue message (a
    :class:`~prosthetics.errors.Message`) or a known warning's words, in Urdu when the window
    is; else the English line as the core wrote it."""
    lang = current_language()
    if lang == "en":
        return str(warning)
    from prosthetics.reports.context import Fmt
    from prosthetics.reports.warnings_i18n import translate_warning

    return translate_warning(warning, Fmt(lang))


def core_text(words: str) -> str:
    """What the core wrote in words (a cleaning step's detail) in the window's language when
    it carries its catalogue message; else as written."""
    lang = current_language()
    if lang == "en" or not words:
        return str(words or "")
    from prosthetics.reports.context import Fmt, core_words

    return core_words(words, Fmt(lang))[0]


def catalogue_text(text: str) -> str:
    """Words the core names in English and the reports translate (a cleaning step's name, a
    parameter's label and help) in the window's language, from the reports' catalogue; as
    they are when it lacks them."""
    lang = current_language()
    if lang == "en" or not text:
        return text
    from prosthetics.reports.i18n import gettext_for

    return gettext_for(lang)(text)


def error_hint(exc: BaseException) -> str:
    """What the user can do about an error, beyond the message itself."""
    if isinstance(exc, CaseError):
        return translate("Messages", "Open the scan itself with File > Open scan.")
    if isinstance(exc, ParameterError):
        return translate("Messages", "Change the value, or use Edit > Undo (Ctrl+Z) to go back "
                                     "to the previous one.")
    if isinstance(exc, (ScanError, ScanNotFoundError)):
        return translate("Messages", "Open another scan (File > Open scan), or set its units "
                                     "on the Scan page.")
    if isinstance(exc, GeometryError):
        return translate("Messages", "Change the parameter named in the message, or check the "
                                     "scan on the Clean and Align pages.")
    if isinstance(exc, OutputError):
        return translate("Messages", "Choose another output folder on the Export page.")
    if isinstance(exc, ProstheticsError):
        return ""
    return translate("Messages", "This is a bug in the program. The details were printed on "
                                 "the terminal; please report them. Your last change can be "
                                 "undone with Ctrl+Z.")
