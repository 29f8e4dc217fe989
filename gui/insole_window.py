"""The insole, the application's second kind of design: open a foot scan, set the
parameters, see the insole over the foot, export.

    .venv/bin/python -m prosthetics_gui.insole_window [FOOT_SCAN] [--screenshot OUT.png] [--size 1400x900]

State lives in :class:`InsoleModel` (signals); the core's ``run_insole``/``write_insole`` run
in a worker thread (one job at a time, like the socket's model); widgets never compute.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .actions import make_action
from .forms import ComboBox, ParamForm, format_value, label_of
from .language import ltr, translate
from .messages import (
    INSOLE_STAGE_TEXT,
    SliceClock,
    error_text,
    stage_text,
    writer_progress,
)
from .viewtext import text_options, view_text
from .worker import Job, make_pool

#: Standard views of the foot frame (+X heel to toe, +Z up): camera direction and view-up.
INSOLE_VIEWS = {"top": (QT_TRANSLATE_NOOP("InsoleWindow", "Top (plantar surface)"), (0.0, 0.0, 1.0), (1.0, 0.0, 0.0), "Ctrl+1"),
                "medial": (QT_TRANSLATE_NOOP("InsoleWindow", "Side"), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0), "Ctrl+2"),
                "heel": (QT_TRANSLATE_NOOP("InsoleWindow", "From the heel"), (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0), "Ctrl+3"),
                "three_quarter": (QT_TRANSLATE_NOOP("InsoleWindow", "Three-quarter"), (-0.6, -1.0, 0.8), (0.0, 0.0, 1.0),
                                  "Ctrl+4")}


#: The sides of a foot and an insole as the report names them.
SIDES = {"left": QT_TRANSLATE_NOOP("InsoleWindow", "left"),
         "right": QT_TRANSLATE_NOOP("InsoleWindow", "right")}


def _side_word(side) -> str:
    return translate("InsoleWindow", SIDES[side]) if side in SIDES else str(side)


class SetInsoleValues(QUndoCommand):
    """Change insole parameters (undoable)."""

    def __init__(self, model, new: dict, old: dict, text: str):
        super().__init__(text)
        self.model, self.new, self.old = model, dict(new), dict(old)

    def redo(self) -> None:
        self.model.apply(self.new)

    def undo(self) -> None:
        self.model.apply(self.old)

#: The parameters shown in the form (the rest keep their preset values).
FORM_NAMES = ["side", "length_kind", "outline_from", "length_margin_mm", "shoe_size",
              "shoe_size_system", "base_thickness_mm", "arch_fill_mm", "heel_cup_depth_mm",
              "heel_cup_wall_mm", "rearfoot_posting_deg", "forefoot_posting_deg",
              "met_pad_height_mm", "met_pad_offset_mm", "top_cover_mm", "material",
              "printer", "infill_percent"]


class InsoleModel(QObject):
    """The insole being designed: scan, settings, the last design; runs the core in a worker."""

    designReady = Signal()
    busyChanged = Signal(bool)
    progress = Signal(str, float)
    errorOccurred = Signal(str)
    exportFinished = Signal(dict, str)
    valuesChanged = Signal(list)        # names whose values changed (undo, redo, preset)
    staleChanged = Signal(bool)         # the form no longer matches the design shown

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        from prosthetics.design.insole import resolve_insole_preset

        self.undo_stack = QUndoStack(self)
        self.scan_path: Path | None = None
        self.settings: dict[str, Any] = {}
        self.design = None
        #: The design shown was made with other values than the form's (an edit failed or
        #: is still running): it must not be exported.
        self.stale = False
        self._pool = make_pool(self)
        self._job: Job | None = None
        self._again = False
        self.set_preset(resolve_insole_preset(None).name)

    def set_preset(self, name: str) -> None:
        """Start from an insole preset's values (the open scan is designed again)."""
        from prosthetics.design.insole import insole_parameter_groups, resolve_insole_preset
        from prosthetics.design.presets import describe_parameters

        self.preset = resolve_insole_preset(name)
        self.rows = describe_parameters(insole_parameter_groups(self.preset))
        self.settings = {}
        self.undo_stack.clear()         # the edits were made on another preset's values
        self.valuesChanged.emit([r["name"] for r in self.rows])
        self._mark_stale()
        self.run()

    def value(self, name: str) -> Any:
        """A parameter's value as the form shows it (the preset's, or the one set)."""
        if name in self.settings:
            v = self.settings[name]
            return None if v == "auto" else v
        for r in self.rows:
            if r["name"] == name:
                return r["value"]
        raise KeyError(name)

    def _mark_stale(self) -> None:
        stale = self.design is not None
        if stale != self.stale:
            self.stale = stale
            self.staleChanged.emit(stale)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def open_scan(self, path) -> None:
        self.scan_path = Path(path)
        self.design = None
        self.stale = False
        self.undo_stack.clear()
        self.run()

    def edit(self, changes: dict[str, Any]) -> None:
        """Change parameters through the undo stack (the design follows)."""
        old = {k: self.value(k) for k in changes}
        new = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
        if new == old:
            return
        labels = {r["name"]: r for r in self.rows}
        if len(new) == 1:
            (k, v), = new.items()
            text = translate("Edits", "Change {} to {}").format(
                label_of(labels[k]), translate("Edits", "auto") if v is None
                else ltr(format_value(v, labels[k].get("unit") or "")))
        else:
            text = translate("Edits", "Change {}").format(
                ", ".join(label_of(labels[k]) for k in sorted(new)))
        self.undo_stack.push(SetInsoleValues(self, new, old, text))

    def apply(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            self.settings[k] = "auto" if v is None else v
        self.valuesChanged.emit(list(values))
        self._mark_stale()
        self.run()

    def run(self) -> None:
        """Design with the current settings (queued behind a running job)."""
        if self.scan_path is None:
            return
        if self._job is not None:
            self._again = True
            return
        scan, settings = self.scan_path, {**self.settings, "slice": "false"}
        preset = self.preset.name

        def fn(job: Job):
            from prosthetics.design.insole import run_insole

            return run_insole(scan, template=preset, settings=settings,
                              progress=lambda s, f: job.progress(s, f))
        self._start(Job("design", fn))

    def export(self, out_dir) -> bool:
        """Write the design shown, which is the one the form shows (False when there is
        none, it is stale, or a job runs)."""
        if self.design is None or self.stale or self._job is not None:
            return False
        design, out = self.design, Path(out_dir)
        slice_ = str(self.settings.get("slice", "true"))
        design.groups["export"] = design.groups["export"].replace(
            slice=slice_.lower() in ("1", "true", "yes"))

        def fn(job: Job):
            from prosthetics.design.insole import write_insole

            progress, slice_progress = writer_progress(job)
            return write_insole(design, out, progress=progress, slice_progress=slice_progress,
                                cancel=job.cancel)
        self._start(Job("export", fn, out=str(out)))
        return True

    def _start(self, job: Job) -> None:
        self._job = job
        job.signals.progress.connect(lambda _j, s, f: self.progress.emit(s, f))
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        self.busyChanged.emit(True)
        self._pool.start(job)

    def _finished(self, job: Job, result) -> None:
        self._job = None
        if job.kind == "design":
            self.design = result
            if not self._again:
                self.stale = False
                self.staleChanged.emit(False)
            self.designReady.emit()
        else:
            self.undo_stack.setClean()
            self.exportFinished.emit(result, job.info["out"])
        self.busyChanged.emit(False)
        self._maybe_again()

    def _failed(self, job: Job, exc: BaseException, tb: str) -> None:
        from prosthetics.errors import ProstheticsError

        self._job = None
        self._mark_stale()
        self.busyChanged.emit(False)
        msg = error_text(exc) if isinstance(exc, ProstheticsError) else \
            translate("InsoleWindow", "unexpected error ({}); the details are in the "
                                      "terminal").format(f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, ProstheticsError):
            print(tb, file=sys.stderr)
        self.errorOccurred.emit(msg)
        self._maybe_again()

    def _maybe_again(self) -> None:
        if self._again:
            self._again = False
            self.run()

    def wait_idle(self, timeout_s: float = 300.0) -> bool:
        t = time.monotonic()
        while (self._job is not None or self._again) and time.monotonic() - t < timeout_s:
            QApplication.processEvents()
            time.sleep(0.02)
        return self._job is None


class InsoleWindow(QMainWindow):
    """Open foot scan -> parameters -> 3D view of the insole over the foot -> export."""

    def __init__(self, model: InsoleModel | None = None):
        super().__init__()
        from pyvistaqt import QtInteractor

        from prosthetics.design.presets import list_presets
        from prosthetics.printing.profiles import load_materials, load_printers

        self.model = model or InsoleModel(self)
        self.setWindowTitle(translate("InsoleWindow", "Insole[*] – Prosthetics"))
        split = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget()
        lay = QVBoxLayout(left)
        row = QHBoxLayout()
        self.open_button = QPushButton(translate("InsoleWindow", "Open foot scan…"))
        self.export_button = QPushButton(translate("InsoleWindow", "Export…"))
        row.addWidget(self.open_button)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        self.scan_label = QLabel(translate("InsoleWindow", "No scan"))
        self.scan_label.setWordWrap(True)
        lay.addWidget(self.scan_label)
        prow = QHBoxLayout()
        prow.addWidget(QLabel(translate("InsoleWindow", "Preset")))
        self.preset = ComboBox()
        self.preset.setObjectName("insole_preset")
        for name, p in list_presets().items():
            if p.builder == "insole":
                self.preset.addItem(p.label, name)
                self.preset.setItemData(self.preset.count() - 1, p.description,
                                        Qt.ItemDataRole.ToolTipRole)
        self.preset.setCurrentIndex(max(0, self.preset.findData(self.model.preset.name)))
        self.preset.currentIndexChanged.connect(
            lambda _i: self.model.set_preset(self.preset.currentData()))
        prow.addWidget(self.preset, 1)
        lay.addLayout(prow)
        named = {"printer": {k: v.label for k, v in load_printers().items()},
                 "material": {k: v.label for k, v in load_materials().items()}}
        self.form = ParamForm(self.model.rows, FORM_NAMES, named)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        lay.addWidget(scroll, 1)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.info)
        split.addWidget(left)
        self.plotter = QtInteractor(split, auto_update=False)
        self.plotter.set_background("white", top="#d9e2ec")
        self.plotter.add_axes(xlabel="X", ylabel="Y", zlabel="Z", line_width=2,
                              viewport=(0.0, 0.0, 0.16, 0.16))
        self.plotter.add_text(view_text(translate("InsoleWindow", "X: heel to toe   Z: up")),
                              position=(0.01, 0.165), viewport=True, font_size=8,
                              color="black", name="axes_legend", **text_options())
        split.addWidget(self.plotter)
        split.setSizes([420, 980])
        self.setCentralWidget(split)
        self.slice_clock = SliceClock(self.statusBar().showMessage, self)
        self._build_menus()
        self.statusBar().showMessage(translate("InsoleWindow",
                                               "Open a foot scan (File > Open foot scan)"))

        self.open_button.clicked.connect(self._open)
        self.export_button.clicked.connect(self._export)
        self.form.edited.connect(self.model.edit)
        self.model.designReady.connect(self._show)
        self.model.busyChanged.connect(self._busy)
        self.model.staleChanged.connect(lambda _s: self._update_export())
        self.model.valuesChanged.connect(self._sync_values)
        self.model.progress.connect(self._progress)
        self.model.errorOccurred.connect(self._error)
        self.model.exportFinished.connect(lambda r, out: self.statusBar().showMessage(
            translate("InsoleWindow", "Wrote {} print files and the reports to {}")
            .format(len(r["outputs"]), out)))
        self.model.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(
            not clean))
        self._update_export()
        self._sync_values(FORM_NAMES)

    def _build_menus(self) -> None:
        def act(text, slot, key=None, tip=""):
            return make_action(self, text, slot, key, tip)

        mb = self.menuBar()
        fm = mb.addMenu(translate("InsoleWindow", "&File"))
        self.act_open = act(translate("InsoleWindow", "&Open foot scan…"), self._open,
                            QKeySequence.StandardKey.Open,
                            translate("InsoleWindow",
                                      "Open a foot scan (PLY, OBJ, STL, GLB, OFF, XYZ)"))
        self.act_export = act(translate("InsoleWindow", "&Export…"), self._export, "Ctrl+E",
                              translate("InsoleWindow", "Write the print files and the reports "
                                                        "of the insole shown"))
        self.act_close = act(translate("InsoleWindow", "&Close"), self.close,
                             QKeySequence.StandardKey.Close)
        for a in (self.act_open, self.act_export):
            fm.addAction(a)
        fm.addSeparator()
        fm.addAction(self.act_close)
        em = mb.addMenu(translate("InsoleWindow", "&Edit"))
        self.act_undo = self.model.undo_stack.createUndoAction(self,
                                                               translate("InsoleWindow", "&Undo"))
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.model.undo_stack.createRedoAction(self,
                                                               translate("InsoleWindow", "&Redo"))
        self.act_redo.setShortcut(QKeySequence.StandardKey.Redo)
        em.addAction(self.act_undo)
        em.addAction(self.act_redo)
        vm = mb.addMenu(translate("InsoleWindow", "&View"))
        self.view_actions = {}
        for name, (text, _d, _up, key) in INSOLE_VIEWS.items():
            a = act(translate("InsoleWindow", text), lambda _c=False, n=name: self.set_view(n),
                    key)
            self.view_actions[name] = a
            vm.addAction(a)
        vm.addAction(act(translate("InsoleWindow", "Fit"), self._fit, "Ctrl+0",
                         translate("InsoleWindow", "Reset the zoom to fit the insole")))

    # -- values and state ----------------------------------------------------------
    def _sync_values(self, names: list) -> None:
        values = {}
        for n in names:
            if n in self.form.fields:
                try:
                    values[n] = self.model.value(n)
                except KeyError:
                    continue
        self.form.set_values(values)
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(max(0, self.preset.findData(self.model.preset.name)))
        self.preset.blockSignals(False)
        self._show_in_use()

    def _show_in_use(self) -> None:
        """The shoe size is automatic: say what the outline comes from instead."""
        f = self.form.fields.get("shoe_size")
        if f is None:
            return
        outline = str(getattr(self.model.value("outline_from"), "value",
                              self.model.value("outline_from")))
        f.in_use = None
        if not f.auto.isChecked():
            return
        f.spin.setSpecialValueText(translate("InsoleWindow", "auto (foot length)")
                                   if outline == "shoe_size"
                                   else translate("InsoleWindow", "auto (not used)"))

    def export_block_reason(self) -> str:
        """Why Export cannot run now ("" when it can)."""
        m = self.model
        if m.scan_path is None:
            return translate("InsoleWindow", "Open a foot scan first (File > Open foot scan).")
        if m.busy:
            return translate("InsoleWindow", "Wait for the insole to be designed.")
        if m.design is None:
            return translate("InsoleWindow", "No insole yet: the design of this scan failed; "
                                             "change a value.")
        if m.stale:
            return translate("InsoleWindow", "The insole shown was made with other values than "
                                             "the form's (the last change failed or is "
                                             "running): change the value, or undo it (Ctrl+Z).")
        return ""

    def _update_export(self) -> None:
        why = self.export_block_reason()
        for w in (self.export_button, self.act_export):
            w.setEnabled(not why)
            w.setToolTip(why or translate("InsoleWindow", "Write the print files and the reports "
                                                          "of the insole shown"))

    def _busy(self, busy: bool) -> None:
        if not busy:
            self.slice_clock.stop()
        self._update_export()

    def _progress(self, stage: str, fraction: float) -> None:
        text = stage_text(stage, INSOLE_STAGE_TEXT)
        self.slice_clock.follow(text, self.model.busy)
        if not self.slice_clock.running():
            self.statusBar().showMessage(f"{text}… {ltr(f'{100 * fraction:.0f} %')}")

    def _error(self, message: str) -> None:
        from .messages import humanize

        text = humanize(message, self.model.rows)
        if self.model.stale:
            text += translate("InsoleWindow", " The insole shown is from the values before; "
                                              "Export is off until a design succeeds.")
        self.statusBar().showMessage(translate("InsoleWindow", "Error: {}").format(text))
        self.info.setText(f"<p style='color:#b3261e'><b>{translate('InsoleWindow', 'Error:')}"
                          f"</b> {html.escape(text)}</p>"
                          + (self._design_text() if self.model.design is not None else ""))
        self._update_export()

    # -- actions ---------------------------------------------------------------------
    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, translate("InsoleWindow", "Open foot scan"), "",
            translate("InsoleWindow", "Scans ({})").format(
                "*.ply *.obj *.stl *.glb *.gltf *.off *.xyz *.txt *.pts"))
        if path:
            self.open(path)

    def open(self, path) -> None:
        self.scan_label.setText(translate("InsoleWindow", "<b>Scan</b>: {}")
                                .format(html.escape(Path(path).name)))
        self.setWindowTitle(translate("InsoleWindow", "Insole of {}[*] – Prosthetics")
                            .format(Path(path).name))
        self.model.open_scan(path)
        self._update_export()

    def _export(self) -> None:
        why = self.export_block_reason()
        if why:
            self.statusBar().showMessage(translate("InsoleWindow", "Cannot export: {}").format(why))
            return
        out = QFileDialog.getExistingDirectory(self, translate("InsoleWindow",
                                                                   "Export the insole to"))
        if out:
            self.model.export(out)

    def set_view(self, name: str) -> None:
        _text, d, up, _key = INSOLE_VIEWS[name]
        self.plotter.view_vector(d, viewup=up)
        self.plotter.reset_camera()
        self.plotter.render()

    def _fit(self) -> None:
        self.plotter.reset_camera()
        self.plotter.render()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        m = self.model
        if m.design is not None and not m.undo_stack.isClean():
            box = QMessageBox
            answer = box.question(
                self, translate("InsoleWindow", "Insole not exported"),
                translate("InsoleWindow", "The insole has changes that were not exported. "
                                          "Close it anyway?"),
                box.StandardButton.Discard | box.StandardButton.Cancel,
                box.StandardButton.Cancel)
            if answer != box.StandardButton.Discard:
                event.ignore()
                return
        super().closeEvent(event)

    def _design_text(self) -> str:
        r = self.model.design.report
        m = r["measurements"]
        meas = r["insole"]["measured"]
        tvp = meas.get("top_vs_plantar_mm") or {}
        closed = translate("InsoleWindow", "yes") if r["checks"]["watertight"] \
            else translate("InsoleWindow", "NO (not printable as it is)")
        side = _side_word(r["insole"]["side"])
        return (
            translate("InsoleWindow", "<b>Foot</b> ({}): {} mm long, ball {}, heel {}, arch {} mm")
            .format(_side_word(r["foot"]["scanned_side"]),
                    f"{m['foot_length_mm']:.1f}", f"{m['ball_width_mm']:.1f}",
                    f"{m['heel_width_mm']:.1f}", f"{m['arch_height_mm']:.1f}")
            + "<br>"
            + translate("InsoleWindow", "<b>Insole</b> ({}): {} mm, {} ml, closed solid: {}, "
                                        "heel cup {} mm").format(
                translate("InsoleWindow", "{}, mirrored").format(side)
                if r["insole"]["mirrored"] else side,
                f"{meas['length_mm']:.1f}", f"{r['checks']['volume_ml']:.0f}", closed,
                f"{meas['heel_cup_depth_mm']:.1f}")
            + (translate("InsoleWindow", ", top within {} mm of the sole (95 % of points)")
               .format(f"{tvp['p95']:.2f}") if tvp else ""))

    def _show(self) -> None:
        import pyvista as pv

        d = self.model.design
        self.info.setText(self._design_text())
        mesh = d.insole.mesh
        faces = np.column_stack([np.full(len(mesh.faces), 3), mesh.faces]).ravel()
        p = self.plotter
        p.add_mesh(pv.PolyData(np.asarray(mesh.vertices), faces), color="#8fb0d0",
                   smooth_shading=False, name="insole")
        pts = d.foot.points
        if d.insole.mirrored:
            pts = pts * np.array([1.0, -1.0, 1.0])
        rng = np.random.default_rng(0)
        pts = pts[rng.permutation(len(pts))[:60_000]]
        p.add_points(pv.PolyData(pts), color="#d9a07a", point_size=2, opacity=0.5,
                     render_points_as_spheres=False, name="foot")
        p.view_vector((-0.6, -1.0, 0.8), viewup=(0, 0, 1))
        p.reset_camera()
        p.render()
        self._update_export()
        self.statusBar().showMessage(translate("InsoleWindow", "Insole ready") + (
            "" if not self.model.stale
            else translate("InsoleWindow", "; a newer change is being designed")))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m prosthetics_gui.insole_window",
                                 description="Desktop window for insoles.")
    ap.add_argument("scan", nargs="?", help="foot scan (default: the sample)")
    ap.add_argument("--screenshot", metavar="PNG")
    ap.add_argument("--size", default="1400x900")
    args = ap.parse_args(argv)
    app = QApplication.instance()
    if app is None:
        from .language import install_language

        app = QApplication(sys.argv[:1])
        install_language(app)
    win = InsoleWindow()
    w, h = (int(v) for v in args.size.split("x"))
    win.resize(w, h)
    win.show()
    from prosthetics.resources import sample_scan

    win.open(args.scan or sample_scan("foot_phone.ply"))
    if args.screenshot:
        win.model.wait_idle()
        for _ in range(20):
            app.processEvents()
            time.sleep(0.05)
        ok = win.grab().save(args.screenshot)
        return 0 if ok and win.model.design is not None else 2
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
