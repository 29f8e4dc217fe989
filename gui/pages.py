"""The step pages of the side panel: Scan, Clean, Align, Measure, Rectify, Template, Export.

Each page shows its parameters (forms from ``describe_parameters``) and what the model
holds for its step; edits go to the model (``DesignModel.edit``), never to the session.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from prosthetics.sockets.zones import ZONES

from .forms import ComboBox, ParamForm
from .messages import humanize

STEPS = ("scan", "clean", "align", "measure", "rectify", "template", "export")
STEP_TITLES = {"scan": "Scan", "clean": "Clean", "align": "Align", "measure": "Measure",
               "rectify": "Rectify", "template": "Template", "export": "Export"}
RECTIFY_PARAMS = ["reduction_percent", "liner_offset_mm"]
LANDMARK_PARAMS = ["limb_side", "mpt_height_mm", "zone_falloff_mm"]
ZONE_PARAMS = [f"{zone}_{what}" for zone in ZONES for what in ("depth_mm", "size_mm")]
TRIM_PARAMS = ["wall_thickness_mm", "distal_wall_thickness_mm", "trim_height_mm",
               "trim_above_mpt_mm",
               "trim_below_scan_top_mm", "posterior_trim_drop_mm", "posterior_cut_width_deg"]


#: The file formats as the Export page names them.
FORMAT_WORDS = {"stl": "STL", "3mf": "3MF", "step": "STEP (CAD)", "aop": "AAOP"}

#: Cleaning steps whose counts are triangles of a surface (the others count points).
TRIANGLE_STEPS = frozenset({"keep mesh", "reconstruct", "hole fill", "decimate"})


def clean_step_unit(step: dict) -> str:
    """What a cleaning step's kept and removed numbers count: "points" or "triangles"."""
    return str(step.get("unit") or ("triangles" if step.get("step") in TRIANGLE_STEPS
                                    else "points"))


def anterior_text(aligned) -> str:
    """What the anterior angle of the alignment means, in words."""
    g = float(aligned.anterior_guess_deg)
    fit = getattr(aligned, "anatomy", None)
    source = (f"the anatomy (a fitted model of limbs and their bones, confidence "
              f"{fit.confidence:.0%}; the bones in the view are its suggestion)"
              if fit is not None else "the shape of the limb's sections")
    turn = ("the scan's +Y" if abs(g) < 0.5 else
            f"rotated {abs(g):.0f}° {'counter-clockwise' if g > 0 else 'clockwise'} (seen from "
            f"proximal) from the scan's +Y")
    return f"Anterior direction found from {source}: {turn}; the limb is turned so that it " \
           f"faces +Y."


def _label(text: str = "", *, rich: bool = False) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return lab


def _ok(flag) -> str:
    if flag is None:
        return "<span style='color:#777'>–</span>"
    return ("<span style='color:#1e7b34'><b>✓</b></span>" if flag
            else "<span style='color:#b3261e'><b>✗</b></span>")


class Page(QWidget):
    """A step page: a title, a short explanation, forms and information."""

    step = ""
    intro = ""

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.forms: list[ParamForm] = []
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(10, 8, 10, 8)
        title = QLabel(STEP_TITLES[self.step])
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        title.setFont(f)
        self.lay.addWidget(title)
        if self.intro:
            intro = _label(self.intro)
            intro.setStyleSheet("color: #444;")
            self.lay.addWidget(intro)
        self.build()
        self.lay.addStretch(1)

    def build(self) -> None:
        """Add the page's widgets (overridden)."""

    def add_form(self, names: list[str], title: str | None = None,
                 named_choices: dict | None = None, multi_choices: dict | None = None
                 ) -> ParamForm:
        form = ParamForm(self.model.rows(), names, named_choices, multi_choices=multi_choices)
        form.edited.connect(self.model.edit)
        self.forms.append(form)
        if title:
            box = QGroupBox(title)
            bl = QVBoxLayout(box)
            bl.setContentsMargins(8, 4, 8, 4)
            bl.addWidget(form)
            self.lay.addWidget(box)
        else:
            self.lay.addWidget(form)
        return form

    def sync_values(self, names=None) -> None:
        """Put the model's values into the forms."""
        if not self.model.groups:
            return
        for form in self.forms:
            values = {}
            for n, f in form.fields.items():
                if names is not None and n not in names:
                    continue
                try:
                    values[n] = self.model.value(n)
                except KeyError:    # not a parameter of the current template: hide it
                    form.layout_.setRowVisible(f.widget, False)
                    continue
                form.layout_.setRowVisible(f.widget, True)
            form.set_values(values)
        self.update_enabled()

    def update_enabled(self) -> None:
        """Grey out fields the current values make irrelevant (overridden)."""

    def show_in_use(self, values: dict) -> None:
        """Show, in the greyed automatic fields, the values the last design used."""
        for form in self.forms:
            for name, f in form.fields.items():
                if hasattr(f, "auto"):
                    form.set_auto_hint(name, values.get(name))

    def field(self, name: str):
        for form in self.forms:
            if name in form.fields:
                return form.fields[name]
        raise KeyError(name)

    def refresh(self, stage: str | None = None) -> None:
        """Show what the model holds now (overridden)."""


