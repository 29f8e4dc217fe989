"""What the model's jobs do in the worker thread: apply the edits to the session, run what
is stale, and send each stage's result (with the data its 3D view needs) back as it lands.

Each ``*_job`` function returns the callable a :class:`~.worker.Job` runs; it touches only
the session it was given (one job at a time uses a session) and talks to the GUI thread
only through the job's signals (``job.progress``, ``job.partial``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prosthetics.config import Config, load_config
from prosthetics.design.output import options_taken_by
from prosthetics.design.session import STAGES, Cancelled, DesignSession
from prosthetics.design.socket_writer import write_design
from prosthetics.errors import ConfigError
from prosthetics.sockets.zones import ZONES

from . import viewdata
from .language import current_language
from .messages import writer_progress
from .worker import Job, start_reconstruction_helper

__all__ = ["QUICK_PARAMS", "SETTLE_S", "Prestart", "sync_job", "export_job", "revision_job",
           "report_options"]

log = logging.getLogger(__name__)

#: Template parameters that the fast preview shows (the rest rebuild the full socket).
QUICK_PARAMS = frozenset({
    "trim_height_mm", "trim_below_scan_top_mm", "reduction_percent", "wall_thickness_mm",
    "liner_offset_mm", "distal_wall_thickness_mm", "posterior_trim_drop_mm",
    "posterior_cut_width_deg", "wing_above_condyles_mm", "posterior_below_crease_mm",
    "zone_falloff_mm",
    *(f"{zone}_{what}" for zone in ZONES for what in ("depth_mm", "size_mm")),
    # The socket's alignment over its distal interface moves cached parts, rebuilds none.
    "socket_flexion_deg", "socket_adduction_deg", "socket_anterior_offset_mm",
    "socket_medial_offset_mm"})

#: Pause after a preview before the full socket and its checks are built, so that a run of
#: quick edits (a spin box held down) shows previews only.
SETTLE_S = 0.25


class Prestart:
    """The first stages of a scan's design (reading and cleaning), started in a thread of
    its own while the window is still importing its 3D view and building its pages.

    The model adopts :attr:`session` for the scan it opens first and its first job
    :meth:`wait` s for this thread: the session is used by one thread at a time.  An error
    is not kept here: the model's own run meets it again and shows it.
    """

    UNTIL = "clean"

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()
        self.session = DesignSession(self.path)
        start_reconstruction_helper()       # before its cleaning reaches the reconstruction
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prestart", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.session.update(cancel=self._stop.is_set, until=self.UNTIL)
        except Exception as exc:  # noqa: BLE001 - met again (and shown) by the model's job
            log.debug("prestart stopped: %s", exc)

    def wait(self) -> None:
        self._thread.join()

    def stop(self) -> None:
        """Stop after the current stage (the scan opened was another one)."""
        self._stop.set()


def _reporter(session: DesignSession, job: Job, shown: dict[str, int]) -> Callable[[], None]:
    """A function that sends the stage results (and their views) the GUI lacks.

    ``shown`` maps each stage to the ``id`` of the result the GUI shows already.
    """
    sent: dict[str, Any] = dict(shown)

    def flush(final: bool = False) -> None:
        """Send what is new; the raw points in the design frame (0.3-0.5 s to mark the
        removed ones) wait for ``final``, so that they do not hold up the socket.  They are
        sent whenever the GUI's raw points are not those of this scan and alignment, also
        when the job that aligned the scan was cancelled before it sent them."""
        for st in STAGES:
            r = session.results.get(st)
            if r is None or sent.get(st) == id(r):
                continue
            sent[st] = id(r)
            payload = {"stage": st, "result": r}
            if st == "load":
                payload["raw"] = raw = viewdata.raw_view(session)
                sent["raw"] = None if raw is None else raw.key
            elif st == "template":
                payload["socket_view"] = viewdata.socket_view(session, r, preview=False)
                payload["volume_ml"] = float(r.mesh.volume) / 1000.0
            job.partial(payload)
        load, align = session.results.get("load"), session.results.get("align")
        if final and load is not None and align is not None \
                and sent.get("raw") != (id(load), id(align)):
            raw = viewdata.raw_view(session)
            sent["raw"] = raw.key
            job.partial({"stage": "raw", "result": align, "raw": raw})
    return flush


def _apply_and_run(s: DesignSession, diff: dict, job: Job, shown: dict,
                   before_update: Callable[[], None] | None = None, hand=None) -> None:
    """Apply the edits (parameters ``diff``, and ``hand``: what was set on the model by
    hand), then run the stale stages, sending each stage's result as it lands."""
    if diff:
        s.set(diff)
    if hand is not None and hand != s.rectification:
        s.set_rectification(hand)
    flush = _reporter(s, job, shown)

    def progress(stage: str, fraction: float) -> None:
        flush()
        job.progress(stage, fraction)

    if before_update is not None:
        before_update()
    s.update(progress=progress, cancel=job.cancel, until="check")
    flush(final=True)


