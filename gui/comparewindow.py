"""Two scans of one limb side by side in their own window: the deviation map of the current
limb against the other scan, the two limbs overlaid, and the change in volume (ml, %, sock
plies) and circumference below the common level.

    .venv/bin/python -m prosthetics_gui.comparewindow CURRENT_SCAN OTHER_SCAN [--screenshot OUT.png]

From the main window: File > Compare with another scan… (the open case's other scans are
offered in the window; otherwise a file is asked for).  The current limb is the main
window's aligned limb; the other scan is read, cleaned and aligned with the same settings,
then the core's :func:`~prosthetics.limb.compare.compare_limbs` registers the current limb
onto it, in a worker thread (:class:`CompareModel`): reading and cleaning a raw scan takes
seconds, and the window answers meanwhile, with a busy bar, the stage in the status line and
Cancel (Esc).  Cancel frees the window at once; the job stops at the end of the stage it is
in and its result is dropped.  The deviation is signed: positive where the current limb lies
outside the other.  Widgets only draw what the job returned.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from pyvistaqt import QtInteractor

from prosthetics.design.session import Cancelled, DesignSession
from prosthetics.errors import ProstheticsError
from prosthetics.limb.compare import SOCK_PLY_PERCENT, CompareParams, Comparison, compare_limbs
from prosthetics.limb.measure import sections

from .fileactions import SCAN_SUFFIXES
from .language import ltr, ltr_number_box, translate
from .messages import STAGE_TEXT, stage_text
from .viewport import SKIN, TEXT, VIEW_LABELS, VIEWS, add_view_label, mesh_poly, rings_poly
from .viewtext import bar_title, text_options, view_text
from .worker import Job, make_pool

__all__ = ["Limb", "CompareResult", "CompareModel", "CompareWindow", "compare_with",
           "default_range_mm", "main"]

#: Spacing of the circumference table: the measure spacing, in steps of about this.
TABLE_SPACING_MM = 20.0
#: The colour bar's default range follows the largest deviation, within these bounds (mm).
RANGE_MIN_MM, RANGE_MAX_MM = 1.0, 10.0
OTHER = (0.30, 0.52, 0.92)        # the other limb in the overlay, and its rings
OTHER_RING = (0.10, 0.25, 0.70)
STANDARD_VIEWS = ("anterior", "posterior", "right", "left")
VIEW_BUTTONS = {"anterior": QT_TRANSLATE_NOOP("MainWindow", "Anterior"),
                "posterior": QT_TRANSLATE_NOOP("MainWindow", "Posterior"),
                "right": QT_TRANSLATE_NOOP("MainWindow", "Right (+X)"),
                "left": QT_TRANSLATE_NOOP("MainWindow", "Left (−X)")}
BAR_TITLE = QT_TRANSLATE_NOOP("CompareWindow", "Deviation (mm)")


@dataclass(frozen=True, kw_only=True)
class Limb:
    """One side of the comparison: a scan, how to read it, and its aligned limb when the
    main window has it already (design frame, mm)."""

    path: Path
    label: str
    units: str | None = None
    mesh: trimesh.Trimesh | None = None


@dataclass(frozen=True, kw_only=True)
class CompareResult:
    """What the window shows, computed in the worker.

    ``comparison`` is the core's result with the other scan as A and the current limb as B
    (``b`` registered onto ``a``); ``deviation_mm`` (n,) is per vertex of ``b``, NaN above
    the common level; ``rings`` holds the other limb's sections at the levels of the
    circumference table.
    """

    current: Limb
    other: Limb
    comparison: Comparison
    deviation_mm: np.ndarray
    seconds: float
    rings: list = field(default_factory=list)
    timings_s: dict = field(default_factory=dict)

    @property
    def report(self) -> dict:
        return self.comparison.report

    @property
    def largest_mm(self) -> float:
        d = self.comparison.deviation_mm
        return float(np.abs(d).max()) if len(d) else 0.0


def default_range_mm(largest_mm: float) -> float:
    """The colour bar's default ± range: the largest deviation rounded up to 0.5 mm, between
    1 and 10 mm (a percentile clip would hide a local change of a few mm)."""
    return float(min(RANGE_MAX_MM, max(RANGE_MIN_MM, math.ceil(largest_mm * 2.0) / 2.0)))


def table_spacing_mm(measure_spacing_mm: float) -> float:
    """A multiple of the measure spacing close to 20 mm (a short table)."""
    return measure_spacing_mm * max(1, round(TABLE_SPACING_MM / measure_spacing_mm))


def one_line(exc: BaseException) -> str:
    """The error as one line: the core's message, or the kind of an unexpected error."""
    text = str(exc) if isinstance(exc, ProstheticsError) else \
        translate("InsoleWindow", "unexpected error ({}); the details are in the "
                                  "terminal").format(f"{type(exc).__name__}: {exc}")
    return " ".join(text.split())


