"""The Section and tape panel (Tools > Section and tape…), docked on the right of the window.

A level (mm above the distal end) shows the contours of the limb, the socket's cavity and
its outer wall there, with their circumferences, the wall thickness round the axis and the
cavity's area against the limb's (``prosthetics.sockets.sections``); the level is drawn in
the 3D view as a translucent disc, with a plane widget held normal to the limb's axis: the
plane dragged up or down the limb (left button) moves the level.  While it moves, the
figures follow at whole millimetres, a section at most every :data:`DRAG_UPDATE_MS` (the
newest level replacing one that waits; the plot, a few tenths of a second to draw, waits);
on release the whole section is shown at the level reached, to a tenth of a millimetre.
The tape measures between two points picked on the limb, along the surface and straight
(``prosthetics.limb.tape``), and draws its path in the view.

Both are computed in a pool thread of the panel's own (sections take about 10 ms; the tape's
solver about 0.2 s to set up on a limb, then about 15 ms a measurement): on private copies
of the meshes, so that the design's own worker never shares a mesh's caches with them.  The
design model's job pump is not involved.  The geodesic solver (potpourri3d) holds Python's
lock while it sets up, so the window pauses for that once per limb; it is set up when the
tape is first asked for, before the clicks.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import trimesh
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from prosthetics.limb.tape import Tape, TapeMeasure
from prosthetics.sockets.sections import SocketSection, socket_section

from .chart import LIMB, SOCKET
from .language import ltr, ltr_number_box, translate
from .worker import Job, make_pool, run_until

OUTER = "#17324d"
WALL_FILL = "#c9d8ea"
THIN = "#c0392b"
#: Steps whose view is in the limb frame: the panel works there.
STEPS_IN_LIMB_FRAME = ("align", "measure", "rectify", "template", "export")
MPT = "mid_patellar_tendon"
#: While the section plane is dragged, a section is asked for at most this often (ms).
DRAG_UPDATE_MS = 120


def _private(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """A copy with its own arrays and caches, for use in the panel's thread."""
    return trimesh.Trimesh(np.array(mesh.vertices), np.array(mesh.faces), process=False)


def _mm(v: float | None, sign: bool = False) -> str:
    if v is None:
        return "—"
    return ltr(f"{v:+.1f} mm" if sign else f"{v:.1f} mm")



def _value_rows(grid, first_row: int, prefix: str, rows) -> dict[str, QLabel]:
    """A label and a selectable value ("—" until set) per (key, text) row of ``grid`` from
    ``first_row``; the values by key (object names ``<prefix>_<key>``)."""
    out: dict[str, QLabel] = {}
    for i, (key, text) in enumerate(rows):
        grid.addWidget(QLabel(text), first_row + i, 0)
        v = QLabel("—")
        v.setObjectName(f"{prefix}_{key}")
        v.setWordWrap(True)
        v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(v, first_row + i, 1)
        out[key] = v
    return out