class ScanPage(Page):
    step = "scan"
    intro = ("The scan file as read. Its unit is decided from its size unless you choose "
             "one. Open a scan with File > Open scan, drop a file on the window, or open a "
             "saved case.")
    openRequested = Signal()

    def build(self) -> None:
        btn = QPushButton("Open scan…")
        btn.clicked.connect(self.openRequested)
        self.lay.addWidget(btn)
        box = QGroupBox("File")
        form = QFormLayout(box)
        self.info = {}
        for key, label in (("file", "File"), ("kind", "Content"), ("points", "Points"),
                           ("units", "Units"), ("sha", "SHA-256"), ("notes", "Notes")):
            lab = _label()
            self.info[key] = lab
            form.addRow(label, lab)
        self.units = ComboBox()
        self.units.setObjectName("units")
        for text, val in (("automatic (from the size)", None), ("millimetres", "mm"),
                          ("centimetres", "cm"), ("metres", "m")):
            self.units.addItem(text, val)
        self.units.setToolTip("The unit of the scan file's coordinates; automatic decides from "
                              "the object's size (glTF files are always metres)")
        self.units.currentIndexChanged.connect(
            lambda _i: self.model.set_units(self.units.currentData()))
        form.addRow("Read as", self.units)
        self.lay.addWidget(box)

    def refresh(self, stage=None) -> None:
        m = self.model
        s = m.session
        self.units.blockSignals(True)
        self.units.setCurrentIndex(max(0, self.units.findData(m.units)))
        self.units.blockSignals(False)
        if s is None:
            return
        self.info["file"].setText(str(s.scan_path))
        scan = m.scan
        if scan is None:
            for k in ("kind", "points", "units", "sha", "notes"):
                self.info[k].setText("…")
            return
        self.info["kind"].setText(("mesh, " if scan.is_mesh else "point cloud, ")
                                  + ("with colours" if scan.colors is not None else "no colours"))
        self.info["points"].setText(f"{scan.n_input_points:,}")
        self.info["units"].setText(f"{scan.units.value} ({scan.units_source})")
        self.info["sha"].setText(scan.sha256[:16] + "…")
        self.info["sha"].setToolTip(scan.sha256)
        self.info["notes"].setText("; ".join(scan.notes) or "–")


class CleanPage(Page):
    step = "clean"
    intro = ("Removes the floor, hands, clutter and stray points, then rebuilds a closed "
             "limb surface. In the view: left the scan as read (red: removed), right the "
             "cleaned surface.")

    def build(self) -> None:
        self.form = self.add_form([r["name"] for r in self.model.rows() if r["group"] == "clean"])
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("clean_steps")
        self.table.setHorizontalHeaderLabels(["step", "kept", "removed", "counted in"])
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Every row shows: the page scrolls, not a small box inside it.
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lay.addWidget(_label("What each step kept and removed (hover a row for "
                                  "details):"))
        self.lay.addWidget(self.table)
        self._fit_table()

    def _fit_table(self) -> None:
        t = self.table
        h = t.horizontalHeader().sizeHint().height() + 2 * t.frameWidth()
        h += sum(t.rowHeight(i) for i in range(t.rowCount()))
        t.setFixedHeight(h)

    def refresh(self, stage=None) -> None:
        c = self.model.cleaned
        steps = c.steps if c is not None else []
        self.table.setRowCount(len(steps))
        for i, st in enumerate(steps):
            for j, key in enumerate(("step", "kept", "removed")):
                v = st.get(key, "")
                item = QTableWidgetItem(f"{v:,}" if isinstance(v, int) else str(v))
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(str(st.get("detail", "")))
                self.table.setItem(i, j, item)
            unit = QTableWidgetItem(clean_step_unit(st))
            unit.setToolTip(str(st.get("detail", "")))
            self.table.setItem(i, 3, unit)
        self.table.resizeRowsToContents()
        self._fit_table()


