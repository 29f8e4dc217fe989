"""The one writer of a design's files, for sockets and insoles alike.

A run's outputs are written in one piece (:class:`prosthetics.fileio.Staging`): the print
part as binary STL, read back and checked; the product's other files (3MF, STEP, AAOP);
the pictures, ``report.html`` and ``report.json``.  Only when all of them succeeded are
they moved into the output folder, so a failure leaves no partial output and the previous
files untouched.

Slicing comes after that, because PrusaSlicer takes 20-130 s on a socket: when slicing is
on, the files are published first with reports that say slicing has not finished, and
PrusaSlicer then slices a private copy of the STL.  When it ends, however it ends (its
figures, a failure, a cancel, Ctrl+C), the result goes into ``checks.slicer`` and both
reports are rewritten, each atomically: a reader sees the reports without the slicer's
figures or with them, never half of one.  The call returns only then, so what it returns
(and any hash taken of the files afterwards, as a case revision does) includes the slice.

``checks.slicer.status`` says where slicing stands: "off" (slice=false), "running" (in the
reports published before slicing; a report still saying so was left by a run stopped
while slicing), "done", "failed", "cancelled", "interrupted" (Ctrl+C), "not run"
(PrusaSlicer missing, the part too big for the printer).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import inspect
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from prosthetics.errors import N_, Message, ParameterError, ProstheticsError, Terminated
from prosthetics.fileio import (
    Staging,
    atomic_write_text,
    atomic_write_with,
    sha256_file,
)
from prosthetics.params import param_infos
from prosthetics.printing.bed import bed_placement
from prosthetics.printing.slicer import check_slice_settings, slice_stl
from prosthetics.reports.helper import ReportHelper, beside
from prosthetics.reports.templating import preload_pdf, write_pdf

__all__ = ["Progress", "OutputPlan", "SliceInterrupted", "stl_row", "bed_transforms",
           "prusaslicer", "slicer_record", "record_block", "parameter_labels", "write_outputs"]

#: ``progress(stage, fraction)``: the stage's name and the fraction of the whole run done.
Progress = Callable[[str, float], None] | None

#: Fraction of the run at which slicing starts, and the share it takes; the stage "slice"
#: is reported again as PrusaSlicer goes on.
SLICE_START = 0.90
SLICE_SHARE = 0.09


def _step(progress: Progress, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


@dataclass(kw_only=True)
class OutputPlan:
    """What one product writes, as callbacks over the staging folder.

    Attributes
    ----------
    stem
        File name stem of the print files ("socket", "insole_left").
    part
        The part as the print files hold it (print orientation, mm).
    keep_stl
        Whether the STL is one of the outputs (it is always written: the checks and the
        slicer read it).
    files
        ``files(folder, stl_path) -> [output row, ...]``: the product's other files.
    slice
        ``slice(stl_path, progress=..., cancel=...) -> SliceResult`` (the keywords as
        :func:`prosthetics.printing.slicer.slice_stl` takes them), or None when slicing is
        off.
    pictures
        ``pictures(helper) -> result``, where ``result() -> {name: PNG bytes}`` gives the
        human report's pictures: it is called before the print files are written, so
        that ``helper`` (a :class:`~prosthetics.reports.helper.ReportHelper`, or None) can
        draw the slow ones meanwhile (:func:`~prosthetics.reports.helper.beside`).
    write_html
        ``write_html(report, pictures, path)``: the human report.
    pdf
        Whether ``report.pdf`` is made from ``report.html`` (WeasyPrint, in the report
        helper's process, else in a thread of its own, while the rest is written).  A PDF that cannot be made never fails the
        run: it is left out and a warning says why.
    """

    stem: str
    part: trimesh.Trimesh
    keep_stl: bool = True
    files: Callable[[Path, Path], list[dict]]
    slice: Callable[..., Any] | None
    pictures: Callable[[ReportHelper | None], Callable[[], dict[str, bytes]]]
    write_html: Callable[[dict, dict, Path], None]
    pdf: bool = True


class SliceInterrupted(KeyboardInterrupt):
    """Ctrl+C while PrusaSlicer ran, after the outputs were published.

    The output folder ``out`` holds complete print files, and reports that say the slice
    did not finish.
    """

    def __init__(self, out: Path, *, terminated: bool = False) -> None:
        super().__init__(f"interrupted while slicing; the files in {out} are complete")
        self.out = out
        #: Stopped by SIGTERM rather than Ctrl+C.
        self.terminated = terminated


def stl_row(path: Path, mesh: trimesh.Trimesh, fmt: str = "stl", frame: str = "print",
            **extra) -> dict:
    """The ``outputs`` row of a mesh file: name, format, frame, triangles, volume, bytes."""
    return {"path": path.name, "format": fmt, "frame": frame,
            "triangles": int(len(mesh.faces)),
            "volume_ml": round(float(mesh.volume) / 1000.0, 3),
            "bytes": path.stat().st_size, **extra}


def bed_transforms(report: dict, part: trimesh.Trimesh, printer,
                   orientation=None) -> tuple[np.ndarray, np.ndarray]:
    """Where the print files put the part on the printer's bed.

    Returns
    -------
    part_to_bed : (4, 4) float
        From the part as it prints to the bed: turned about z as the printer fit in
        ``report["checks"]["printer"]`` asks, in the middle of the bed (mm).
    design_to_bed : (4, 4) float
        From the design frame to the bed, through the print orientation, for the report.
    """
    part_to_bed = bed_placement(part, printer,
                                report["checks"]["printer"].get("rotation_deg") or 0.0)
    if orientation is None:
        return part_to_bed, part_to_bed
    return part_to_bed, part_to_bed @ orientation.transform


def prusaslicer(printer, material, **settings) -> Callable[..., Any]:
    """The ``slice`` of an :class:`OutputPlan`: PrusaSlicer with these settings.

    ``settings`` are :func:`~prosthetics.printing.slicer.slice_stl`'s keywords; they are
    checked here, before any file is written (the slicer runs after the files are out).

    Raises
    ------
    ParameterError
        A profile is unknown or a setting out of range.
    """
    check_slice_settings(printer, material, **settings)

    def slice_(stl: Path, **watch):
        return slice_stl(stl, printer, material, **settings, **watch)

    return slice_


def design_name(report: dict) -> str:
    """What names a design on its print files and label: its case ID, else the scan's
    anonymous ID (never the scan's file name, which is often the patient's)."""
    case = report.get("case")
    if isinstance(case, str) and case:
        return case
    return str((report.get("input") or {}).get("scan_id") or "S-UNKNOWN")


def slicer_record(result, warnings: list[str]) -> dict:
    """The slicer's result for ``checks.slicer``; a failure or a skip is also a warning.

    ``status`` sums it up: "off" (slice=false), "done", "failed", "cancelled", or
    "not run" (PrusaSlicer missing, the part too big for the printer).
    """
    if result is None:
        return {"ran": False, "ok": None, "status": "off",
                "message": Message.of(N_("slicing turned off (%(setting)s)"),
                                      setting="slice=false")}
    status = "done" if result.ok else "not run" if not result.ran else \
        "cancelled" if result.stopped == "cancelled" else "failed"
    if status == "cancelled":
        warnings.append(Message.of(_FILES_COMPLETE, message=result.message))
    elif result.ran and not result.ok:
        warnings.append(Message.of(N_("PrusaSlicer could not slice the STL: %(message)s"),
                                   message=result.message))
    elif not result.ran:
        warnings.append(Message.of(N_("not sliced: %(message)s"), message=result.message))
    return {**result.as_dict(), "status": status}


#: The warning when the slice did not finish, saying the files are complete (``message``:
#: the slicer's or the interrupt's own line).
_FILES_COMPLETE = N_("not sliced: %(message)s; the print files are complete: slice them in "
                     "PrusaSlicer, or run again with slicing on")


def _running_record(started_utc: str) -> tuple[dict, str]:
    """``checks.slicer`` and the warning of the reports published before slicing."""
    message = (f"still slicing (PrusaSlicer started {started_utc}); this report is rewritten "
               "with the slicer's figures when it ends")
    warning = Message.of(N_("slicing with PrusaSlicer had not finished when this report was "
                            "written (started %(started)s): the report is rewritten with the "
                            "slicer's figures when it ends; if it still says this, slicing was "
                            "stopped before it ended"), started=started_utc)
    return ({"ran": True, "ok": None, "status": "running", "slicer": "PrusaSlicer",
             "started_utc": started_utc, "message": message}, warning)


def _stopped_record(status: str, message: str, seconds: float,
                    warnings: list[str]) -> dict:
    """``checks.slicer`` when slicing ended by an interrupt or an error."""
    warnings.append(Message.of(_FILES_COMPLETE, message=message))
    return {"ran": True, "ok": False, "status": status, "message": message,
            "seconds": round(seconds, 3)}


#: What ``record.scan_date_source`` says when the scan date is the file's.
SCAN_DATE_FROM_FILE = "the scan file's modification date (UTC)"


def record_block(record: dict | None, scan_path: str | os.PathLike | None = None) -> dict:
    """``report["record"]``: clinic, clinician and scan date (and the report's language).

    ``record`` may give ``clinic``, ``clinician`` (text or None), ``scan_date``
    ("YYYY-MM-DD" or None) and ``language``; without a scan date, the scan file's
    modification date (UTC) is taken, and ``scan_date_source`` says so.

    Raises
    ------
    ParameterError
        A key that is not one of these, or a value of the wrong kind (one line).
    """
    given = dict(record or {})
    known = ("clinic", "clinician", "scan_date", "language")
    for key, value in given.items():
        if key not in known:
            raise ParameterError.of(N_("record: unknown key %(key)s; use %(known)s"), key=repr(key),
                                    known=", ".join(known))
        if value is not None and not isinstance(value, str):
            raise ParameterError.of(N_("record: %(key)s must be text or empty, not %(value)s"),
                                    key=key, value=repr(value))
    date = given.get("scan_date") or None
    if date is not None:
        try:
            _dt.date.fromisoformat(date)
        except ValueError:
            raise ParameterError.of(N_("record: scan_date %(date)s is not a date; write it as "
                                       "YYYY-MM-DD"), date=repr(date)) from None
    out = {"clinic": given.get("clinic") or None, "clinician": given.get("clinician") or None,
           "scan_date": date}
    if date is None and scan_path is not None:
        with contextlib.suppress(OSError):
            mtime = os.stat(scan_path).st_mtime
            out["scan_date"] = _dt.datetime.fromtimestamp(mtime, _dt.timezone.utc).strftime(
                "%Y-%m-%d")
            out["scan_date_source"] = SCAN_DATE_FROM_FILE
    if given.get("language"):
        out["language"] = given["language"]
    return out


def parameter_labels(groups: dict) -> dict[str, str]:
    """The clinical label of every parameter of ``groups`` (the template's first), for the
    reports: ``report["template"]["labels"]``."""
    order = ["template", *[g for g in groups if g != "template"]]
    labels: dict[str, str] = {}
    for g in order:
        if g in groups:
            for name, (_f, info) in param_infos(groups[g]).items():
                labels.setdefault(name, info.label)
    return labels


class _PdfJob:
    """``report.pdf`` made from ``report.html`` in the report helper's process (see
    :mod:`prosthetics.reports.helper`), else in a thread; :meth:`join` gives the reason it
    failed, or None."""

    def __init__(self, html: Path, pdf: Path, helper: ReportHelper | None = None) -> None:
        self.error: str | None = None
        self._result = beside(helper, write_pdf, html, pdf)
        self._thread = threading.Thread(target=self._run, name="report-pdf", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result()
        except BaseException as exc:  # noqa: BLE001 - the PDF never fails the run
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    def join(self) -> str | None:
        self._thread.join()
        return self.error


def _write_reports(report: dict, pictures: dict, plan: OutputPlan, folder: Path, *,
                   pdf: bool | None = None,
                   helper: ReportHelper | None = None) -> tuple[str, _PdfJob | None]:
    """Write ``report.html`` then ``report.json`` into ``folder``, each atomically, and
    start ``report.pdf`` from the HTML (in ``helper``, else a thread); returns the JSON
    text and the PDF's job (None without a PDF).  (The HTML first: it adds the total to
    the timings.)"""
    atomic_write_with(folder / "report.html",
                      lambda tmp: plan.write_html(report, pictures, tmp), what="report")
    job = _PdfJob(folder / "report.html", folder / "report.pdf", helper) \
        if (plan.pdf if pdf is None else pdf) else None
    text = json.dumps(report, indent=2)
    atomic_write_text(folder / "report.json", text, what="report")
    return text, job


def _finish_pdf(job: _PdfJob | None, reports: list[dict], pictures: dict, plan: OutputPlan,
                folder: Path) -> str | None:
    """Wait for the PDF; when it failed, say why in each of ``reports`` and write the first
    again (HTML and JSON) without it.  Returns the JSON text when it was written again."""
    if job is None or (why := job.join()) is None:
        return None
    with contextlib.suppress(OSError):
        (folder / "report.pdf").unlink()
    note = f"report.pdf not written: {why}"
    for r in reports:
        r["warnings"].append(note)
    text, _ = _write_reports(reports[0], pictures, plan, folder, pdf=False)
    return text


def write_outputs(report: dict, out_dir: str | os.PathLike, plan: OutputPlan, *,
                  progress: Progress = None,
                  slice_progress: Callable[[Any], None] | None = None,
                  cancel: Callable[[], bool] | None = None,
                  helper: ReportHelper | None = None) -> dict:
    """Write ``plan``'s files and the reports into ``out_dir`` atomically, then slice.

    Parameters
    ----------
    report : dict
        The run's report; ``outputs``, ``checks.stl_file``, ``checks.slicer`` and the
        timings are filled in here.
    out_dir : path-like
        The output folder.
    plan : OutputPlan
        What the product writes.
    progress : callable, optional
        ``progress(stage, fraction)``: "export", "report", then "slice" (again about once
        a second while PrusaSlicer runs, the fraction following its progress), "done".
    slice_progress : callable, optional
        ``slice_progress(SliceProgress)`` while PrusaSlicer runs: seconds so far, its own
        percentage and step (:class:`prosthetics.printing.slicer.SliceProgress`).
    cancel : callable, optional
        ``cancel() -> bool``, polled while PrusaSlicer runs; true stops it and the reports
        say slicing was cancelled.
    helper : ReportHelper, optional
        A second process for the pictures and the PDF
        (:class:`prosthetics.reports.helper.ReportHelper`); without it, they are made in
        this process.

    Returns
    -------
    dict
        ``report``, with the outputs' paths in ``out_dir``.

    Raises
    ------
    SliceInterrupted
        Ctrl+C while slicing: the files are published, the reports say the slice did not
        finish.  (Ctrl+C before that leaves no output, as any other failure.)
    """
    timings = report["timings_s"]
    if plan.pdf and (helper is None or not helper.available):
        # WeasyPrint's import beside the print files (a helper that could not start
        # imports nothing for this process)
        threading.Thread(target=preload_pdf, name="load-weasyprint", daemon=True).start()
    work = Path(tempfile.mkdtemp(prefix="prosthetics-to-slice-")) if plan.slice else None
    try:
        with Staging(out_dir) as st:
            t = time.perf_counter()
            _step(progress, "export", 0.82)
            # the helper draws the slow pictures while the print files are written
            pictures_made = plan.pictures(helper)
            started_pictures = time.perf_counter() - t
            stl = st.tmp / f"{plan.stem}.stl"
            plan.part.export(stl, file_type="stl")
            # Check the file that ships, not only the mesh in memory: STL readers weld
            # vertices by position, which is where float32 rounding can open a seam.
            back = trimesh.load(stl, file_type="stl")
            report["checks"]["stl_file"] = {"watertight": bool(back.is_watertight),
                                            "volume_ml": round(float(back.volume) / 1000.0, 3)}
            if not back.is_watertight:
                report["warnings"].append("the written STL is not watertight when read back; "
                                          "a slicer will have to repair it")
            outputs = [stl_row(stl, plan.part)] if plan.keep_stl else []
            outputs += plan.files(st.tmp, stl)
            report["outputs"] = outputs
            timings["export"] = round(time.perf_counter() - t - started_pictures, 3)

            t = time.perf_counter()
            _step(progress, "report", 0.86)
            pictures = pictures_made()
            timings["report"] = round(time.perf_counter() - t + started_pictures, 3)
            if work is None:
                report["checks"]["slicer"] = slicer_record(None, report["warnings"])
                _, job = _write_reports(report, pictures, plan, st.tmp, helper=helper)
                _finish_pdf(job, [report], pictures, plan, st.tmp)
            else:
                # The slicer reads its own copy: the published STL is the user's to move
                # or open, and the STL may not be one of the outputs at all.
                to_slice = work / stl.name
                shutil.copyfile(stl, to_slice)
                started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
                running, note = _running_record(started)
                pending = {**report, "checks": {**report["checks"], "slicer": running},
                           "warnings": [*report["warnings"], note]}
                text, job = _write_reports(pending, pictures, plan, st.tmp, helper=helper)
                text = _finish_pdf(job, [pending], pictures, plan, st.tmp) or text
                published = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if not plan.keep_stl:
                stl.unlink()
            st.publish()
        out = st.out
        if work is not None:
            _slice_published(report, plan, pictures, out, to_slice, published,
                             progress, slice_progress, cancel, helper)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    for o in report["outputs"]:
        o["path"] = str(out / o["path"])
    _step(progress, "done", 1.0)
    return report


def _slice_published(report: dict, plan: OutputPlan, pictures: dict, out: Path,
                     to_slice: Path, published: str, progress: Progress,
                     slice_progress: Callable[[Any], None] | None,
                     cancel: Callable[[], bool] | None,
                     helper: ReportHelper | None = None) -> None:
    """Slice ``to_slice`` and put the result into ``report`` and both published reports.

    ``published`` is the sha256 of the report.json published before slicing: a report
    that has changed since (another run wrote the same folder) is left as it is.
    """
    t = time.perf_counter()
    _step(progress, "slice", SLICE_START)

    def tick(p) -> None:
        if slice_progress is not None:
            slice_progress(p)
        _step(progress, "slice", SLICE_START + SLICE_SHARE * (p.percent or 0) / 100.0)

    def finish(record: dict) -> None:
        report["timings_s"]["slice"] = round(time.perf_counter() - t, 3)
        report["checks"]["slicer"] = record
        try:
            ours = sha256_file(out / "report.json") == published
        except OSError:
            ours = False
        if ours:
            _, job = _write_reports(report, pictures, plan, out, helper=helper)
            _finish_pdf(job, [report], pictures, plan, out)
        else:
            report["warnings"].append(
                f"the reports in {out} were replaced while slicing (another run wrote the "
                f"folder); the slicer's figures are only in this run's report")

    warnings = report["warnings"]
    try:
        result = plan.slice(to_slice, progress=tick, cancel=cancel)
    except KeyboardInterrupt as exc:
        seconds = time.perf_counter() - t
        terminated = isinstance(exc, Terminated)
        how = "the process was asked to stop (SIGTERM)" if terminated else "Ctrl+C"
        # Best effort: a second Ctrl+C or a full disk leaves the reports saying slicing
        # had not finished, which is true.
        with contextlib.suppress(Exception, KeyboardInterrupt):
            finish(_stopped_record("interrupted", f"slicing was interrupted ({how}) after "
                                                  f"{seconds:.0f} s", seconds, warnings))
        raise SliceInterrupted(out, terminated=terminated) from None
    except (ProstheticsError, OSError) as exc:
        finish(_stopped_record("failed", f"slicing stopped: {exc}", time.perf_counter() - t,
                               warnings))
        return
    except Exception as exc:
        finish(_stopped_record("failed", f"slicing stopped by an unexpected error "
                                         f"({type(exc).__name__}: {exc})",
                               time.perf_counter() - t, warnings))
        raise
    finish(slicer_record(result, warnings))


def options_taken_by(write, options: dict) -> dict:
    """The ``options`` (name -> value) that the writer ``write`` takes as keyword arguments
    (by its signature), leaving out those that are None."""
    try:
        params = inspect.signature(write).parameters
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in options.items() if k in params and v is not None}