class SectionPlot(FigureCanvasQTAgg):
    """The three contours of one level, seen from above (+X the patient's right, +Y
    anterior), in mm."""

    def __init__(self, parent=None):
        self.figure = Figure(figsize=(3.6, 3.4), dpi=90, layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        self.setMinimumHeight(300)
        self.ax = self.figure.subplots()
        #: What is drawn: name -> list of (k, 2) polylines (for the tests).
        self.series: dict = {}
        self.show_section(None)

    def show_section(self, s: SocketSection | None, note: str = "") -> None:
        ax = self.ax
        ax.clear()
        self.series = {}
        if s is None or s.limb is None and s.cavity is None:
            ax.text(0.5, 0.5, note or "no section at this level", ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
            ax.set_xticks([])
            ax.set_yticks([])
            self.draw_idle()
            return
        if s.outer is not None and s.outer.closed:
            ax.fill(*s.outer.loop.T, color=WALL_FILL, zorder=0)
            if s.cavity is not None and s.cavity.closed:
                ax.fill(*s.cavity.loop.T, color="white", zorder=0)
        # The limb's dashes on top: the cavity follows it within a few millimetres.
        for name, c, colour, style, label, z in (
                ("limb", s.limb, LIMB, "--", "limb", 3),
                ("cavity", s.cavity, SOCKET, "-", "cavity", 2),
                ("outer", s.outer, OUTER, "-", "outer wall", 2)):
            if c is None:
                continue
            self.series[name] = list(c.pieces)
            circ = c.circumference_mm
            text = f"{label} {circ:.1f} mm" if circ is not None else f"{label} (open)"
            for i, piece in enumerate(c.pieces):
                ax.plot(piece[:, 0], piece[:, 1], style, color=colour, linewidth=1.6,
                        label=text if i == 0 else None, zorder=z)
        if s.wall is not None:
            (x0, y0), (x1, y1) = s.wall.thinnest_xy
            ax.plot([x0, x1], [y0, y1], "-", color=THIN, linewidth=2.5, zorder=4,
                    label=f"thinnest {s.wall.min_mm:.1f} mm")
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(f"Section at z = {s.z_mm:.0f} mm, seen from above", fontsize=10)
        ax.set_xlabel("x (mm), patient's right →", fontsize=9)
        ax.set_ylabel("y (mm), anterior →", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#e4e4e4", linewidth=0.6)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                  frameon=False)
        self.draw_idle()


class SectionTapePanel(QWidget):
    """The level, the section plot and its figures, and the tape."""

    sectionShown = Signal(object)     # SocketSection
    tapeShown = Signal(object)        # Tape

    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent)
        self.win = window
        self.model = window.model
        self.viewport = window.viewport
        self.pool = make_pool(self)
        self.active = False
        self.section: SocketSection | None = None
        self.tape: Tape | None = None
        self.picks: list[np.ndarray] = []
        self.picking = False
        self._z_mm: float | None = None
        self._limb = (None, None)        # (the model's mesh, its private copy)
        self._socket = (None, None)      # (the model's SocketResult, one with private copies)
        self._measure: tuple = (None, None)   # (private limb copy, TapeMeasure)
        self._running: Job | None = None
        self._queue: list = []           # at most one section request and one tape request
        self._jobs: set = set()
        #: How many sections were shown while the plane was being dragged (for the tests).
        self.drag_sections = 0
        self._drag_z: float | None = None
        self._drag_timer = QTimer(self)
        self._drag_timer.setSingleShot(True)
        self._drag_timer.setInterval(DRAG_UPDATE_MS)
        self._drag_timer.timeout.connect(self._drag_section)
        self._build()
        self.viewport.sectionDragged.connect(self._on_plane_dragged)
        self.model.stageReady.connect(self._on_stage)
        self.model.sessionChanged.connect(self._on_session)
        window.step_list.currentRowChanged.connect(lambda _row: self.refresh())

    # -- widgets -----------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8a5a00")
        lay.addWidget(self.note)

        box = QGroupBox(translate("SectionTape", "Section"))
        g = QGridLayout(box)
        g.addWidget(QLabel(translate("SectionTape", "Level above the distal end")), 0, 0, 1, 2)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("section_slider")
        self.spin = QDoubleSpinBox()
        self.spin.setObjectName("section_level")
        self.spin.setDecimals(1)
        self.spin.setSingleStep(1.0)
        self.spin.setSuffix(" mm")
        self.spin.setToolTip(translate("SectionTape", "Or drag the plane in the 3D view up and "
                                                      "down the limb"))
        ltr_number_box(self.spin)
        self.spin.setKeyboardTracking(False)
        self.slider.valueChanged.connect(lambda v: self.set_level(float(v)))
        self.spin.valueChanged.connect(lambda v: self.set_level(float(v)))
        g.addWidget(self.slider, 1, 0)
        g.addWidget(self.spin, 1, 1)
        self.mpt_label = QLabel()
        self.mpt_label.setObjectName("mpt_label")
        self.mpt_btn = QPushButton(translate("SectionTape", "Go to MPT"))
        self.mpt_btn.setToolTip(translate("SectionTape", "Put the level at the mid-patellar "
                                                         "tendon landmark"))
        self.mpt_btn.clicked.connect(self._go_to_mpt)
        g.addWidget(self.mpt_label, 2, 0)
        g.addWidget(self.mpt_btn, 2, 1)
        self.plot = SectionPlot(box)
        g.addWidget(self.plot, 3, 0, 1, 2)
        self.figures = _value_rows(g, 4, "figure", (
            ("limb", translate("SectionTape", "Limb circumference")),
            ("cavity", translate("SectionTape", "Cavity circumference")),
            ("outer", translate("SectionTape", "Outer circumference")),
            ("wall", translate("SectionTape", "Wall min / mean / max")),
            ("area", translate("SectionTape", "Cavity area vs limb"))))
        self.figures["wall"].setToolTip(translate(
            "SectionTape", "Over 360 points along the cavity contour, to the outer contour, in "
                           "the horizontal plane (a sloped wall reads a little thicker)"))
        self.figures["area"].setToolTip(translate(
            "SectionTape", "The cavity's area at this level against the limb's: negative where "
                           "the limb is compressed"))
        g.setColumnStretch(1, 1)
        lay.addWidget(box)

        box = QGroupBox(translate("SectionTape", "Tape"))
        g = QGridLayout(box)
        row = QHBoxLayout()
        self.pick_btn = QPushButton(translate("SectionTape", "Pick two points"))
        self.pick_btn.setObjectName("tape_pick")
        self.pick_btn.setCheckable(True)
        self.pick_btn.setToolTip(translate("SectionTape", "The next two left clicks on the limb "
                                                          "in the 3D view set A and B (through "
                                                          "the socket)"))
        self.pick_btn.toggled.connect(self._toggle_picking)
        self.clear_btn = QPushButton(translate("SectionTape", "Clear"))
        self.clear_btn.clicked.connect(self.clear_tape)
        row.addWidget(self.pick_btn)
        row.addWidget(self.clear_btn)
        row.addStretch(1)
        g.addLayout(row, 0, 0, 1, 2)
        self.tape_status = QLabel(translate("SectionTape", "Press “Pick two points”, then click "
                                                           "A and B on the limb."))
        self.tape_status.setWordWrap(True)
        g.addWidget(self.tape_status, 1, 0, 1, 2)
        self.tape_labels = _value_rows(g, 2, "tape", (
            ("geodesic", translate("SectionTape", "Along the surface")),
            ("straight", translate("SectionTape", "Straight")),
            ("a", "A  (x, y, z)"), ("b", "B  (x, y, z)")))
        for key in ("geodesic", "straight"):
            f = self.tape_labels[key].font()
            f.setBold(True)
            self.tape_labels[key].setFont(f)
        g.setColumnStretch(1, 1)
        lay.addWidget(box)
        lay.addStretch(1)

    # -- what the model holds ------------------------------------------------------------
    def _limb_copy(self) -> trimesh.Trimesh | None:
        a = self.model.aligned
        mesh = None if a is None else a.mesh
        if mesh is None:
            self._limb = (None, None)
        elif self._limb[0] is not mesh:
            self._limb = (mesh, _private(mesh))
        return self._limb[1]

    def _socket_copy(self):
        s = self.model.socket
        if s is None:
            self._socket = (None, None)
        elif self._socket[0] is not s:
            self._socket = (s, dataclasses.replace(
                s, inner_surface=_private(s.inner_surface),
                outer_surface=_private(s.outer_surface)))
        return self._socket[1]

    def in_limb_frame(self) -> bool:
        return self.win.step in STEPS_IN_LIMB_FRAME and self.model.aligned is not None

    def mpt_z_mm(self) -> float | None:
        s = self.model.socket
        marks = getattr(s, "landmarks", None) if s is not None else None
        points = getattr(marks, "points", None) or {}
        return float(np.asarray(points[MPT])[2]) if MPT in points else None

    # -- showing -------------------------------------------------------------------------
    def set_active(self, on: bool) -> None:
        """The panel is shown (its plane and tape in the view) or hidden (neither)."""
        self.active = bool(on)
        if not on:
            self.pick_btn.setChecked(False)
            self.viewport.show_section_plane(None)
            self.viewport.show_tape(None)
        else:
            self.refresh()

    def refresh(self) -> None:
        """Bring the panel up to date with the model and the step shown."""
        if not self.active:
            return
        ok = self.in_limb_frame()
        for w in (self.slider, self.spin, self.pick_btn, self.clear_btn):
            w.setEnabled(ok)
        if not ok:
            self.pick_btn.setChecked(False)
            self.note.setText(translate("SectionTape", "The section and the tape work on the "
                                                       "limb in its own frame: on the Align to "
                                                       "Export steps, once the limb is "
                                                       "aligned."))
            self.note.show()
            self.viewport.show_section_plane(None)
            self.viewport.show_tape(None)
            return
        self.note.setVisible(self.model.socket is None)
        self.note.setText(translate("SectionTape", "No socket yet: the limb's contour only."))
        limb = self.model.aligned.mesh
        top = float(limb.vertices[:, 2].max())
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.slider.setRange(0, int(np.floor(top)))
        self.spin.setRange(0.0, round(top, 1))
        if self._z_mm is None:
            s = self.model.socket
            self._z_mm = round(0.5 * (s.wall_check_above_z_mm + s.trim_lowest_z_mm)) \
                if s is not None else round(0.5 * top)
        self._z_mm = float(min(max(self._z_mm, 0.0), top))
        self.slider.setValue(int(round(self._z_mm)))
        self.spin.setValue(self._z_mm)
        for w in (self.slider, self.spin):
            w.blockSignals(False)
        mpt = self.mpt_z_mm()
        self.mpt_label.setText(translate("SectionTape", "MPT at {} mm").format(f"{mpt:.1f}")
                               if mpt is not None
                               else translate("SectionTape", "MPT: no landmark yet"))
        self.mpt_btn.setEnabled(mpt is not None)
        self.viewport.show_section_plane(self._z_mm)
        self.viewport.show_tape(self._tape_points())
        self._request_section()

    def set_level(self, z_mm: float, *, dragging: bool = False) -> None:
        """Show the section at ``z_mm`` (mm above the distal end).  ``dragging``: the plane
        is being dragged there; the plane follows at once, the section at most every
        :data:`DRAG_UPDATE_MS`."""
        z = float(z_mm)
        if self._z_mm is not None and abs(z - self._z_mm) < 1e-9:
            return
        self._z_mm = z
        for w, v in ((self.slider, int(round(z))), (self.spin, z)):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        if self.active and self.in_limb_frame():
            self.viewport.show_section_plane(z)
            if dragging:
                self._drag_z = z
                if not self._drag_timer.isActive():
                    self._drag_timer.start()
            else:
                self._drag_z = None
                self._drag_timer.stop()
                self._request_section()

    def _on_plane_dragged(self, z_mm: float, released: bool) -> None:
        """The plane in the view moved to ``z_mm``: whole millimetres while it moves, a
        tenth of a millimetre where it is let go."""
        if not (self.active and self.in_limb_frame()):
            return
        top = self.spin.maximum()
        z = min(max(float(z_mm), 0.0), top)
        if released:
            self._z_mm = None              # the section at the release is always asked for
            self.set_level(round(z, 1))
        else:
            self.set_level(float(round(z)), dragging=True)

    def _drag_section(self) -> None:
        """The throttled section of the dragged plane's newest level."""
        if self._drag_z is not None and self._z_mm == self._drag_z:
            self._request_section()

    @property
    def level_mm(self) -> float | None:
        return self._z_mm

    def _go_to_mpt(self) -> None:
        mpt = self.mpt_z_mm()
        if mpt is not None:
            self.set_level(round(mpt, 1))

    def _show_section(self, s: SocketSection) -> None:
        if self._drag_z is None and (self._z_mm is None or abs(s.z_mm - self._z_mm) > 1e-6):
            return              # a newer level is on its way (while dragging: shown anyway)
        self.section = s
        if self._drag_z is not None:
            # While the plane moves, the figures only: drawing the plot takes a few tenths
            # of a second, the frames of the view come first.  It follows on release.
            self.drag_sections += 1
        else:
            note = "" if s.limb is not None else "the limb does not reach this level"
            self.plot.show_section(s, note)

        def circ(c, what):
            if c is None:
                return "—" if what != "limb" or s.limb is not None \
                    else translate("SectionTape", "not reached")
            return _mm(c.circumference_mm) if c.closed \
                else translate("SectionTape", "open (trim line)")

        self.figures["limb"].setText(circ(s.limb, "limb"))
        self.figures["cavity"].setText(circ(s.cavity, "cavity"))
        self.figures["outer"].setText(circ(s.outer, "outer"))
        w = s.wall
        self.figures["wall"].setText("—" if w is None else
                                     ltr(f"{w.min_mm:.1f} / {w.mean_mm:.1f} / {w.max_mm:.1f} mm"))
        a = s.cavity_area_change_percent
        self.figures["area"].setText("—" if a is None else ltr(f"{a:+.1f} %"))
        self.sectionShown.emit(s)

    # -- the tape ------------------------------------------------------------------------
    def _toggle_picking(self, on: bool) -> None:
        if on == self.picking:
            return
        if on:
            if not self.in_limb_frame() or not self.viewport.start_point_picking(self.pick):
                self.pick_btn.setChecked(False)
                return
            self.picking = True
            self.picks = []
            self.tape_status.setText(translate("SectionTape", "Click point A on the limb (1 of 2)…"))
            self._request_tape(None)           # set the solver up while the user aims
        else:
            self.picking = False
            self.viewport.stop_point_picking()
            if len(self.picks) == 1:
                self.picks = []
                self.viewport.show_tape(self._tape_points())
                self.tape_status.setText(translate("SectionTape", "Picking stopped."))

    def pick(self, point) -> None:
        """A point (3,) mm picked on the limb: A, then B (then the tape is measured)."""
        if self.model.aligned is None:
            return
        p = np.asarray(point, dtype=float).reshape(3)
        if len(self.picks) >= 2:
            self.picks = []
        self.picks.append(p)
        if len(self.picks) == 1:
            self.tape = None
            for v in self.tape_labels.values():
                v.setText("—")
            self.tape_labels["a"].setText(self._xyz(p))
            self.tape_status.setText(translate("SectionTape", "Click point B on the limb (2 of 2)…"))
            self.viewport.show_tape(p[None])
            return
        self.tape_labels["b"].setText(self._xyz(p))
        self.tape_status.setText(translate("SectionTape", "Measuring…"))
        self.pick_btn.setChecked(False)
        self._request_tape((self.picks[0], self.picks[1]))

    def clear_tape(self) -> None:
        self.pick_btn.setChecked(False)
        self.picks = []
        self.tape = None
        for v in self.tape_labels.values():
            v.setText("—")
        self.tape_status.setText(translate("SectionTape", "Press “Pick two points”, then click "
                                                          "A and B on the limb."))
        self.viewport.show_tape(None)

    def _tape_points(self) -> np.ndarray | None:
        if self.tape is not None:
            return self.tape.path_mm
        if len(self.picks) == 1:
            return self.picks[0][None]
        return None

    @staticmethod
    def _xyz(p) -> str:
        return ltr(f"{p[0]:.1f}, {p[1]:.1f}, {p[2]:.1f} mm")

    def _show_tape(self, t: Tape) -> None:
        self.tape = t
        self.picks = [t.a_mm, t.b_mm]
        self.tape_labels["geodesic"].setText(_mm(t.geodesic_mm))
        self.tape_labels["straight"].setText(_mm(t.straight_mm))
        self.tape_labels["a"].setText(self._xyz(t.a_mm))
        self.tape_labels["b"].setText(self._xyz(t.b_mm))
        self.tape_status.setText(
            translate("SectionTape", "Tape from A to B.") if t.method == "edge_flip"
            else translate("SectionTape", "Tape from A to B (along the mesh's edges: the "
                                          "surface is not manifold, so a little long)."))
        self.viewport.show_tape(t.path_mm)
        self.tapeShown.emit(t)

    # -- jobs (one at a time in the panel's own pool) ------------------------------------
    def _request_section(self) -> None:
        limb = self._limb_copy()
        if limb is None or self._z_mm is None:
            return
        self._enqueue("section", (limb, self._socket_copy(), float(self._z_mm)))

    def _request_tape(self, ends) -> None:
        """Measure between ``ends`` ((3,), (3,)); None: only set the solver up."""
        limb = self._limb_copy()
        if limb is not None:
            self._enqueue("tape", (limb, ends))

    def _enqueue(self, kind: str, args) -> None:
        self._queue = [q for q in self._queue if q[0] != kind] + [(kind, args)]
        self._next()

    def _next(self) -> None:
        if self._running is not None or not self._queue:
            return
        kind, args = self._queue.pop(0)
        if kind == "section":
            limb, sock, z = args

            def fn(_job):
                return socket_section(limb, sock, z)
        else:
            limb, ends = args
            held = self._measure

            def fn(_job):
                tm = held[1] if held[0] is limb else TapeMeasure(limb).prepare()
                return tm, (None if ends is None else tm.measure(*ends))
        job = Job(kind, fn, limb=args[0])
        job.signals.finished.connect(self._on_done)
        job.signals.failed.connect(self._on_failed)
        self._running = job
        self._jobs.add(job)
        self.pool.start(job)

    def _on_done(self, job: Job, result) -> None:
        self._finish(job)
        if job.info["limb"] is not self._limb[1]:
            pass                    # computed on a limb that has been replaced since
        elif job.kind == "section":
            self._show_section(result)
        else:
            tm, t = result
            self._measure = (job.info["limb"], tm)
            if t is not None:
                self._show_tape(t)
        self._next()

    def _on_failed(self, job: Job, exc, _tb) -> None:
        self._finish(job)
        if job.kind == "tape":
            self.tape_status.setText(translate("SectionTape", "Cannot measure: {}").format(exc))
        else:
            self.plot.show_section(None, f"cannot cut the section: {exc}")
        self._next()

    def _finish(self, job: Job) -> None:
        self._jobs.discard(job)
        if self._running is job:
            self._running = None

    # -- model signals -------------------------------------------------------------------
    def _on_stage(self, stage: str) -> None:
        if stage == "align" and self.model.aligned is not None \
                and self.model.aligned.mesh is not self._limb[0]:
            self.clear_tape()
        if stage in ("align", "template", "preview", "socket_view"):
            self.refresh()

    def _on_session(self) -> None:
        self.clear_tape()
        self._z_mm = None
        self.section = None
        self.refresh()

    def wait_idle(self) -> bool:
        """Nothing queued or running (for the tests)."""
        return self._running is None and not self._queue


class SectionTapeDock(QDockWidget):
    """The panel in a dock on the right of the main window."""

    def __init__(self, window):
        super().__init__(translate("SectionTape", "Section and tape"), window)
        self.setObjectName("section_tape_dock")
        self.panel = SectionTapePanel(window)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.panel)
        scroll.setMinimumWidth(370)
        self.setWidget(scroll)
        self.visibilityChanged.connect(self.panel.set_active)


def show_panel(window) -> SectionTapeDock | None:
    """Show the Section and tape dock of ``window`` (made on first use); None until the
    window has its model and 3D view."""
    if window.model is None or window.viewport is None:
        return None
    dock = getattr(window, "section_tape", None)
    if dock is None:
        dock = SectionTapeDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.section_tape = dock
    dock.show()
    dock.raise_()
    dock.panel.set_active(True)
    return dock


def timed_plane_drag(viewport, start, path, pause_s: float = 0.0) -> list[float]:
    """Drag the section plane of ``viewport`` from world point ``start`` (on the plane)
    through world points ``path`` by sending mouse events to the view, the event loop
    running ``pause_s`` between moves; returns each move's time from event to rendered
    frame (ms).  For the benchmark and the tests."""
    w = viewport.plotter
    ren = w.renderer

    def send(kind, point) -> None:
        ren.SetWorldPoint(*[float(c) for c in point], 1.0)
        ren.WorldToDisplay()
        x, y, _ = ren.GetDisplayPoint()
        dpr = w.devicePixelRatioF()
        x, y = x / dpr, w.height() - 1 - y / dpr
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease \
            else Qt.MouseButton.LeftButton
        QApplication.sendEvent(w, QMouseEvent(kind, QPointF(x, y), QPointF(x, y),
                                              Qt.MouseButton.LeftButton, held,
                                              Qt.KeyboardModifier.NoModifier))

    times = []
    send(QEvent.Type.MouseButtonPress, start)
    for q in path:
        t0 = time.perf_counter()
        send(QEvent.Type.MouseMove, q)
        times.append(1000.0 * (time.perf_counter() - t0))
        if pause_s > 0:
            run_until(lambda: False, pause_s)
    send(QEvent.Type.MouseButtonRelease, path[-1] if len(path) else start)
    return times