class AlignPage(Page):
    step = "align"
    intro = ("The limb's long axis becomes +Z (distal end at z = 0) and anterior +Y. For a "
             "below-knee limb a statistical model of limbs and their bones is fitted to the "
             "scan and gives the anterior, the landmarks and the trim at mid-patella; "
             "otherwise the shape of the sections does. Turn it with the anterior rotation if "
             "the guess is wrong (check it with the Distal view).")

    def build(self) -> None:
        self.add_form([r["name"] for r in self.model.rows() if r["group"] == "align"])
        self.info = _label()
        self.lay.addWidget(self.info)

    def refresh(self, stage=None) -> None:
        a = self.model.aligned
        if a is None:
            self.info.setText("")
            return
        self.info.setText(anterior_text(a) + "\n"
                          f"Axis tilt from the scan's principal axis: {a.axis_tilt_deg:.1f}°"
                          + ("".join(f"\nWarning: {humanize(w, self.model.rows())}"
                                     for w in a.warnings)))
        self.info.setToolTip(
            "The scan's own axes say nothing about which way the limb faces. The program "
            "finds the front of the limb (anterior) and turns the limb about its long axis so "
            "that the front points to +Y. The angle is how far it turned, seen from proximal "
            "(from above). If the front is wrong (check the tibial crest in the Distal view, "
            "Ctrl+5), turn it with Anterior rotation.")


