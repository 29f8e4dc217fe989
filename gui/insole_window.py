"""The insole, the application's second kind of design: open a foot scan, set the
parameters, see the insole over the foot, export.

    .venv/bin/python -m prosthetics_gui.insole_window [FOOT_SCAN] [--screenshot OUT.png] [--size 1400x900]

State lives in :class:`InsoleModel` (signals); the core's ``run_insole``/``write_insole`` run
in a worker thread (one job at a time, like the socket's model); widgets never compute.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .forms import ParamForm
from .messages import writer_progress
from .worker import Job, make_pool

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

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        from prosthetics.design.insole import insole_parameter_groups, resolve_insole_preset
        from prosthetics.design.presets import describe_parameters

        self.preset = resolve_insole_preset(None)
        self.rows = describe_parameters(insole_parameter_groups(self.preset))
        self.scan_path: Path | None = None
        self.settings: dict[str, Any] = {}
        self.design = None
        self._pool = make_pool(self)
        self._job: Job | None = None
        self._again = False

    @property
    def busy(self) -> bool:
        return self._job is not None

    def open_scan(self, path) -> None:
        self.scan_path = Path(path)
        self.design = None
        self.run()

    def edit(self, changes: dict[str, Any]) -> None:
        for k, v in changes.items():
            self.settings[k] = "auto" if v is None else (v.value if hasattr(v, "value") else v)
        self.run()

    def run(self) -> None:
        """Design with the current settings (queued behind a running job)."""
        if self.scan_path is None:
            return
        if self._job is not None:
            self._again = True
            return
        scan, settings = self.scan_path, {**self.settings, "slice": "false"}

        def fn(job: Job):
            from prosthetics.design.insole import run_insole

            return run_insole(scan, settings=settings,
                              progress=lambda s, f: job.progress(s, f))
        self._start(Job("design", fn))

    def export(self, out_dir) -> None:
        if self.design is None or self._job is not None:
            return
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
            self.designReady.emit()
        else:
            self.exportFinished.emit(result, job.info["out"])
        self.busyChanged.emit(False)
        self._maybe_again()

    def _failed(self, job: Job, exc: BaseException, tb: str) -> None:
        from prosthetics.errors import ProstheticsError

        self._job = None
        self.busyChanged.emit(False)
        msg = str(exc) if isinstance(exc, ProstheticsError) else \
            f"unexpected error ({type(exc).__name__}: {exc}); the details are in the terminal"
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

        self.model = model or InsoleModel(self)
        self.setWindowTitle("prosthetics — insole")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget()
        lay = QVBoxLayout(left)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open foot scan…")
        self.export_button = QPushButton("Export…")
        row.addWidget(self.open_button)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        self.scan_label = QLabel("No scan")
        self.scan_label.setWordWrap(True)
        lay.addWidget(self.scan_label)
        self.form = ParamForm(self.model.rows, FORM_NAMES)
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
        self.plotter.add_axes(xlabel="X toe", ylabel="Y", zlabel="Z up", line_width=2)
        split.addWidget(self.plotter)
        split.setSizes([420, 980])
        self.setCentralWidget(split)
        self.statusBar().showMessage("Open a foot scan")

        self.open_button.clicked.connect(self._open)
        self.export_button.clicked.connect(self._export)
        self.form.edited.connect(self.model.edit)
        self.model.designReady.connect(self._show)
        self.model.busyChanged.connect(self._busy)
        self.model.progress.connect(lambda s, f: self.statusBar().showMessage(
            f"{s}… {100 * f:.0f} %"))
        self.model.errorOccurred.connect(lambda m: self.statusBar().showMessage(f"Error: {m}"))
        self.model.exportFinished.connect(lambda r, out: self.statusBar().showMessage(
            f"Wrote {len(r['outputs'])} print files and the reports to {out}"))

    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open foot scan", "",
                                              "Scans (*.ply *.obj *.stl *.glb *.gltf *.off "
                                              "*.xyz *.txt *.pts)")
        if path:
            self.open(path)

    def open(self, path) -> None:
        self.scan_label.setText(f"<b>Scan</b>: {Path(path).name}")
        self.model.open_scan(path)

    def _export(self) -> None:
        out = QFileDialog.getExistingDirectory(self, "Export the insole to")
        if out:
            self.model.export(out)

    def _busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy and self.model.design is not None)

    def _show(self) -> None:
        import pyvista as pv

        d = self.model.design
        r = d.report
        m = r["measurements"]
        meas = r["insole"]["measured"]
        tvp = meas.get("top_vs_plantar_mm") or {}
        self.info.setText(
            f"<b>Foot</b> ({r['foot']['scanned_side']}): {m['foot_length_mm']:.1f} mm long, "
            f"ball {m['ball_width_mm']:.1f}, heel {m['heel_width_mm']:.1f}, arch "
            f"{m['arch_height_mm']:.1f} mm<br><b>Insole</b> ({r['insole']['side']}"
            f"{', mirrored' if r['insole']['mirrored'] else ''}): {meas['length_mm']:.1f} mm, "
            f"{r['checks']['volume_ml']:.0f} ml, watertight {r['checks']['watertight']}, "
            f"heel cup {meas['heel_cup_depth_mm']:.1f} mm"
            + (f", top vs plantar p95 {tvp['p95']:.2f} mm" if tvp else ""))
        mesh = d.insole.mesh
        faces = np.column_stack([np.full(len(mesh.faces), 3), mesh.faces]).ravel()
        p = self.plotter
        p.clear()
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
        self.statusBar().showMessage("Insole ready")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m prosthetics_gui.insole_window",
                                 description="Desktop window for insoles.")
    ap.add_argument("scan", nargs="?", help="foot scan (default: the sample)")
    ap.add_argument("--screenshot", metavar="PNG")
    ap.add_argument("--size", default="1400x900")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
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