def sync_job(s: DesignSession, diff: dict, quick: bool, shown: dict,
             hand=None) -> Callable[[Job], str]:
    """Bring the design up to date with the edits ``diff``; with ``quick`` (only template
    parameters a preview shows changed) a preview of the socket is sent first."""
    def fn(job: Job):
        def preview_first() -> None:
            stale = s.stale()
            if not (quick and stale and stale[0] == "template" and hasattr(s, "preview")):
                return
            job.progress("preview", 0.55)
            sock = s.preview()
            job.partial({"stage": "preview", "result": sock,      # drawn at once
                         "volume_ml": float(sock.mesh.volume) / 1000.0})
            job.partial({"stage": "socket_view", "result": sock,
                         "socket_view": viewdata.socket_view(s, sock, preview=True)})
            until = time.monotonic() + SETTLE_S
            while time.monotonic() < until:
                if job.cancel():
                    raise Cancelled("a newer edit came in")
                time.sleep(0.01)

        _apply_and_run(s, diff, job, shown, before_update=preview_first, hand=hand)
        return "done"
    return fn


def report_options() -> dict:
    """What the reports the window writes take from the configuration (the file the window
    started with: ``PROSTHETICS_CONFIG``, else the user's): the clinic, clinician, report
    templates and PDF, in the window's language.  A configuration that cannot be read now
    (edited since the start) gives the defaults, with a line in the log: the clinic's name
    is never a reason for an export to fail."""
    try:
        config = load_config(None)
    except ConfigError as exc:
        log.warning("the configuration is not used for this report: %s", exc)
        config = Config()
    return config.report_options(lang=current_language())


def export_job(s: DesignSession, diff: dict, out: Path, shown: dict,
               hand=None) -> Callable[[Job], dict]:
    """Bring the design up to date, then write the print files and reports into ``out``
    (the job's result is the report).  Cancel stops the slicer, if it runs: the files
    are written by then, and the report says slicing was cancelled."""
    def fn(job: Job):
        _apply_and_run(s, diff, job, shown, hand=hand)
        progress, slice_progress = writer_progress(job)
        return write_design(s.design(), out, progress=progress, slice_progress=slice_progress,
                            cancel=job.cancel, **options_taken_by(write_design, report_options()))
    return fn


def revision_job(s: DesignSession, diff: dict, rv: dict, shown: dict,
                 hand=None) -> Callable[[Job], dict]:
    """Bring the design up to date, then file it as the next revision of the case folder
    ``rv["folder"]`` with ``rv["author"]`` and ``rv["note"]`` (the result is the record)."""
    def fn(job: Job):
        from prosthetics.cases import add_design, open_case

        _apply_and_run(s, diff, job, shown, hand=hand)
        progress, slice_progress = writer_progress(job)
        return add_design(open_case(rv["folder"]), s.design(), author=rv["author"],
                          note=rv["note"], progress=progress, slice_progress=slice_progress,
                          reports=report_options())
    return fn