class MeasurePage(Page):
    step = "measure"
    intro = "Circumferences at each level from the distal end, length and volume."

    def build(self) -> None:
        from .chart import MeasureChart

        self.add_form(["circumference_spacing_mm"])
        self.chart = MeasureChart(self)
        self.lay.addWidget(self.chart, 1)
        self.info = _label()
        self.lay.addWidget(self.info)
        self.lay.addWidget(_label("Circumference at each level:"))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("circumferences")
        self.table.setHorizontalHeaderLabels(["height (mm)", "limb (mm)", "socket cavity (mm)"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lay.addWidget(self.table)

    def _fill_table(self, meas, socket_view) -> None:
        levels = meas.levels if meas is not None else []
        cavity = {round(z, 1): c for z, c in
                  (socket_view.inner_circumferences if socket_view is not None else [])}
        t = self.table
        t.setRowCount(len(levels))
        for i, lev in enumerate(levels):
            c = cavity.get(round(lev.z_mm, 1))
            for j, text in enumerate((f"{lev.z_mm:.0f}", f"{lev.perimeter_mm:.1f}",
                                      "–" if c is None else f"{c:.1f}")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, j, item)
        t.resizeRowsToContents()
        h = t.horizontalHeader().sizeHint().height() + 2 * t.frameWidth()
        t.setFixedHeight(h + sum(t.rowHeight(i) for i in range(t.rowCount())))

    def refresh(self, stage=None) -> None:
        m = self.model
        trim = m.socket.trim_anterior_z_mm if m.socket is not None else None
        self.chart.update_chart(m.measurements, m.socket_view, trim)
        meas = m.measurements
        self._fill_table(meas, m.socket_view)
        if meas is None:
            self.info.setText("")
            return
        self.info.setText(f"Length {meas.length_mm:.1f} mm, volume {meas.volume_ml:.1f} ml "
                          f"(closed at z = {meas.volume_top_z_mm:.0f} mm, the top of the "
                          f"scan), {len(meas.levels)} levels")


class RectifyPage(Page):
    step = "rectify"
    intro = ("Shapes the cavity from the limb: the reduction (compression: the "
             "cross-section area at the trim line made smaller by this much), tapered "
             "to 0 at the distal end, regional zones on the landmarks (push-in where the "
             "limb bears load, relief over bone) and the liner allowance. The view colours "
             "the cavity by its distance to the limb.")

    def build(self) -> None:
        self.shaper = None
        self.add_form(RECTIFY_PARAMS)
        self.tools_box = self._build_tools()
        self.lay.addWidget(self.tools_box)
        self.add_form(LANDMARK_PARAMS, "Landmarks")
        self.add_form(ZONE_PARAMS, "Zones: depth (push-in +, relief −) and size")
        self.info = _label(rich=True)
        self.lay.addWidget(self.info)
        self.model.handChanged.connect(self._hand_changed)

    def _build_tools(self) -> QGroupBox:
        from PySide6.QtWidgets import QButtonGroup, QDoubleSpinBox, QGridLayout, QRadioButton

        from .shaping import TOOLS

        box = QGroupBox("Shape on the model (left button in the view)")
        grid = QGridLayout(box)
        self.tool_buttons = QButtonGroup(box)
        for i, (name, text) in enumerate(TOOLS.items()):
            b = QRadioButton(text)
            b.setObjectName(f"tool_{name}")
            b.setChecked(name == "view")
            self.tool_buttons.addButton(b, i)
            b.toggled.connect(lambda on, n=name: on and self.shaper is not None
                              and self.shaper.set_tool(n))
            grid.addWidget(b, i // 3, i % 3)
        self.brush = {}
        for j, (key, text, lo, hi, val, unit) in enumerate((
                ("radius_mm", "Radius", 2.0, 60.0, 12.0, " mm"),
                ("depth_mm", "Depth", 0.1, 10.0, 2.0, " mm"),
                ("falloff_mm", "Fall-off", 0.0, 40.0, 10.0, " mm"),
                ("strength", "Smooth strength", 0.05, 1.0, 0.5, ""))):
            sb = QDoubleSpinBox()
            sb.setObjectName(f"brush_{key}")
            sb.setRange(lo, hi)
            sb.setDecimals(2 if key == "strength" else 1)
            sb.setSingleStep(0.05 if key == "strength" else 0.5)
            sb.setValue(val)
            sb.setSuffix(unit)
            sb.valueChanged.connect(lambda v, k=key: self.shaper is not None
                                    and setattr(self.shaper, k, float(v)))
            grid.addWidget(QLabel(text), 3 + j, 0)
            grid.addWidget(sb, 3 + j, 1, 1, 2)
            self.brush[key] = sb
        self.live = _label(rich=True)
        self.live.setObjectName("live_volume")
        grid.addWidget(self.live, 7, 0, 1, 3)
        row = QHBoxLayout()
        for text, slot, name in (("Confirm landmarks", self._confirm_all, "confirm_landmarks"),
                                 ("Remove last stroke", self._drop_last, "drop_stroke"),
                                 ("Clear", self._clear_strokes, "clear_strokes")):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            row.addWidget(b)
        grid.addLayout(row, 8, 0, 1, 3)
        self.hand_list = _label(rich=True)
        self.hand_list.setObjectName("hand_list")
        grid.addWidget(self.hand_list, 9, 0, 1, 3)
        return box

    def attach_shaper(self, shaper) -> None:
        self.shaper = shaper
        shaper.liveChanged.connect(self._show_live)
        for key, sb in self.brush.items():
            setattr(shaper, key, float(sb.value()))

    def _show_live(self, fig: dict) -> None:
        self.live.setText(
            f"Cavity volume {fig['volume_change_percent']:+.1f} % against the limb to the "
            f"trim line ({fig['sock_plies']:+.1f} sock plies)")

    def _confirm_all(self) -> None:
        if self.shaper is None:
            return
        h = self.model.hand
        names = set(self.shaper.landmark_points()) - set(h.confirmed) - set(h.landmarks)
        if names:
            self.model.set_hand(h.replace(confirmed=h.confirmed | names),
                                f"Confirm {len(names)} guessed landmarks")

    def _drop_last(self) -> None:
        h = self.model.hand
        if h.strokes:
            self.model.set_hand(h.replace(strokes=h.strokes[:-1]),
                                f"Remove the stroke \"{h.strokes[-1].describe()}\"")

    def _clear_strokes(self) -> None:
        h = self.model.hand
        if h.strokes or h.protect:
            self.model.set_hand(h.replace(strokes=(), protect=()),
                                f"Remove all {len(h.strokes)} strokes and the protected regions")

    def _hand_changed(self) -> None:
        h = self.model.hand
        lines = [f"{i}. {s.describe()}" for i, s in enumerate(h.strokes, 1)]
        if h.protect:
            lines.append(f"{len(h.protect)} protected region(s)")
        if h.trim_points:
            lines.append("Trim line set by hand at: " + ", ".join(
                f"{k.replace('_', ' ')} {v[2]:.0f} mm" for k, v in h.trim_points.items()))
        self.hand_list.setText("<br>".join(html.escape(x) for x in lines) if lines else
                               "<span style='color:#777'>No strokes yet.</span>")

    def refresh(self, stage=None) -> None:
        sv = self.model.socket_view
        sock = self.model.socket
        if self.shaper is not None and sock is not None:
            self._show_live(self.shaper.live_figures(sock.grid.inner, sock.grid.inner_pole))
        if sv is None:
            self.info.setText("")
            return
        st = sv.stats()
        self.info.setText(
            f"<table cellspacing=3>"
            f"<tr><td>Limb volume below the trim</td><td align=right>"
            f"{sv.limb_volume_below_trim_ml:.1f} ml</td></tr>"
            f"<tr><td>Cavity volume below the trim</td><td align=right>"
            f"{sv.cavity_volume_below_trim_ml:.1f} ml</td></tr>"
            f"<tr><td>Cavity volume smaller than the limb's by</td><td align=right>"
            f"{sv.reduction_percent:.1f} %</td></tr>"
            f"<tr><td>Cavity to limb, below the trim</td><td align=right>{st['min']:+.1f} to "
            f"{st['max']:+.1f} mm</td></tr></table>"
            f"<p style='color:#555'>Red: the cavity is inside the limb's surface (compressed); "
            f"blue: it is outside (room). The area reduction above is set at the trim line "
            f"and tapers to 0 at the distal end, so the volume shrinks by less."
            f"{' Preview.' if sv.preview else ''}</p>")


class TemplatePage(Page):
    step = "template"
    intro = ("The socket fitted to the rectified limb: walls, trim line (anterior height and "
             "the lower posterior cut for knee flexion) and the distal 4-hole adapter.")
    seeThroughChanged = Signal(bool)

    def build(self) -> None:
        from prosthetics.design.presets import list_presets

        row = QHBoxLayout()
        row.addWidget(QLabel("Preset"))
        self.preset = ComboBox()
        self.preset.setObjectName("preset")
        for name, p in list_presets().items():
            self.preset.addItem(p.label, name)
            self.preset.setItemData(self.preset.count() - 1, p.description,
                                    Qt.ItemDataRole.ToolTipRole)
        self.preset.currentIndexChanged.connect(
            lambda _i: self.model.set_preset(self.preset.currentData()))
        row.addWidget(self.preset, 1)
        self.lay.addLayout(row)
        # What the prosthetist watches while editing comes first: the socket's figures,
        # its checks and the see-through switch; the adapter and grid come last.
        self.info = _label()
        self.lay.addWidget(self.info)
        self.checks = _label(rich=True)
        self.checks.setObjectName("template_checks")
        # Two lines always: the forms below do not move while the user edits them.
        self.checks.setMinimumHeight(2 * self.checks.fontMetrics().lineSpacing() + 4)
        self.info.setMinimumHeight(2 * self.info.fontMetrics().lineSpacing() + 4)
        self.lay.addWidget(self.checks)
        self.see = QCheckBox("See-through socket")
        self.see.toggled.connect(self.seeThroughChanged)
        self.lay.addWidget(self.see)
        rows = [r["name"] for r in self.model.rows() if r["group"] == "template"]
        adapter = [n for n in rows if n.startswith("adapter_")]
        grid = [n for n in rows if n.startswith("grid_")]
        walls = [n for n in TRIM_PARAMS if n in rows]
        holes = [n for n in rows if n.startswith("fenestration_")]
        alignment = [n for n in rows if n.startswith("socket_")]
        rest = [n for n in rows
                if n not in set(adapter + grid + walls + holes + alignment + RECTIFY_PARAMS
                                + LANDMARK_PARAMS + ZONE_PARAMS)]
        self.walls = self.add_form(walls + rest, "Walls and trim line")
        self.add_form(holes, "Ventilation holes")
        self.add_form(alignment, "Alignment (socket to the distal interface)")
        self.add_form(adapter, "Distal adapter (4-hole)")
        self.add_form(grid, "Sampling grid")

    def update_enabled(self) -> None:
        try:
            by_hand = self.model.value("trim_height_mm") is not None
        except KeyError:
            return
        why = "the anterior trim height is set by hand" if by_hand else ""
        for name in ("trim_below_scan_top_mm", "trim_above_mpt_mm"):
            for form in self.forms:
                form.set_enabled_field(name, not by_hand, why)

    def add_template_fields(self) -> None:
        """Fields for parameters of the current template that no form shows yet (another
        template's own parameters: coupler, brim...)."""
        shown = {n for form in self.forms for n in form.fields}
        new = [r["name"] for r in self.model.rows()
               if r["group"] == "template" and r["name"] not in shown]
        if new:
            self.add_form(new, f"{self.model.template_name}: more parameters")

    def refresh(self, stage=None) -> None:
        m = self.model
        if m.groups:
            self.add_template_fields()
        if m.check is not None and not m.socket_is_preview and (stage == "check" or m.is_current()):
            self.checks.setText(checks_line(m.check["checks"]))
        elif m.socket is not None and m.cancelled:
            note = " (showing a preview on a coarser grid)" if m.socket_is_preview else ""
            self.checks.setText(f"<span style='color:#8a5a00'>Checks: not run, cancelled{note}. "
                                f"Press F5 (Design &gt; Run) to build the socket and check "
                                f"it.</span>")
        elif m.socket is not None:
            note = " (showing a preview on a coarser grid)" if m.socket_is_preview else ""
            self.checks.setText(f"<span style='color:#777'>Checks: running…{note}</span>")
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(max(0, self.preset.findData(m.template_name)))
        self.preset.blockSignals(False)
        s = m.socket
        if s is None:
            self.info.setText("")
            return
        top = m.measurements.volume_top_z_mm if m.measurements is not None else None
        text = (f"Anterior trim at {s.trim_anterior_z_mm:.1f} mm, lowest (posterior) "
                f"{s.trim_lowest_z_mm:.1f} mm" + (f"; top of the scan {top:.0f} mm" if top else "")
                + f"\n{len(s.mesh.faces):,} triangles"
                + (f", {m.socket_volume_ml:.1f} ml of material" if m.socket_volume_ml else ""))
        self.info.setText(text)


class ExportPage(Page):
    step = "export"
    intro = ("Print files (binary STL, 3MF), report.json and report.html for the patient's "
             "file, written together into the output folder.")
    exportRequested = Signal(str)

    def build(self) -> None:
        from prosthetics.printing.profiles import load_materials, load_printers

        named = {"printer": {k: v.label for k, v in load_printers().items()},
                 "material": {k: v.label for k, v in load_materials().items()}}
        from prosthetics.design.session import EXPORT_FORMATS

        self.add_form([r["name"] for r in self.model.rows() if r["group"] == "export"],
                      named_choices=named,
                      multi_choices={"formats": {k: FORMAT_WORDS.get(k, k)
                                                 for k in EXPORT_FORMATS}})
        box = QGroupBox("Output folder")
        bl = QHBoxLayout(box)
        self.out = QLineEdit()
        self.out.setObjectName("output_folder")
        bl.addWidget(self.out, 1)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        bl.addWidget(browse)
        self.lay.addWidget(box)
        self.export_btn = QPushButton("Export")
        self.export_btn.setObjectName("export_button")
        f = self.export_btn.font()
        f.setBold(True)
        self.export_btn.setFont(f)
        self.export_btn.setMinimumHeight(34)
        self.export_btn.clicked.connect(lambda: self.exportRequested.emit(self.out.text()))
        self.lay.addWidget(self.export_btn)
        self.checks = _label(rich=True)
        self.checks.setObjectName("checks")
        self.lay.addWidget(self.checks)
        self.open_btn = QPushButton("Open output folder")
        self.open_btn.setEnabled(False)
        self.open_btn.clicked.connect(self.open_folder)
        self.lay.addWidget(self.open_btn)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Output folder", self.out.text())
        if d:
            self.out.setText(d)

    def reset_output(self) -> None:
        self.out.setText(str(self.model.default_export_dir()))
        self.open_btn.setEnabled(False)

    def open_folder(self) -> None:
        d = self.model.export_dir
        if d is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(d)))

    def refresh(self, stage=None) -> None:
        m = self.model
        rep = m.report if m.report is not None and m.is_current() else None
        ch = dict(rep["checks"]) if rep else (dict(m.check["checks"]) if m.check else None)
        warnings = rep["warnings"] if rep else (m.check["warnings"] if m.check else [])
        self.open_btn.setEnabled(m.export_dir is not None)
        if ch is None:
            self.checks.setText("<i>Checks not run: cancelled. Press F5 (Design &gt; Run) to "
                                "build the socket and check it.</i>" if m.cancelled else
                                "<i>Checks follow once the socket is built.</i>")
            return
        self.checks.setText(checks_html(ch, warnings, rep, m.export_dir))


def checks_line(ch: dict) -> str:
    """The main checks on one line (Template page)."""
    pr = ch.get("printer") or {}
    wall = ch.get("min_wall_mm")
    return (f"Checks: {_ok(ch.get('watertight'))} watertight &nbsp; "
            f"{_ok(ch.get('bodies') == 1)} one body &nbsp; "
            f"{_ok(ch.get('wall_ok'))} thinnest wall {wall if wall is not None else '?'} mm "
            f"&nbsp; {_ok(pr.get('fits'))} fits {html.escape(str(pr.get('printer', '')))}")


def checks_html(ch: dict, warnings: list, report: dict | None, out_dir: Path | None) -> str:
    """The checks as a small HTML table (and the slicer's figures after an export)."""
    pr = ch.get("printer") or {}
    wall = ch.get("min_wall_mm")
    rows = [("Watertight", _ok(ch.get("watertight")), ""),
            ("One body", _ok(ch.get("bodies") == 1),
             f"{ch.get('bodies')} bod{'y' if ch.get('bodies') == 1 else 'ies'}"),
            ("Thinnest wall", _ok(ch.get("wall_ok")),
             f"{wall if wall is not None else '?'} mm (asked {ch.get('wall_required_mm', 0):g})"),
            ("Fits the printer", _ok(pr.get("fits")),
             f"{html.escape(str(pr.get('printer', '')))}"
             + (f": {html.escape(pr.get('reason') or '')}" if not pr.get("fits") else "")
             + (f", turned {pr.get('rotation_deg'):g}°" if pr.get("fits") and
                pr.get("rotation_deg") else ""))]
    if pr.get("orientation"):
        rows.append(("Printed", _ok(True), f"{html.escape(str(pr['orientation']))}, "
                                           f"~{pr.get('support_ml', 0):.0f} ml support"))
    sl = ch.get("slicer")
    if report is not None and sl is not None:
        if sl.get("ran") and sl.get("ok"):
            rows.append(("Sliced (PrusaSlicer)", _ok(True),
                         f"{sl.get('filament_g')} g of filament, {sl.get('print_time_text')}"))
        else:
            rows.append(("Sliced (PrusaSlicer)", _ok(False if sl.get("ran") else None),
                         html.escape(str(sl.get("message") or "not run"))))
    out = ["<table cellspacing=4>"]
    for name, mark, detail in rows:
        out.append(f"<tr><td>{mark}</td><td><b>{name}</b></td><td>{detail}</td></tr>")
    out.append("</table>")
    if report is not None:
        files = ", ".join(Path(o["path"]).name for o in report.get("outputs", []))
        out.append(f"<p>Written to <b>{html.escape(str(out_dir))}</b>: {html.escape(files)}, "
                   f"report.json, report.html</p>")
    for w in warnings:
        out.append(f"<p style='color:#8a5a00'>⚠ {html.escape(str(w))}</p>")
    return "".join(out)


PAGES = (ScanPage, CleanPage, AlignPage, MeasurePage, RectifyPage, TemplatePage, ExportPage)