def compare_job(current: Limb, other: Limb, *, template: str | None, settings: dict,
                spacing_mm: float) -> Callable[[Job], CompareResult]:
    """The worker's part: read, clean and align what is not aligned yet (the other scan with
    the current one's settings), then compare."""
    # A turn set by hand corrects one scan's anterior guess; the other scan has its own.
    other_settings = {k: v for k, v in settings.items() if k != "anterior_rotation_deg"}

    def fn(job: Job) -> CompareResult:
        t0 = time.perf_counter()
        limbs, timings = {}, {}
        todo = (("other", other), ("current", current))
        need = [role for role, limb in todo if limb.mesh is None]
        for role, limb in todo:
            if limb.mesh is not None:
                limbs[role] = limb.mesh
                continue
            k = need.index(role)
            f0, f1 = 0.8 * k / len(need), 0.8 * (k + 1) / len(need)

            def progress(stage: str, f: float, f0=f0, f1=f1, name=limb.label) -> None:
                if stage in STAGE_TEXT and stage != "done":
                    job.progress(f"{stage_text(stage)} ({name})", f0 + (f1 - f0) * f / 0.4)

            s = DesignSession(limb.path, template=template, units=limb.units,
                              settings=other_settings if role == "other" else settings)
            s.update(progress=progress, cancel=job.cancel, until="align")
            limbs[role] = s.results["align"].mesh
            timings[role] = round(sum(s.timings.values()), 2)
        if job.cancel():
            raise Cancelled("a newer comparison was asked for")
        job.progress(translate("Compare", "Registering the limbs and comparing them"), 0.85)
        t = time.perf_counter()
        comp = compare_limbs(limbs["other"], limbs["current"], CompareParams(),
                             spacing_mm=spacing_mm)
        timings["compare"] = round(time.perf_counter() - t, 2)
        levels = [c["z_mm"] for c in comp.report["circumferences"]]
        rings = [x for x in sections(comp.a, levels) if x is not None]
        return CompareResult(current=current, other=other, comparison=comp,
                             deviation_mm=comp.vertex_deviation_mm().astype(np.float32),
                             rings=rings, seconds=time.perf_counter() - t0, timings_s=timings)
    return fn


