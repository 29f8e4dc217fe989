"""The GUI's state in one object: the design session, the undo stack and what is shown.

Widgets read the model and call its methods; they never touch the session or compute
geometry.  The session is only used by one worker job at a time (it is not thread-safe);
between jobs the GUI thread may call its cheap methods (``set``, ``stale``).

Flow of an edit: a form calls :meth:`DesignModel.edit` -> the value is validated against the
parameter classes (a bad value is reported and nothing changes) -> a :class:`SetParams`
command goes on the undo stack -> its ``redo`` changes the model's target parameters ->
:meth:`_pump` starts a job that calls ``session.set`` with the difference and then runs what
is stale: a fast ``session.preview()`` first when only template parameters changed, then
the full ``update()`` with the checks.  An edit made while a job runs sets the job's cancel
flag; the job stops at the next stage boundary and the next job picks up the new values.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from prosthetics.design.presets import describe_parameters
from prosthetics.design.session import STAGES, Cancelled, DesignSession
from prosthetics.errors import ProstheticsError
from prosthetics.params import apply_settings
from prosthetics.resources import exports_dir, sample_scan
from prosthetics.sockets.rectification import Rectification

from . import viewdata
from .casefile import Case, read_case, write_case
from .edits import (
    ChangeSpec,
    SetHand,
    SetParams,
    diff_settings,
    flat_values,
    settings_of,
    to_setting,
)
from .forms import label_of
from .jobs import QUICK_PARAMS, export_job, revision_job, sync_job
from .language import translate
from .messages import error_hint, error_text, stage_text
from .worker import Job, make_pool, run_until


class DesignModel(QObject):
    """The open design: session, target parameters, undo stack, displayed results, jobs."""

    sessionChanged = Signal()           # new scan, case, preset or units: rebuild the forms
    paramsChanged = Signal(list)        # names whose (target) values changed
    stageReady = Signal(str)            # "load" ... "check", or "preview": new data to show
    designReady = Signal()              # every stage current with the shown parameters
    busyChanged = Signal(bool)
    progress = Signal(str, float)       # text, fraction of the whole run (0..1)
    errorOccurred = Signal(str, str)    # one-line message, what to do
    warningOccurred = Signal(str)
    exportFinished = Signal(dict, str)  # report, output folder
    caseSaved = Signal(dict, str)       # revision record, case folder
    handChanged = Signal()              # landmarks, trim points or strokes set by hand

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.pool = make_pool(self)
        self.session: DesignSession | None = None
        self.groups: dict = {}
        #: Landmarks, trim points and strokes set on the model by hand (the target, like
        #: ``groups``; the session catches up in the next job).
        self.hand = Rectification()
        self.case_path: Path | None = None      # a single-file case (*.case.json)
        self.case_folder: Path | None = None    # a case folder (prosthetics.cases.store)
        self._queued_revision: dict | None = None
        self._expect_sha: str | None = None
        self._job: Job | None = None
        self._queued_export: Path | None = None
        self._halted = False            # after an error or a user cancel, until the next edit
        self._user_cancelled = False
        #: The last run was stopped by Cancel and nothing has run since (the pages and the
        #: view say so instead of "checks follow").
        self.cancelled = False
        self._pending_names: set[str] = set()   # applied to the session, socket not rebuilt
        self._ready_sent = False
        #: A design started before the model existed (:class:`~.jobs.Prestart`), adopted by
        #: :meth:`open_scan` when it opens that scan; then the session's first job waits
        #: for it (``_wait_first``: the session and the wait).
        self.prestart = None
        self._wait_first: tuple | None = None
        self._clear_results()

    # -- displayed results -----------------------------------------------------------
    def _clear_results(self) -> None:
        self.scan = None          # Scan (load)
        self.cleaned = None       # CleanResult
        self.aligned = None       # AlignResult
        self.measurements = None  # Measurements
        self.socket = None        # SocketResult shown (a preview or the full build)
        self.socket_is_preview = False
        self.socket_volume_ml: float | None = None
        self.socket_view: viewdata.SocketView | None = None
        self.raw: viewdata.RawView | None = None
        self.check: dict | None = None
        self.report: dict | None = None
        self.export_dir: Path | None = None

    # -- parameters --------------------------------------------------------------------
    @property
    def template_name(self) -> str:
        return self.session.preset.name if self.session else "transtibial"

    @property
    def units(self) -> str | None:
        u = self.session.units if self.session else None
        return None if u is None else u.value

    def value(self, name: str) -> Any:
        """The current (target) value of a parameter (enums as their value)."""
        for g in self.groups.values():
            d = g.as_dict()
            if name in d:
                return d[name]
        raise KeyError(name)

    def values_in_use(self) -> dict[str, float]:
        """The values the automatic parameters took in the socket shown (its trim line,
        landmarks and label), by parameter name; empty before a socket is built."""
        s = self.socket
        if s is None:
            return {}
        out = {"trim_height_mm": float(s.trim_anterior_z_mm)}
        points = s.landmarks.points if s.landmarks is not None else {}
        mpt = points.get("mid_patellar_tendon")
        if mpt is not None:
            out["mpt_height_mm"] = float(mpt[2])
            out["trim_above_mpt_mm"] = float(s.trim_anterior_z_mm - mpt[2])
        label = s.label or {}
        if label.get("placed"):
            out["label_z_mm"] = float(label["centre_z_mm"])
            out["label_angle_deg"] = float(label["angle_deg"])
        if getattr(s.params, "trim_band_thickness_mm", 0) is None:
            out["trim_band_thickness_mm"] = float(s.params.wall_thickness_mm)
        return out

    def rows(self) -> list[dict]:
        """``describe_parameters`` of the current target parameters (defaults when no scan
        is open)."""
        if self.groups:
            return describe_parameters(self.groups)
        from prosthetics.design.session import parameter_groups, resolve_template

        return describe_parameters(parameter_groups(resolve_template(None)))

    def edit(self, changes: dict[str, Any]) -> bool:
        """Change parameters through the undo stack; a bad value is reported, not applied."""
        if not self.groups:
            return False
        try:
            new_groups = apply_settings(self.groups, {k: to_setting(v) for k, v in changes.items()})
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            self.paramsChanged.emit(list(changes))      # the forms put the old value back
            return False
        old_vals, new_vals = flat_values(self.groups), flat_values(new_groups)
        changed = {k: new_vals[k] for k in changes if new_vals[k] != old_vals[k]}
        if not changed:
            self.paramsChanged.emit(list(changes))
            return True
        rows = self.rows()
        labels = {r["name"]: label_of(r) for r in rows}
        units = {r["name"]: r.get("unit") or "" for r in rows}
        self.undo_stack.push(SetParams(self, changed, {k: old_vals[k] for k in changed},
                                       labels=labels, units=units))
        return True

    # -- what is set on the model by hand ----------------------------------------------
    def set_hand(self, new: Rectification, text: str) -> None:
        """Change the hand rectification (landmarks, trim points, strokes) through the undo
        stack; ``text`` says what in a prosthetist's words ("Move fibular head")."""
        if self.session is None or new == self.hand:
            return
        self.undo_stack.push(SetHand(self, new, self.hand, text))

    def _apply_hand(self, hand: Rectification) -> None:
        self.hand = hand
        self.handChanged.emit()
        self._changed()

    def _apply_values(self, values: dict[str, Any]) -> None:
        self.groups = apply_settings(self.groups, {k: to_setting(v) for k, v in values.items()})
        self._changed()
        self.paramsChanged.emit(list(values))

    def set_units(self, units: str | None) -> None:
        if self.session is None or units == self.units:
            return
        new = (self.session.scan_path, self.template_name, units, self.groups)
        old = (self.session.scan_path, self.template_name, self.units, self.groups)
        words = {None: translate("Model", "automatic (from the size)"),
                 "mm": translate("Model", "millimetres"), "cm": translate("Model", "centimetres"),
                 "m": translate("Model", "metres")}
        self.undo_stack.push(ChangeSpec(self, translate("Model", "Read the scan in {}")
                                        .format(words.get(units, units)), new, old))

    def set_preset(self, name: str) -> None:
        """Switch the template preset: its template values; other settings are kept."""
        from prosthetics.design.session import parameter_groups, resolve_template

        if self.session is None or name == self.template_name:
            return
        try:
            preset = resolve_template(name)
            keep = {k: v for k, v in settings_of(
                {g: self.groups[g] for g in ("clean", "align", "measure", "export")}).items()
                if k not in preset.parameters}
            groups = parameter_groups(preset, keep)
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return
        new = (self.session.scan_path, name, self.units, groups)
        old = (self.session.scan_path, self.template_name, self.units, self.groups)
        self.undo_stack.push(ChangeSpec(self, translate("Model", "Switch the preset to {}")
                                        .format(preset.label), new, old))

    def _apply_spec(self, scan_path, template, units, groups) -> None:
        old = self.session
        try:
            s = DesignSession(scan_path, template=template, settings=settings_of(groups),
                              units=units)
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return
        if old is not None and old.scan_path == s.scan_path and old.units == s.units:
            # Same scan read the same way: the stages before the template stay valid while
            # their parameters are the same (each of these stages reads its own group).
            results = dict(old.results) if self._job is None else {}
            for st in ("load", "clean", "align", "measure"):
                if st not in results or (st != "load" and s.groups[st] != old.groups[st]):
                    break
                s.results[st] = results[st]
                if st in old.timings:
                    s.timings[st] = old.timings[st]
        else:
            self._clear_results()
        self._set_session(s)

    # -- opening and saving ------------------------------------------------------------
    def open_scan(self, path: str | Path | None = None, *, template: str | None = None,
                  settings: dict | None = None, units: str | None = None,
                  sha256: str | None = None, landmarks: dict | None = None,
                  rectification: Rectification | None = None) -> bool:
        """Open a scan (the sample when None) with a fresh design and an empty undo stack."""
        p = Path(path) if path is not None else sample_scan()
        if not p.exists():
            self.errorOccurred.emit(translate("Model", "scan file {} does not exist")
                                    .format(repr(str(p))),
                                    translate("Model", "Choose the file again with File > Open "
                                                       "scan."))
            return False
        pre, self.prestart = self.prestart, None
        try:
            if pre is not None and pre.path == p.resolve() and template is None \
                    and not settings and units is None:
                s = pre.session
                self._wait_first = (s, pre.wait)
            else:
                if pre is not None:
                    pre.stop()
                s = DesignSession(p, template=template, settings=settings, units=units)
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return False
        self.case_path = None
        self.case_folder = None
        self.hand = (rectification or Rectification()).with_landmarks_under(landmarks)
        self.handChanged.emit()
        self._expect_sha = sha256 or None
        self._clear_results()
        self.undo_stack.clear()
        self._set_session(s)
        return True

    def open_case(self, path: str | Path) -> bool:
        """Open a case folder (or its case.json), or a single-file case (``*.case.json``)."""
        from prosthetics.cases import CASE_FILE, is_case_folder

        p = Path(path)
        if is_case_folder(p) or (p.name == CASE_FILE and p.is_file()):
            return self.open_case_folder(p.parent if p.name == CASE_FILE else p)
        try:
            case = read_case(path)
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return False
        if not case.scan_path.exists():
            self.errorOccurred.emit(
                translate("Model", "the case's scan {} does not exist")
                .format(repr(str(case.scan_path))),
                translate("Model", "Put the scan back beside the case file, or open the scan "
                                   "itself."))
            return False
        ok = self.open_scan(case.scan_path, template=case.template, settings=case.settings(),
                            units=case.units, sha256=case.sha256, landmarks=case.landmarks)
        if ok:
            self.case_path = Path(path)
        return ok

    def open_case_folder(self, path: str | Path) -> bool:
        """Open a case folder at its latest revision (scan, template, every parameter), or at
        its latest scan when it has no revision yet.  A case that does not verify opens
        with a warning naming the first problem."""
        from prosthetics.cases import open_case, verify_case

        try:
            case = open_case(path)
            v = verify_case(case.path)
            template, settings, units, hand = None, {}, None, None
            if case.revisions:
                rec = case.revision()
                if rec.get("rectification"):
                    from prosthetics.sockets.rectification import rectification_from_dict

                    hand = rectification_from_dict(rec["rectification"],
                                                   f"case {case.case_id}'s rectification")
                scan = case.scan(rec["scan"]["id"])
                template = (rec.get("template") or {}).get("preset")
                settings = {k: to_setting(val) for g in (rec.get("settings") or {}).values()
                            for k, val in g.items()}
                units = rec.get("units")
            else:
                scan = case.scan()
                legacy = scan.get("legacy_settings") or {}
                template = legacy.get("template")
                settings = {k: to_setting(val) for g in (legacy.get("parameters") or {}).values()
                            for k, val in g.items()}
                if case.data.get("side"):
                    settings.setdefault("limb_side", case.data["side"])
            units = units or scan.get("units")
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return False
        ok = self.open_scan(case.path / scan["file"], template=template, settings=settings,
                            units=units, sha256=scan["sha256"], rectification=hand)
        if ok:
            self.case_folder = case.path
            if not v.ok:
                self.warningOccurred.emit(
                    translate("Model", "Case {} does not verify: {}. Check it before designing "
                                       "on.").format(case.case_id, v.problems[0]))
        return ok

    def add_scan_to_case(self, path: str | Path) -> bool:
        """Add a scan to the open case folder and design on it with the current template and
        parameters (the design is filed when the case is saved)."""
        from prosthetics.cases import add_scan, open_case

        if self.case_folder is None:
            return False
        folder = self.case_folder
        try:
            entry = add_scan(open_case(folder), path, units=self.units, measure=False)
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return False
        ok = self.open_scan(folder / entry["file"], template=self.template_name,
                            settings=settings_of(self.groups), units=self.units,
                            sha256=entry["sha256"])
        # Landmarks and strokes were placed on the other scan's limb: not carried over.
        if ok:
            self.case_folder = folder
        return ok

    def case_info(self):
        """The open case folder (re-read), or None."""
        from prosthetics.cases import open_case

        return open_case(self.case_folder) if self.case_folder is not None else None

    def save_revision(self, *, author: str = "", note: str = "") -> bool:
        """Design what is stale and file the design as the next revision of the open case
        folder (in the worker); :attr:`caseSaved` tells when it is written."""
        if self.session is None or self.case_folder is None:
            return False
        self._queued_revision = {"author": author, "note": note, "folder": self.case_folder}
        self._halted = False
        self._pump()
        return True

    def new_case_folder(self, root: str | Path, *, case_id: str | None = None,
                        side: str | None = None, amputation_level: str | None = None,
                        author: str = "", note: str = "") -> Path | None:
        """Make a case folder in ``root`` holding the open scan, and file the current design
        as its first revision (in the worker).  Returns the case folder."""
        from prosthetics.cases import add_scan, new_case

        if self.session is None:
            return None
        if side is None and "limb_side" in flat_values(self.groups):
            side = to_setting(self.value("limb_side"))
        try:
            case = new_case(root, case_id=case_id, side=side,
                            amputation_level=amputation_level or "transtibial")
            add_scan(case, self.session.scan_path, units=self.units, measure=False)
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return None
        self.case_path = None
        self.case_folder = case.path
        self.save_revision(author=author, note=note or "first design")
        return case.path

    def case(self) -> Case:
        s = self.session
        sha = self.scan.sha256 if self.scan is not None else ""
        if not sha and s is not None:
            from prosthetics.scan.loaders import sha256_file

            try:
                sha = sha256_file(s.scan_path)
            except OSError:
                sha = ""
        from prosthetics.resources import templates_dir

        in_templates = Path(s.preset.path).resolve().parent == templates_dir().resolve()
        template = s.preset.name if in_templates else s.preset.path
        return Case(scan_path=s.scan_path, sha256=sha, template=template, units=self.units,
                    parameters={g: self.groups[g].as_dict() for g in self.groups},
                    landmarks={k: list(v) for k, v in self.hand.landmarks.items()})

    def save_case(self, path: str | Path) -> bool:
        if self.session is None:
            return False
        try:
            self.case_path = write_case(path, self.case())
        except ProstheticsError as exc:
            self.errorOccurred.emit(error_text(exc), error_hint(exc))
            return False
        return True

    def default_export_dir(self) -> Path:
        stem = self.session.scan_path.stem if self.session else "design"
        return exports_dir() / stem

    # -- jobs --------------------------------------------------------------------------
    def _set_session(self, s: DesignSession) -> None:
        if self._job is not None:
            self._job.cancel.set()      # its results are for the old session: ignored
        self.session = s
        self.groups = dict(s.groups)
        self._halted = False
        self._pending_names = set()
        self._changed()
        self.sessionChanged.emit()
        self._pump()

    def _changed(self) -> None:
        self._halted = False
        self._ready_sent = False
        if self._job is not None and self._job.kind == "sync":
            self._job.cancel.set()
        self._pump()

    @property
    def busy(self) -> bool:
        return self._job is not None

    def is_current(self) -> bool:
        """Every stage has run with the parameters shown, and nothing is running."""
        s = self.session
        return (s is not None and self._job is None and not s.stale()
                and not diff_settings(self.groups, s.groups) and not self.socket_is_preview
                and self.hand == s.rectification)

    def run(self) -> None:
        """Run what is stale again (after an error or a cancel)."""
        self._halted = False
        self._user_cancelled = False
        self._pump()

    def cancel(self) -> None:
        """Stop the running computation at the next stage boundary."""
        if self._job is not None:
            self._user_cancelled = True
            self._halted = True
            self._queued_export = None
            self._queued_revision = None
            self._job.cancel.set()
            self.progress.emit(translate("Model", "Cancelling after the current stage…"), -1.0)

    def export(self, out_dir: str | Path) -> None:
        """Design (what is stale) and write the print files and reports into ``out_dir``."""
        self._queued_export = Path(out_dir)
        self._halted = False
        self._pump()

    def wait_idle(self, timeout_s: float = 300.0) -> bool:
        """Run the event loop until the design is up to date, or stopped by an error or a
        cancel (for the screenshot mode and tests); False on time-out."""
        def settled() -> bool:
            return not self.busy and (self.session is None or self._halted or self.is_current())

        return run_until(settled, timeout_s, 20)

    def _pump(self) -> None:
        """Start the next job if none is running and something needs doing."""
        s = self.session
        if self._job is not None or s is None:
            return
        shown = self._shown_ids()
        diff = diff_settings(self.groups, s.groups)
        self._pending_names |= set(diff)
        hand = self.hand
        if self._queued_export is not None:
            out, self._queued_export = self._queued_export, None
            self._start(Job("export", export_job(s, diff, out, shown, hand), session=s,
                            out=out))
            return
        if self._queued_revision is not None:
            rv, self._queued_revision = self._queued_revision, None
            self._start(Job("revision", revision_job(s, diff, rv, shown, hand), session=s,
                            out=rv["folder"]))
            return
        if self._halted:
            return
        if hand != s.rectification:
            # The view has shown the hand's change live already: no coarse preview first.
            self._start(Job("sync", sync_job(s, diff, bool(diff) and self.socket is not None
                                             and all(n in QUICK_PARAMS
                                                     for n in self._pending_names),
                                             shown, hand), session=s))
            return
        if not diff and not s.stale() and all(
                shown.get(st) == id(s.results[st]) for st in STAGES):
            if not self._ready_sent:
                self._ready_sent = True
                self.designReady.emit()
            return
        quick = self.socket is not None and all(n in QUICK_PARAMS for n in self._pending_names)
        self._start(Job("sync", sync_job(s, diff, quick, shown), session=s))

    def _shown_ids(self) -> dict:
        """Identity of each stage result the GUI shows (to send only new ones), and the
        key of its raw points."""
        shown = {"load": self.scan, "clean": self.cleaned, "align": self.aligned,
                 "measure": self.measurements,
                 "template": None if self.socket_is_preview else self.socket,
                 "check": self.check}
        ids: dict = {k: id(v) for k, v in shown.items() if v is not None}
        if self.raw is not None:
            ids["raw"] = self.raw.key       # the raw points' scan and alignment
        return ids

    def _start(self, job: Job) -> None:
        if self._wait_first is not None and job.info.get("session") is self._wait_first[0]:
            (_s, wait), self._wait_first = self._wait_first, None
            fn = job.fn

            def after_prestart(j: Job, fn=fn, wait=wait):
                wait()
                return fn(j)
            job.fn = after_prestart
        job.signals.progress.connect(self._on_progress)
        job.signals.partial.connect(self._on_partial)
        job.signals.finished.connect(self._on_finished)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self._user_cancelled = False
        self.cancelled = False
        self.busyChanged.emit(True)
        self.pool.start(job)

    # -- job signals, on the GUI thread ---------------------------------------------
    def _mine(self, job: Job) -> bool:
        return job is self._job and job.info.get("session") is self.session

    def _on_progress(self, job: Job, stage: str, fraction: float) -> None:
        if self._mine(job) and not job.cancel():
            self.progress.emit(stage_text(stage), fraction)

    def _on_partial(self, job: Job, payload: dict) -> None:
        if job.info.get("session") is not self.session:
            return
        st, r = payload["stage"], payload["result"]
        if "raw" in payload and payload["raw"] is not None:
            self.raw = payload["raw"]
        if st == "raw":
            pass                    # the raw points in the design frame, after the socket
        elif st == "load":
            self.scan = r
            self.cleaned = self.aligned = self.measurements = self.check = None
            self.socket = self.socket_view = None
            self.socket_is_preview = False
            if self._expect_sha and r.sha256 != self._expect_sha:
                self.warningOccurred.emit(
                    translate("Model", "The scan file {} has changed since the case was saved "
                                       "(its sha256 differs). The design now uses the file as "
                                       "it is.").format(Path(r.path).name))
            self._expect_sha = None
        elif st == "clean":
            self.cleaned = r
        elif st == "align":
            self.aligned = r
        elif st == "measure":
            self.measurements = r
        elif st in ("template", "preview"):
            self.socket = r
            self.socket_is_preview = st == "preview"
            self.socket_volume_ml = payload.get("volume_ml")
            if "socket_view" in payload:
                self.socket_view = payload["socket_view"]
            if st == "template":
                self._pending_names.clear()
        elif st == "socket_view":
            if r is not self.socket:
                return              # a newer socket is shown already
            self.socket_view = payload["socket_view"]
        elif st == "check":
            self.check = r
        self.stageReady.emit(st)

    def _on_finished(self, job: Job, result: Any) -> None:
        if job is not self._job:
            return
        self._job = None
        self.busyChanged.emit(False)
        if job.kind == "export" and job.info.get("session") is self.session:
            self.report, self.export_dir = result, job.info["out"]
            self.progress.emit(translate("Model", "Exported"), 1.0)
            self.exportFinished.emit(result, str(job.info["out"]))
        elif job.kind == "revision":
            self.progress.emit(translate("Model", "Saved revision {}").format(result["number"]), 1.0)
            self.caseSaved.emit(result, str(job.info["out"]))
        else:
            self.progress.emit("", 1.0)
        self._pump()

    def _on_failed(self, job: Job, exc: BaseException, tb: str) -> None:
        if job is not self._job:
            return
        self._job = None
        self.cancelled = isinstance(exc, Cancelled) and self._user_cancelled
        self.busyChanged.emit(False)
        mine = job.info.get("session") is self.session
        if isinstance(exc, Cancelled):
            if self._user_cancelled:
                self.progress.emit(translate("Model", "Cancelled: press F5 (Design > Run) to continue"),
                                   0.0)
            self._user_cancelled = False
        elif mine:
            if not isinstance(exc, ProstheticsError):
                print(tb, file=sys.stderr)
                msg = translate("Model", "unexpected error: {}").format(
                    f"{type(exc).__name__}: {exc}")
            else:
                msg = error_text(exc)
            self._halted = True
            self.progress.emit(translate("Model", "Stopped: {}").format(msg), 0.0)
            self.errorOccurred.emit(msg, error_hint(exc))
        self._pump()

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel and wait for the running job (on close)."""
        self._queued_export = None
        self._queued_revision = None
        self._halted = True
        if self._job is not None:
            self._job.cancel.set()
        self.pool.waitForDone(timeout_ms)