class CompareModel(QObject):
    """The comparison's state: the current limb, the other scan, the last result; runs the
    comparison in its own worker thread.  A newer request, or :meth:`cancel`, lets the
    running job go: it is told to stop at its next stage and whatever it returns is
    dropped, while the model is free at once."""

    busyChanged = Signal(bool)
    progress = Signal(str, float)
    resultReady = Signal()
    errorOccurred = Signal(str)
    cancelled = Signal()

    def __init__(self, current: Limb, *, template: str | None = None,
                 settings: dict | None = None, spacing_mm: float = TABLE_SPACING_MM,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.current = current
        self.template = template
        self.settings = dict(settings or {})
        self.spacing_mm = float(spacing_mm)
        self.other: Limb | None = None
        self.result: CompareResult | None = None
        self.error: str | None = None
        self._pool = make_pool(self)
        self._job: Job | None = None
        #: Jobs let go (cancelled or replaced) that have not ended yet.
        self._abandoned: set[Job] = set()
        self._stopped = False

    @property
    def busy(self) -> bool:
        """A comparison is running for the window (not counting one let go)."""
        return self._job is not None

    def settled(self) -> bool:
        """Nothing runs at all, a cancelled job included (for the tests)."""
        return self._job is None and not self._abandoned

    def compare(self, other: Limb) -> None:
        """Compare the current limb with ``other`` (a running comparison is let go)."""
        self.error = None
        if not Path(other.path).is_file():
            if self._job is None:
                self.other = other
            self._fail(translate("Compare", "scan file {} does not exist; choose it again")
                       .format(repr(str(other.path))))
            return
        was_busy = self._job is not None
        self._let_go()
        self.other = other
        job = Job("compare", compare_job(self.current, other, template=self.template,
                                         settings=self.settings, spacing_mm=self.spacing_mm),
                  other=other)
        job.signals.progress.connect(self._on_progress)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        self._job = job
        if not was_busy:
            self.busyChanged.emit(True)
        self.progress.emit(translate("Compare", "Comparing with {}").format(other.label), 0.0)
        self._pool.start(job)

    def cancel(self) -> bool:
        """Stop the running comparison (False when none runs): the window is free at once,
        the job stops at its next stage and its result is dropped; the last result stays."""
        if self._job is None:
            return False
        self._let_go()
        self.busyChanged.emit(False)
        self.cancelled.emit()
        return True

    def _let_go(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.cancel.set()
            self._abandoned.add(job)

    def _on_progress(self, job: Job, stage: str, fraction: float) -> None:
        if job is self._job:
            self.progress.emit(stage, fraction)

    def _ended(self, job: Job) -> bool:
        """``job`` ended: True when it is the one the window waits for (now done)."""
        self._abandoned.discard(job)
        if job is not self._job or self._stopped:
            return False
        self._job = None
        self.busyChanged.emit(False)
        return True

    def _finished(self, job: Job, result: CompareResult) -> None:
        if not self._ended(job):
            return
        self.result = result
        self.resultReady.emit()

    def _failed(self, job: Job, exc: BaseException, tb: str) -> None:
        other = job.info.get("other")
        if not self._ended(job) or isinstance(exc, Cancelled):
            return
        if not isinstance(exc, ProstheticsError):
            print(tb, file=sys.stderr)
        msg = one_line(exc)
        # The core's messages name the file; say which scan when they do not.
        if other is not None and Path(other.path).name not in msg:
            msg = f"{other.label}: {msg}"
        self._fail(msg)

    def _fail(self, message: str) -> None:
        # The figures of an earlier comparison would read as this scan's: they go.
        self.result = None
        self.error = message
        self.errorOccurred.emit(message)

    def wait_idle(self, timeout_s: float = 300.0) -> bool:
        """Run the event loop until no comparison runs (screenshots, tests)."""
        from .worker import run_until

        return run_until(lambda: not self.busy, timeout_s, 20)

    def shutdown(self) -> None:
        """Ask the running comparison to stop (at its next stage); its result is dropped."""
        self._stopped = True
        if self._job is not None:
            self._job.cancel.set()


class CompareWindow(QMainWindow):
    """The current limb against another scan of it: 3D view, colour range, figures, table."""

    def __init__(self, model: CompareModel, case_scans: list[Limb] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.case_scans = list(case_scans or [])
        self.mode = "deviation"
        self._view = "anterior"
        self._polys: tuple | None = None
        self._closed = False
        self.setWindowTitle(translate("Compare", "Compare – {}").format(model.current.label))
        self._build()
        model.busyChanged.connect(self._on_busy)
        model.progress.connect(self._on_progress)
        model.resultReady.connect(self._on_result)
        model.errorOccurred.connect(self._on_error)
        model.cancelled.connect(self._on_cancelled)
        self._show_figures(None)
        self._draw()
        if parent is not None:
            parent.installEventFilter(self)     # closes with the main window

    # -- building ----------------------------------------------------------------------
    def _build(self) -> None:
        left = QWidget()
        left.setMinimumWidth(440)
        left.setMaximumWidth(560)
        lay = QVBoxLayout(left)

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.header)

        row = QHBoxLayout()
        row.addWidget(QLabel(translate("Compare", "Compare with:")))
        self.scan_combo = QComboBox()
        self.scan_combo.setToolTip(translate("Compare", "The open case's other scans"))
        for limb in self.case_scans:
            self.scan_combo.addItem(limb.label)
        if not self.case_scans:
            self.scan_combo.addItem(translate("Compare", "(no other scan in a case)"))
            self.scan_combo.setEnabled(False)
        self.scan_combo.activated.connect(self._on_combo)
        row.addWidget(self.scan_combo, 1)
        self.file_button = QPushButton(translate("Compare", "Other file…"))
        self.file_button.setToolTip(translate("Compare", "Compare with a scan file of the same "
                                                         "limb"))
        self.file_button.clicked.connect(self._ask_file)
        row.addWidget(self.file_button)
        lay.addLayout(row)

        self.error_label = QLabel()
        self.error_label.setObjectName("compare_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.error_label.setVisible(False)
        lay.addWidget(self.error_label)

        view_box = QGroupBox(translate("Compare", "View"))
        vl = QGridLayout(view_box)
        self.mode_buttons = QButtonGroup(self)
        for col, (mode, text, tip) in enumerate((
                ("deviation", translate("Compare", "Deviation map"),
                 translate("Compare", "The current limb coloured by its distance to the other "
                                      "scan (mm)")),
                ("overlay", translate("Compare", "Overlay"),
                 translate("Compare", "Both limbs, registered: the current one in skin colour, "
                                      "the other translucent blue")))):
            b = QRadioButton(text)
            b.setToolTip(tip)
            b.setChecked(mode == self.mode)
            b.toggled.connect(lambda on, m=mode: on and self.set_mode(m))
            self.mode_buttons.addButton(b)
            vl.addWidget(b, 0, col)
        self.deviation_button, self.overlay_button = self.mode_buttons.buttons()
        vl.addWidget(QLabel(translate("Compare", "Colour range:")), 1, 0)
        self.range_spin = QDoubleSpinBox()
        self.range_spin.setPrefix("± ")
        self.range_spin.setSuffix(" mm")
        ltr_number_box(self.range_spin)
        self.range_spin.setDecimals(1)
        self.range_spin.setRange(0.5, 50.0)
        self.range_spin.setSingleStep(0.5)
        self.range_spin.setValue(RANGE_MAX_MM)
        self.range_spin.setToolTip(translate("Compare", "The colour bar runs from minus to plus "
                                                        "this value; by default the largest "
                                                        "deviation (at most 10 mm)"))
        self.range_spin.valueChanged.connect(self._on_range)
        vl.addWidget(self.range_spin, 1, 1)
        views = QHBoxLayout()
        self.view_buttons = {}
        for name in STANDARD_VIEWS:
            b = QPushButton(translate("MainWindow", VIEW_BUTTONS[name]))
            b.setToolTip(translate("Viewport", VIEW_LABELS[name]))
            b.clicked.connect(lambda _c=False, n=name: self.set_view(n))
            self.view_buttons[name] = b
            views.addWidget(b)
        vl.addLayout(views, 2, 0, 1, 2)
        lay.addWidget(view_box)

        fig_box = QGroupBox(translate("Compare", "Change below the common level"))
        grid = QGridLayout(fig_box)
        self.figures: dict[str, QLabel] = {}
        for r, (key, title) in enumerate((
                ("common_level", translate("Compare", "Common level")),
                ("volume_current", translate("Compare", "Volume, current")),
                ("volume_other", translate("Compare", "Volume, other")),
                ("volume_change", translate("Compare", "Change")),
                ("sock_plies", translate("Compare", "Sock plies")),
                ("deviation_mean", translate("Compare", "Deviation")),
                ("deviation_range", translate("Compare", "Range")),
                ("registration", translate("Compare", "Registration")))):
            t = QLabel(title)
            t.setStyleSheet("color: #444")
            v = QLabel("–")
            v.setObjectName(f"figure_{key}")
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setWordWrap(True)
            if key in ("volume_change", "sock_plies"):
                v.setStyleSheet("font-weight: bold")
            grid.addWidget(t, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(v, r, 1)
            self.figures[key] = v
        grid.setColumnStretch(1, 1)
        lay.addWidget(fig_box)

        table_box = QGroupBox(translate("Compare", "Circumference by level"))
        tl = QVBoxLayout(table_box)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["z (mm)", translate("Compare", "Other (mm)"),
                                              translate("Compare", "Current (mm)"),
                                              translate("Compare", "Change (mm)"),
                                              translate("Compare", "Change (%)")])
        self.table.setToolTip(translate("Compare", "Circumference of each limb at heights from "
                                                   "its own distal end"))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        tl.addWidget(self.table)
        lay.addWidget(table_box, 1)

        self.plotter = QtInteractor(self, auto_update=False)
        self.plotter.set_background("white", top="#d9e2ec")
        self.plotter.enable_anti_aliasing("fxaa")
        self.plotter.enable_depth_peeling()
        self.plotter.add_axes(xlabel="X right", ylabel="Y ant", zlabel="Z prox", line_width=2)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.plotter)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([470, 1000])
        self.setCentralWidget(split)

        self.status = QLabel("")
        self.status.setObjectName("compare_status")
        # A busy bar (the stages of reading and cleaning a scan report no fraction of
        # their own): it moves while the worker runs, the status line names the stage.
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFixedWidth(180)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton(translate("Compare", "Cancel"))
        self.cancel_button.setObjectName("compare_cancel")
        self.cancel_button.setToolTip(translate("Compare", "Stop the comparison (Esc)"))
        self.cancel_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_button.clicked.connect(self.model.cancel)
        self.cancel_button.setVisible(False)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self._update_header()

    def _update_header(self) -> None:
        m = self.model
        other = m.result.other.label if m.result is not None else "–"
        if m.busy and m.other is not None:
            other += translate("Compare", " (now comparing with {})").format(m.other.label)
        elif m.error and m.other is not None:
            other = translate("Compare", "{} (failed)").format(m.other.label)
        self.header.setText(translate("Compare", "<b>Current</b>: {}<br><b>Other</b>: {}")
                            .format(m.current.label, other))

    # -- what the user does -------------------------------------------------------------
    def compare_with(self, other: Limb) -> None:
        self.error_label.setVisible(False)
        self.model.compare(other)
        self._update_header()

    def compare_file(self, path) -> None:
        p = Path(path)
        self.compare_with(Limb(path=p, label=p.name))

    def _on_combo(self, index: int) -> None:
        if 0 <= index < len(self.case_scans):
            self.compare_with(self.case_scans[index])

    def _ask_file(self) -> None:
        path = ask_scan_file(self, self.model.current.path.parent)
        if path:
            self.compare_file(path)

    def set_mode(self, mode: str) -> None:
        """``"deviation"`` (the map) or ``"overlay"`` (both limbs)."""
        self.mode = mode
        (self.deviation_button if mode == "deviation" else self.overlay_button).setChecked(True)
        self._draw()

    def set_range(self, mm: float) -> None:
        self.range_spin.setValue(mm)

    @property
    def range_mm(self) -> float:
        return float(self.range_spin.value())

    def _on_range(self, value: float) -> None:
        actor = self.plotter.renderer.actors.get("deviation")
        if actor is None:
            return
        actor.mapper.scalar_range = (-value, value)
        actor.mapper.lookup_table.scalar_range = (-value, value)
        self.plotter.render()

    # -- model signals -----------------------------------------------------------------
    def _on_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self._update_header()
        if not busy and self.model.result is None and self.model.error is None:
            self._draw()

    def _on_progress(self, text: str, fraction: float) -> None:
        self._update_header()
        self.status.setText(text + "…")
        self.progress_bar.setToolTip(f"{100 * max(0.0, min(1.0, fraction)):.0f} %")

    def _on_cancelled(self) -> None:
        self.status.setText(translate("Compare", "Comparison cancelled; choose a scan to "
                                                 "compare again"))
        self._update_header()

    def _on_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(message)
        self.error_label.setVisible(True)
        self.status.setText(translate("Compare", "The comparison failed"))
        self._polys = None
        self._show_figures(None)
        self._draw()
        self._update_header()

    def _on_result(self) -> None:
        if self._closed:
            return
        r = self.model.result
        self.error_label.setVisible(False)
        self._polys = None
        self.range_spin.blockSignals(True)
        self.range_spin.setValue(default_range_mm(r.largest_mm))
        self.range_spin.blockSignals(False)
        self._update_header()
        self.setWindowTitle(translate("Compare", "Compare – {} with {}")
                            .format(r.current.label, r.other.label))
        self._show_figures(r)
        self._draw(fit=True)
        self.status.setText(translate("Compare", "Compared in {} s").format(f"{r.seconds:.1f}"))

    # -- figures -----------------------------------------------------------------------
    def _show_figures(self, res: CompareResult | None) -> None:
        f = self.figures
        if res is None:
            for v in f.values():
                v.setText("–")
            self.table.setRowCount(0)
            return
        r = res.report
        d = r["deviation_mm"]
        reg = r["registration"]
        f["common_level"].setText(translate("Compare", "z = {} mm from the distal end (the lower "
                                                       "of the two scans' tops)")
                                  .format(f"{r['common_top_z_mm']:.0f}"))
        # The core compares B (current) against A (other).
        f["volume_current"].setText(ltr(f"{r['volume_b_ml']:.1f} ml"))
        f["volume_other"].setText(ltr(f"{r['volume_a_ml']:.1f} ml"))
        f["volume_change"].setText(ltr(f"{r['volume_change_ml']:+.1f} ml ({r['volume_change_percent']:+.2f} %)"))
        f["sock_plies"].setText(translate("Compare", "{} (one ply ≈ {} % of the volume)").format(
            ltr(f"{r['sock_ply_equivalent']:+.2f}"), f"{SOCK_PLY_PERCENT:g}"))
        f["deviation_mean"].setText(translate("Compare", "mean {} mm, median {} mm (+: the "
                                                         "current limb is outside the other)")
                                    .format(ltr(f"{d['mean']:+.2f}"), ltr(f"{d['median']:+.2f}")))
        f["deviation_range"].setText(translate("Compare", "{} to {} mm; 95 % of the surface "
                                                          "within ± {} mm")
                                     .format(ltr(f"{d['min']:+.2f}"), ltr(f"{d['max']:+.2f}"),
                                             f"{d['p95']:.2f}"))
        resid = reg.get("residual_rms_mm", reg.get("rmse_mm"))
        change = reg.get("uniform_change_mm") or {}
        parts = [translate("Compare", "limb frames, then fitted: turned {}°, moved {} mm")
                 .format(f"{reg['refinement_deg']:.2f}", f"{reg['refinement_mm']:.2f}")]
        if "distal_end_rise_mm" in reg:
            parts.append(translate("Compare", "distal end lifted {} mm")
                         .format(ltr(f"{reg['distal_end_rise_mm']:+.2f}")))
        if change:
            parts.append(translate("Compare", "uniform thinning {} mm")
                         .format(ltr(f"{change.get('along_normals', 0.0):+.2f}")))
        if resid is not None:
            parts.append(translate("Compare", "residual {} mm (what the pose and a uniform "
                                              "thinning do not explain)").format(f"{resid:.2f}"))
        f["registration"].setText("; ".join(parts))
        rows = r["circumferences"]
        self.table.setRowCount(len(rows))
        for i, c in enumerate(rows):
            pct = 100.0 * c["change_mm"] / c["a_mm"] if c["a_mm"] else 0.0
            for j, text in enumerate((f"{c['z_mm']:.0f}", f"{c['a_mm']:.1f}",
                                      f"{c['b_mm']:.1f}", f"{c['change_mm']:+.1f}",
                                      f"{pct:+.1f}")):
                item = QTableWidgetItem(ltr(text))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)

    # -- the 3D view -------------------------------------------------------------------
    def _meshes(self):
        """The two limbs as PolyData (the current one with its deviation) and their rings,
        made once per result."""
        if self._polys is None:
            res = self.model.result
            comp = res.comparison
            cur = mesh_poly(comp.b.vertices, comp.b.faces)
            cur["deviation_mm"] = res.deviation_mm
            self._polys = (cur, mesh_poly(comp.a.vertices, comp.a.faces),
                           rings_poly(res.rings))
        return self._polys

    def _draw(self, fit: bool = False) -> None:
        if self._closed:
            return
        p = self.plotter
        p.clear_actors()
        for title in list(p.scalar_bars.keys()):
            p.remove_scalar_bar(title, render=False)
        res = self.model.result
        if res is None:
            lines = [translate("CompareWindow", "Choose the other scan to compare with")
                     if not self.model.busy else translate("CompareWindow", "Comparing…")]
        elif self.mode == "deviation":
            cur = self._meshes()[0]
            r = self.range_mm
            bar = view_text(translate("CompareWindow", BAR_TITLE))
            p.add_mesh(cur, scalars="deviation_mm", cmap="RdBu_r", clim=(-r, r),
                       nan_color=SKIN, smooth_shading=True, specular=0.15,
                       name="deviation", render=False,
                       scalar_bar_args={"title": bar, "vertical": True,
                                        "position_x": 0.86, "position_y": 0.2,
                                        "height": 0.6, "width": 0.08, "title_font_size": 14,
                                        "label_font_size": 12, "fmt": "%.1f",
                                        "color": "black", "n_labels": 5})
            bar_title(p, bar)
            lines = [translate("CompareWindow", "The current limb ({}) against {}: red where it "
                                                "is outside (more volume), blue inside (less)")
                     .format(res.current.label, res.other.label),
                     translate("CompareWindow", "Skin colour: above the common level ({}), not "
                                                "compared")
                     .format(f"z = {res.report['common_top_z_mm']:.0f} mm")]
        else:
            cur, other, other_rings = self._meshes()
            p.add_mesh(cur, color=SKIN, smooth_shading=True, specular=0.2, name="current",
                       render=False)
            p.add_mesh(other, color=OTHER, opacity=0.25, smooth_shading=True, name="other",
                       render=False)
            # The other limb's outline at the table's levels (the current limb's own rings
            # would lie in its surface, hidden).
            if other_rings.n_points:
                p.add_mesh(other_rings, color=OTHER_RING, line_width=2, name="rings_other",
                           render=False)
            lines = [translate("CompareWindow", "Current limb ({}, skin) and {} (translucent "
                                                "blue), registered")
                     .format(res.current.label, res.other.label),
                     translate("CompareWindow", "Blue rings: the other limb at the levels of the "
                                                "circumference table")]
        p.add_text(view_text("\n".join(lines)), position="upper_left", font_size=10, color=TEXT,
                   name="caption", render=False, **text_options())
        if res is not None and (fit or not p.camera_set):
            self.set_view(self._view, render=False)
        add_view_label(p, self._view)
        p.render()

    def set_view(self, name: str, render: bool = True) -> None:
        """Look at the limbs from a standard direction (:data:`~.viewport.VIEWS`), fitted."""
        self._view = name
        d, up = VIEWS[name]
        d = np.asarray(d, dtype=float) / np.linalg.norm(d)
        p = self.plotter
        b = np.asarray(p.bounds, dtype=float)
        if not np.all(np.isfinite(b)) or b[1] <= b[0]:
            return
        c = np.array([(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2])
        size = float(np.linalg.norm([b[1] - b[0], b[3] - b[2], b[5] - b[4]])) or 100.0
        p.camera_position = [tuple(c + d * 3 * size), tuple(c), tuple(up)]
        p.reset_camera()
        add_view_label(p, name)
        if render:
            p.render()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if obj is self.parent() and event.type() == QEvent.Type.Close and not self._closed:
            self.close()
        return False

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._closed = True
        self.model.shutdown()
        # The window may live on as the main window's child: let the meshes go.
        self.model.result = None
        self._polys = None
        try:
            self.plotter.close()
        except Exception:  # noqa: BLE001 - closing twice at exit
            pass
        super().closeEvent(event)


# -- opening it from the main window -------------------------------------------------------
def ask_scan_file(parent: QWidget, start) -> str:
    """Ask for a scan file of the same limb ("" when cancelled)."""
    pats = " ".join(f"*{s}" for s in SCAN_SUFFIXES)
    path, _ = QFileDialog.getOpenFileName(
        parent, translate("Compare", "Compare with another scan of the limb"), str(start),
        translate("FileActions", "Scans ({});;All files (*)").format(pats))
    return path


def case_scans(model) -> tuple[list[Limb], int]:
    """The open case's scans other than the one designed on, and which to compare with
    first (the latest one before it)."""
    case = model.case_info() if model.case_folder is not None else None
    if case is None:
        return [], -1
    here = model.session.scan_path.resolve()
    out, before = [], -1
    for entry in case.scans:
        path = (case.path / entry["file"]).resolve()
        if path == here:
            before = len(out) - 1
            continue
        when = entry.get("captured_on") or (entry.get("added_utc") or "")[:10]
        out.append(Limb(path=path, label=f"{entry['id']} ({when})" if when else entry["id"],
                        units=entry.get("units")))
    if not out:
        return [], -1
    return out, before if before >= 0 else len(out) - 1


def compare_with(parent: QWidget, model, path=None) -> CompareWindow | None:
    """Open the compare window for the main window's design ``model``, comparing with
    ``path``, or with the case's previous scan, or with a file the user picks (None when
    the user cancels)."""
    from .edits import settings_of

    s = model.session
    scans, first = case_scans(model)
    if path is None and not scans:
        path = ask_scan_file(parent, s.scan_path.parent)
        if not path:
            return None
    mesh = model.aligned.mesh.copy() if model.aligned is not None else None
    current = Limb(path=s.scan_path, label=s.scan_path.name, units=model.units, mesh=mesh)
    spacing = table_spacing_mm(float(model.groups["measure"].circumference_spacing_mm))
    cm = CompareModel(current, template=str(s.preset.path), settings=settings_of(model.groups),
                      spacing_mm=spacing)
    # A child window of the main one: it closes with it, and does not keep the application
    # running on its own.
    win = CompareWindow(cm, scans, parent=parent)
    cm.setParent(win)
    win.resize(1500, 950)
    win.show()
    if path is not None:
        win.compare_file(path)
    else:
        win.scan_combo.setCurrentIndex(first)
        win.compare_with(scans[first])
    return win


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m prosthetics_gui.comparewindow",
                                 description="Compare two scans of one limb in a window.")
    ap.add_argument("current", help="the current scan")
    ap.add_argument("other", help="the other (earlier) scan of the same limb")
    ap.add_argument("--units", choices=("mm", "cm", "m"), help="units of both scans")
    ap.add_argument("--template", help="preset for cleaning and aligning (default transtibial)")
    ap.add_argument("--mode", choices=("deviation", "overlay"), default="deviation")
    ap.add_argument("--view", choices=STANDARD_VIEWS, default="anterior")
    ap.add_argument("--screenshot", metavar="PNG")
    ap.add_argument("--size", default="1500x950")
    args = ap.parse_args(argv)
    app = QApplication.instance()
    if app is None:
        from .language import install_language

        app = QApplication(sys.argv[:1])
        install_language(app)
    cur = Path(args.current)
    cm = CompareModel(Limb(path=cur, label=cur.name, units=args.units), template=args.template)
    win = CompareWindow(cm)
    cm.setParent(win)
    w, h = (int(v) for v in args.size.split("x"))
    win.resize(w, h)
    win.show()
    other = Path(args.other)
    win.compare_with(Limb(path=other, label=other.name, units=args.units))
    win._view = args.view
    win.set_mode(args.mode)
    if args.screenshot:
        cm.wait_idle()
        for _ in range(20):
            app.processEvents()
            time.sleep(0.05)
        if cm.result is not None:
            r = cm.result
            print(f"compared in {r.seconds:.1f} s {r.timings_s}", file=sys.stderr)
        ok = win.grab().save(args.screenshot)
        if cm.error:
            print(f"prosthetics-gui: error: {cm.error}", file=sys.stderr)
        return 0 if ok and cm.result is not None else 2
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
