"""The step pages of the side panel: Scan, Clean, Align, Measure, Rectify, Template, Export.

Each page shows its parameters (forms from ``describe_parameters``) and what the model
holds for its step; edits go to the model (``DesignModel.edit``), never to the session.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QUrl, Signal
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
from .language import is_right_to_left, ltr_number_box, translate
from .language import ltr as _ltr
from .messages import catalogue_text, core_text, humanize, warning_text

STEPS = ("scan", "clean", "align", "measure", "rectify", "template", "export")
#: The steps' titles (translated where shown, context "Steps").
STEP_TITLES = {"scan": QT_TRANSLATE_NOOP("Steps", "Scan"),
               "clean": QT_TRANSLATE_NOOP("Steps", "Clean"),
               "align": QT_TRANSLATE_NOOP("Steps", "Align"),
               "measure": QT_TRANSLATE_NOOP("Steps", "Measure"),
               "rectify": QT_TRANSLATE_NOOP("Steps", "Rectify"),
               "template": QT_TRANSLATE_NOOP("Steps", "Template"),
               "export": QT_TRANSLATE_NOOP("Steps", "Export")}
RECTIFY_PARAMS = ["reduction_percent", "liner_offset_mm"]
LANDMARK_PARAMS = ["limb_side", "mpt_height_mm", "zone_falloff_mm"]
ZONE_PARAMS = [f"{zone}_{what}" for zone in ZONES for what in ("depth_mm", "size_mm")]
TRIM_PARAMS = ["wall_thickness_mm", "distal_wall_thickness_mm", "trim_height_mm",
               "trim_above_mpt_mm",
               "trim_below_scan_top_mm", "wing_above_condyles_mm", "posterior_below_crease_mm",
               "posterior_trim_drop_mm", "posterior_cut_width_deg"]


#: The file formats as the Export page names them.
FORMAT_WORDS = {"stl": "STL", "3mf": "3MF", "step": "STEP (CAD)", "aop": "AAOP"}

#: Cleaning steps whose counts are triangles of a surface (the others count points).
TRIANGLE_STEPS = frozenset({"keep mesh", "reconstruct", "hole fill", "decimate"})


def _unit_words() -> dict:
    return {"points": translate("Pages", "points"), "triangles": translate("Pages", "triangles")}


def clean_step_unit(step: dict) -> str:
    """What a cleaning step's kept and removed numbers count: "points" or "triangles"."""
    return str(step.get("unit") or ("triangles" if step.get("step") in TRIANGLE_STEPS
                                    else "points"))


def anterior_text(aligned) -> str:
    """What the anterior angle of the alignment means, in words."""
    g = float(aligned.anterior_guess_deg)
    fit = getattr(aligned, "anatomy", None)
    if fit is not None:
        source = translate("Pages", "the anatomy (a fitted model of limbs and their bones, "
                                    "confidence {}; the bones in the view are its suggestion)"
                           ).format(f"{fit.confidence:.0%}")
    else:
        source = translate("Pages", "the shape of the limb's sections")
    if abs(g) < 0.5:
        turn = translate("Pages", "the scan's +Y")
    elif g > 0:
        turn = translate("Pages", "rotated {}° counter-clockwise (seen from proximal) from the "
                                  "scan's +Y").format(f"{abs(g):.0f}")
    else:
        turn = translate("Pages", "rotated {}° clockwise (seen from proximal) from the "
                                  "scan's +Y").format(f"{abs(g):.0f}")
    return translate("Pages", "Anterior direction found from {}: {}; the limb is turned so "
                              "that it faces +Y.").format(source, turn)


def _label(text: str = "", *, rich: bool = False) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return lab


def _text(text: str) -> str:
    """Plain words put into rich text (the apostrophes kept as they are)."""
    return html.escape(text, quote=False)


def _cells(*cells: str) -> tuple[str, ...]:
    """A table row's cells in reading order, laid out right to left in Urdu (Qt lays out
    the columns of rich-text tables left to right whatever the language)."""
    return cells[::-1] if is_right_to_left() else cells


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
        title = QLabel(translate("Steps", STEP_TITLES[self.step]))
        title.setObjectName("page_title")
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        title.setFont(f)
        self.lay.addWidget(title)
        if self.intro:
            intro = _label(translate("Pages", self.intro))
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
    intro = QT_TRANSLATE_NOOP("Pages", "The scan file as read. Its unit is decided from its size "
                                       "unless you choose one. Open a scan with File > Open "
                                       "scan, drop a file on the window, or open a saved case.")
    openRequested = Signal()

    def build(self) -> None:
        btn = QPushButton(translate("Pages", "Open scan…"))
        btn.clicked.connect(self.openRequested)
        self.lay.addWidget(btn)
        box = QGroupBox(translate("Pages", "File"))
        form = QFormLayout(box)
        self.info = {}
        for key, label in (("file", translate("Pages", "File")),
                           ("kind", translate("Pages", "Content")),
                           ("points", translate("Pages", "Points")),
                           ("units", translate("Pages", "Units")), ("sha", "SHA-256"),
                           ("notes", translate("Pages", "Notes"))):
            lab = _label()
            self.info[key] = lab
            form.addRow(label, lab)
        self.units = ComboBox()
        self.units.setObjectName("units")
        for text, val in ((translate("Pages", "automatic (from the size)"), None),
                          (translate("Pages", "millimetres"), "mm"),
                          (translate("Pages", "centimetres"), "cm"),
                          (translate("Pages", "metres"), "m")):
            self.units.addItem(text, val)
        self.units.setToolTip(translate("Pages", "The unit of the scan file's coordinates; "
                                                 "automatic decides from the object's size "
                                                 "(glTF files are always metres)"))
        self.units.currentIndexChanged.connect(
            lambda _i: self.model.set_units(self.units.currentData()))
        form.addRow(translate("Pages", "Read as"), self.units)
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
        self.info["kind"].setText(
            (translate("Pages", "mesh, ") if scan.is_mesh else translate("Pages", "point cloud, "))
            + (translate("Pages", "with colours") if scan.colors is not None
               else translate("Pages", "no colours")))
        self.info["points"].setText(f"{scan.n_input_points:,}")
        self.info["units"].setText(f"{scan.units.value} ({scan.units_source})")
        self.info["sha"].setText(scan.sha256[:16] + "…")
        self.info["sha"].setToolTip(scan.sha256)
        self.info["notes"].setText("; ".join(scan.notes) or "–")


class CleanPage(Page):
    step = "clean"
    intro = QT_TRANSLATE_NOOP("Pages", "Removes the floor, hands, clutter and stray points, then "
                                       "rebuilds a closed limb surface. In the view: left the "
                                       "scan as read (red: removed), right the cleaned surface.")

    def build(self) -> None:
        self.form = self.add_form([r["name"] for r in self.model.rows() if r["group"] == "clean"])
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("clean_steps")
        self.table.setHorizontalHeaderLabels([translate("Pages", "step"), translate("Pages", "kept"),
                                              translate("Pages", "removed"),
                                              translate("Pages", "counted in")])
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Every row shows: the page scrolls, not a small box inside it.
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The cut from the thigh (shown only when the scan has one, or one is set).
        self.cut_box = box = QGroupBox(translate("Pages", "Proximal cut"))
        row = QHBoxLayout(box)
        row.setContentsMargins(8, 2, 8, 2)
        self.cut_text = _label()
        self.cut_text.setObjectName("proximal_cut_text")
        row.addWidget(self.cut_text, 1)
        self.cut_auto = QPushButton(translate("Pages", "Find automatically"))
        self.cut_auto.setObjectName("proximal_cut_auto")
        self.cut_auto.setToolTip(translate("Pages", "Let the cleaning find where to cut the "
                                                    "limb from the thigh again (Proximal cut "
                                                    "0 mm)"))
        self.cut_auto.clicked.connect(lambda: self.set_proximal_cut(0.0))
        row.addWidget(self.cut_auto, 0, Qt.AlignmentFlag.AlignVCenter)
        self.lay.addWidget(box)
        self.lay.addWidget(_label(translate("Pages", "What each step kept and removed (hover a "
                                                     "row for details):")))
        self.lay.addWidget(self.table)
        self._fit_table()
        self._show_cut()

    def attach_viewport(self, viewport) -> None:
        """The proximal cut dragged in the 3D view sets the Proximal cut parameter."""
        viewport.cutDragged.connect(self.on_cut_dragged)

    def on_cut_dragged(self, height_mm: float, released: bool) -> None:
        """The cut's plane in the view moved to ``height_mm`` (mm from the distal end along
        the limb's axis): the page follows while it moves; on release the parameter is set
        to the whole millimetre and the design is cleaned again from there."""
        if released:
            self.set_proximal_cut(float(round(height_mm)))
        else:
            self.cut_text.setText(translate("Pages", "Moving the proximal cut to {} mm from "
                                                     "the distal end; let go to clean the "
                                                     "scan again there.")
                                  .format(f"{height_mm:.0f}"))

    def set_proximal_cut(self, height_mm: float) -> bool:
        """Set the cleaning's proximal cut (mm from the distal end; 0: found automatically)
        through the model's edits (undoable); the design is updated from the cleaning."""
        if not self.model.groups:
            return False
        ok = self.model.edit({"proximal_cut_mm": float(height_mm)})
        self._show_cut()
        return ok

    def _show_cut(self) -> None:
        m = self.model
        try:
            value = float(m.value("proximal_cut_mm")) if m.groups else 0.0
        except KeyError:
            value = 0.0
        self.cut_auto.setEnabled(value > 0)
        c = m.cleaned
        cut = getattr(c, "proximal_cut", None) if c is not None else None
        self.cut_box.setVisible(value > 0 or cut is not None)
        if c is None:
            text = translate("Pages", "Set to {} mm; the cleaning follows.").format(
                f"{value:.0f}") if value > 0 else ""
        elif cut is None:
            text = translate("Pages", "None: the scan shows no knee or thigh above the limb.")
        else:
            h = f"{float(cut['height_mm']):.0f}"
            if cut.get("rule") == "set":
                text = translate("Pages", "{} mm from the distal end, set by hand. Drag the "
                                          "blue disc in the view to move it.").format(h)
            else:
                text = translate("Pages", "{} mm from the distal end, found automatically. "
                                          "Drag the blue disc in the view to move it.").format(h)
            if value > 0 and abs(value - float(cut["height_mm"])) > 0.5:
                text += " " + translate("Pages", "Moving to {} mm…").format(f"{value:.0f}")
        self.cut_text.setText(text)

    def _fit_table(self) -> None:
        t = self.table
        h = t.horizontalHeader().sizeHint().height() + 2 * t.frameWidth()
        h += sum(t.rowHeight(i) for i in range(t.rowCount()))
        t.setFixedHeight(h)

    def sync_values(self, names=None) -> None:
        super().sync_values(names)
        if hasattr(self, "cut_text"):
            self._show_cut()

    def refresh(self, stage=None) -> None:
        self._show_cut()
        c = self.model.cleaned
        steps = c.steps if c is not None else []
        self.table.setRowCount(len(steps))
        for i, st in enumerate(steps):
            for j, key in enumerate(("step", "kept", "removed")):
                v = st.get(key, "")
                item = QTableWidgetItem(f"{v:,}" if isinstance(v, int) else
                                        catalogue_text(str(v)))
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(core_text(st.get("detail", "")))
                self.table.setItem(i, j, item)
            unit = QTableWidgetItem(_unit_words().get(clean_step_unit(st), clean_step_unit(st)))
            unit.setToolTip(core_text(st.get("detail", "")))
            self.table.setItem(i, 3, unit)
        self.table.resizeRowsToContents()
        self._fit_table()


class AlignPage(Page):
    step = "align"
    intro = QT_TRANSLATE_NOOP("Pages", "The limb's long axis becomes +Z (distal end at z = 0) and "
                                       "anterior +Y. For a below-knee limb a statistical model "
                                       "of limbs and their bones is fitted to the scan and gives "
                                       "the anterior, the landmarks and the trim at mid-patella; "
                                       "otherwise the shape of the sections does. Turn it with "
                                       "the anterior rotation if the guess is wrong (check it "
                                       "with the Distal view).")

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
                          + translate("Pages", "Axis tilt from the scan's principal axis: {}°")
                          .format(f"{a.axis_tilt_deg:.1f}")
                          + ("".join("\n" + translate("Pages", "Warning: {}")
                                     .format(humanize(warning_text(w), self.model.rows()))
                                     for w in a.warnings)))
        self.info.setToolTip(translate(
            "Pages",
            "The scan's own axes say nothing about which way the limb faces. The program "
            "finds the front of the limb (anterior) and turns the limb about its long axis so "
            "that the front points to +Y. The angle is how far it turned, seen from proximal "
            "(from above). If the front is wrong (check the tibial crest in the Distal view, "
            "Ctrl+5), turn it with Anterior rotation."))


class MeasurePage(Page):
    step = "measure"
    intro = QT_TRANSLATE_NOOP("Pages", "Circumferences at each level from the distal end, length "
                                       "and volume.")

    def build(self) -> None:
        from .chart import MeasureChart

        self.add_form(["circumference_spacing_mm"])
        self.chart = MeasureChart(self)
        self.lay.addWidget(self.chart, 1)
        self.info = _label()
        self.lay.addWidget(self.info)
        self.lay.addWidget(_label(translate("Pages", "Circumference at each level:")))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("circumferences")
        self.table.setHorizontalHeaderLabels([translate("Pages", "height (mm)"),
                                              translate("Pages", "limb (mm)"),
                                              translate("Pages", "socket cavity (mm)")])
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
        self.info.setText(translate("Pages", "Length {} mm, volume {} ml (closed at z = {} mm, "
                                             "the top of the scan), {} levels")
                          .format(f"{meas.length_mm:.1f}", f"{meas.volume_ml:.1f}",
                                  f"{meas.volume_top_z_mm:.0f}", len(meas.levels)))


class RectifyPage(Page):
    step = "rectify"
    intro = QT_TRANSLATE_NOOP("Pages", "Shapes the cavity from the limb: the reduction "
                                       "(compression: the cross-section area at the trim line "
                                       "made smaller by this much), tapered to 0 at the distal "
                                       "end, regional zones on the landmarks (push-in where the "
                                       "limb bears load, relief over bone) and the liner "
                                       "allowance. The view colours the cavity by its distance "
                                       "to the limb.")

    def build(self) -> None:
        self.shaper = None
        self.add_form(RECTIFY_PARAMS)
        self.tools_box = self._build_tools()
        self.lay.addWidget(self.tools_box)
        self.add_form(LANDMARK_PARAMS, translate("Pages", "Landmarks"))
        self.add_form(ZONE_PARAMS, translate("Pages", "Zones: depth (push-in +, relief −) and size"))
        self.info = _label(rich=True)
        self.lay.addWidget(self.info)
        self.model.handChanged.connect(self._hand_changed)

    def _build_tools(self) -> QGroupBox:
        from PySide6.QtWidgets import QButtonGroup, QDoubleSpinBox, QGridLayout, QRadioButton

        from .shaping import TOOLS

        box = QGroupBox(translate("Pages", "Shape on the model (left button in the view)"))
        grid = QGridLayout(box)
        self.tool_buttons = QButtonGroup(box)
        for i, (name, text) in enumerate(TOOLS.items()):
            b = QRadioButton(translate("Shaper", text))
            b.setObjectName(f"tool_{name}")
            b.setChecked(name == "view")
            self.tool_buttons.addButton(b, i)
            b.toggled.connect(lambda on, n=name: on and self.shaper is not None
                              and self.shaper.set_tool(n))
            grid.addWidget(b, i // 3, i % 3)
        self.brush = {}
        for j, (key, text, lo, hi, val, unit) in enumerate((
                ("radius_mm", translate("Pages", "Radius"), 2.0, 60.0, 12.0, " mm"),
                ("depth_mm", translate("Pages", "Depth"), 0.1, 10.0, 2.0, " mm"),
                ("falloff_mm", translate("Pages", "Fall-off"), 0.0, 40.0, 10.0, " mm"),
                ("strength", translate("Pages", "Smooth strength"), 0.05, 1.0, 0.5, ""))):
            sb = QDoubleSpinBox()
            sb.setObjectName(f"brush_{key}")
            sb.setRange(lo, hi)
            sb.setDecimals(2 if key == "strength" else 1)
            sb.setSingleStep(0.05 if key == "strength" else 0.5)
            sb.setValue(val)
            sb.setSuffix(unit)
            ltr_number_box(sb)
            sb.valueChanged.connect(lambda v, k=key: self.shaper is not None
                                    and setattr(self.shaper, k, float(v)))
            grid.addWidget(QLabel(text), 3 + j, 0)
            grid.addWidget(sb, 3 + j, 1, 1, 2)
            self.brush[key] = sb
        self.live = _label(rich=True)
        self.live.setObjectName("live_volume")
        grid.addWidget(self.live, 7, 0, 1, 3)
        row = QHBoxLayout()
        for text, slot, name in ((translate("Pages", "Confirm landmarks"), self._confirm_all,
                                  "confirm_landmarks"),
                                 (translate("Pages", "Remove last stroke"), self._drop_last,
                                  "drop_stroke"),
                                 (translate("Pages", "Clear"), self._clear_strokes,
                                  "clear_strokes")):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            row.addWidget(b)
        grid.addLayout(row, 8, 0, 1, 3)
        self.hand_list = _label(rich=True)
        self.hand_list.setObjectName("hand_list")
        grid.addWidget(self.hand_list, 9, 0, 1, 3)
        self.trim_heights = _label(rich=True)
        self.trim_heights.setObjectName("trim_heights")
        self.trim_heights.setToolTip(translate(
            "Pages", "Height of each control point of the trim line above the distal end, "
                     "and above (+) or below (−) the mid-patellar tendon landmark (MPT)"))
        grid.addWidget(self.trim_heights, 10, 0, 1, 3)
        return box

    def attach_shaper(self, shaper) -> None:
        self.shaper = shaper
        shaper.liveChanged.connect(self._show_live)
        shaper.trimHeightsChanged.connect(self._show_trim_heights)
        for key, sb in self.brush.items():
            setattr(shaper, key, float(sb.value()))

    def _show_live(self, fig: dict) -> None:
        self.live.setText(
            translate("Pages", "Cavity volume {} % against the limb to the trim line ({} sock "
                               "plies)").format(f"{fig['volume_change_percent']:+.1f}",
                                                _ltr(f"{fig['sock_plies']:+.1f}")))

    def _show_trim_heights(self, heights: dict) -> None:
        """The trim line's control points with their heights (the shaper's
        ``trim_heights()``), as shown in the view: live while one is dragged."""
        from .shaping import TRIM_POINT_WORDS

        def mm(v: float, sign: bool = False) -> str:
            return "<td align=right>" + _ltr(_text(
                (f"{v:+.1f}" if sign else f"{v:.1f}") + "\u00a0mm")) + "</td>"

        rows = []
        for name, h in heights.items():
            mpt = h.get("mpt_mm")
            rows.append("<tr>" + "".join(_cells(
                f"<td>{_text(translate('Shaper', TRIM_POINT_WORDS.get(name, name)))}</td>",
                mm(h["distal_mm"]), mm(mpt, True) if mpt is not None else "<td>—</td>"))
                + "</tr>")
        titles = (translate("Pages", "Trim line"), translate("Pages", "Above the distal end"),
                  translate("Pages", "From the MPT"))
        head = "<tr>" + "".join(_cells(*(
            f"<th align={'right' if i or is_right_to_left() else 'left'}>{_text(t)}</th>"
            for i, t in enumerate(titles)))) + "</tr>"
        self.trim_heights.setText(
            f"<table cellspacing=2 cellpadding=1>{head}{''.join(rows)}</table>" if rows else "")

    def _confirm_all(self) -> None:
        if self.shaper is None:
            return
        h = self.model.hand
        names = set(self.shaper.landmark_points()) - set(h.confirmed) - set(h.landmarks)
        if names:
            self.model.set_hand(h.replace(confirmed=h.confirmed | names),
                                translate("Pages", "Confirm {} guessed landmarks")
                                .format(len(names)))

    def _drop_last(self) -> None:
        h = self.model.hand
        if h.strokes:
            self.model.set_hand(h.replace(strokes=h.strokes[:-1]),
                                translate("Pages", "Remove the stroke \"{}\"")
                                .format(h.strokes[-1].describe()))

    def _clear_strokes(self) -> None:
        h = self.model.hand
        if h.strokes or h.protect:
            self.model.set_hand(h.replace(strokes=(), protect=()),
                                translate("Pages", "Remove all {} strokes and the protected "
                                          "regions").format(len(h.strokes)))

    def _hand_changed(self) -> None:
        h = self.model.hand
        lines = [f"{i}. {s.describe()}" for i, s in enumerate(h.strokes, 1)]
        if h.protect:
            lines.append(translate("Pages", "{} protected region(s)").format(len(h.protect)))
        if h.trim_points:
            lines.append(translate("Pages", "Trim line set by hand at: ") + ", ".join(
                f"{k.replace('_', ' ')} {v[2]:.0f} mm" for k, v in h.trim_points.items()))
        self.hand_list.setText("<br>".join(html.escape(x) for x in lines) if lines else
                               "<span style='color:#777'>" + _text(translate("Pages", "No strokes yet."))
                               + "</span>")

    def refresh(self, stage=None) -> None:
        sv = self.model.socket_view
        sock = self.model.socket
        if self.shaper is not None and sock is not None:
            self._show_live(self.shaper.live_figures(sock.grid.inner, sock.grid.inner_pole))
        if sv is None:
            self.info.setText("")
            return
        st = sv.stats()
        rows = ((translate("Pages", "Limb volume below the trim"),
                 f"{sv.limb_volume_below_trim_ml:.1f} ml"),
                (translate("Pages", "Cavity volume below the trim"),
                 f"{sv.cavity_volume_below_trim_ml:.1f} ml"),
                (translate("Pages", "Cavity volume smaller than the limb's by"),
                 f"{sv.reduction_percent:.1f} %"),
                (translate("Pages", "Cavity to limb, below the trim"),
                 translate("Pages", "{} to {} mm").format(f"{st['min']:+.1f}", f"{st['max']:+.1f}")))
        self.info.setText(
            "<table cellspacing=3>"
            + "".join("<tr>" + "".join(_cells(f"<td>{_text(a)}</td>",
                                              f"<td align=right>{_ltr(_text(b))}</td>"))
                      + "</tr>" for a, b in rows)
            + "</table><p style='color:#555'>"
            + _text(translate("Pages", "Red: the cavity is inside the limb's surface "
                                             "(compressed); blue: it is outside (room). The area "
                                             "reduction above is set at the trim line and tapers "
                                             "to 0 at the distal end, so the volume shrinks by "
                                             "less."))
            + (_text(translate("Pages", " Preview.")) if sv.preview else "") + "</p>")


class TemplatePage(Page):
    step = "template"
    intro = QT_TRANSLATE_NOOP("Pages", "The socket fitted to the rectified limb: walls, trim line "
                                       "(anterior height and the lower posterior cut for knee "
                                       "flexion) and the distal 4-hole adapter.")
    seeThroughChanged = Signal(bool)

    def build(self) -> None:
        from prosthetics.design.presets import list_presets

        row = QHBoxLayout()
        row.addWidget(QLabel(translate("Pages", "Preset")))
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
        self.see = QCheckBox(translate("Pages", "See-through socket"))
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
        self.walls = self.add_form(walls + rest, translate("Pages", "Walls and trim line"))
        self.add_form(holes, translate("Pages", "Ventilation holes"))
        self.add_form(alignment, translate("Pages", "Alignment (socket to the distal interface)"))
        self.add_form(adapter, translate("Pages", "Distal adapter (4-hole)"))
        self.add_form(grid, translate("Pages", "Sampling grid"))

    def update_enabled(self) -> None:
        try:
            by_hand = self.model.value("trim_height_mm") is not None
        except KeyError:
            return
        why = translate("Pages", "the anterior trim height is set by hand") if by_hand else ""
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
            self.add_form(new, translate("Pages", "{}: more parameters")
                          .format(self.model.template_name))

    def refresh(self, stage=None) -> None:
        m = self.model
        if m.groups:
            self.add_template_fields()
        if m.check is not None and not m.socket_is_preview and (stage == "check" or m.is_current()):
            self.checks.setText(checks_line(m.check["checks"]))
        elif m.socket is not None and m.cancelled:
            note = translate("Pages", " (showing a preview on a coarser grid)") \
                if m.socket_is_preview else ""
            self.checks.setText("<span style='color:#8a5a00'>" + _text(
                translate("Pages", "Checks: not run, cancelled{}. Press F5 (Design > Run) to "
                                   "build the socket and check it.").format(note)) + "</span>")
        elif m.socket is not None:
            note = translate("Pages", " (showing a preview on a coarser grid)") \
                if m.socket_is_preview else ""
            self.checks.setText("<span style='color:#777'>" + _text(
                translate("Pages", "Checks: running…{}").format(note)) + "</span>")
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(max(0, self.preset.findData(m.template_name)))
        self.preset.blockSignals(False)
        s = m.socket
        if s is None:
            self.info.setText("")
            return
        top = m.measurements.volume_top_z_mm if m.measurements is not None else None
        text = (translate("Pages", "Anterior trim at {} mm, lowest (posterior) {} mm")
                .format(f"{s.trim_anterior_z_mm:.1f}", f"{s.trim_lowest_z_mm:.1f}")
                + (translate("Pages", "; top of the scan {} mm").format(f"{top:.0f}")
                   if top else "")
                + "\n" + translate("Pages", "{} triangles").format(f"{len(s.mesh.faces):,}")
                + (translate("Pages", ", {} ml of material").format(f"{m.socket_volume_ml:.1f}")
                   if m.socket_volume_ml else ""))
        self.info.setText(text)


class ExportPage(Page):
    step = "export"
    intro = QT_TRANSLATE_NOOP("Pages", "Print files (binary STL, 3MF), report.json and "
                                       "report.html for the patient's file, written together "
                                       "into the output folder.")
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
        box = QGroupBox(translate("Pages", "Output folder"))
        bl = QHBoxLayout(box)
        self.out = QLineEdit()
        self.out.setObjectName("output_folder")
        bl.addWidget(self.out, 1)
        browse = QPushButton(translate("Pages", "Choose…"))
        browse.clicked.connect(self._browse)
        bl.addWidget(browse)
        self.lay.addWidget(box)
        self.export_btn = QPushButton(translate("Pages", "Export"))
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
        self.open_btn = QPushButton(translate("Pages", "Open output folder"))
        self.open_btn.setEnabled(False)
        self.open_btn.clicked.connect(self.open_folder)
        self.lay.addWidget(self.open_btn)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, translate("Pages", "Output folder"),
                                             self.out.text())
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
            self.checks.setText("<i>" + _text(
                translate("Pages", "Checks not run: cancelled. Press F5 (Design > Run) to "
                                   "build the socket and check it.") if m.cancelled else
                translate("Pages", "Checks follow once the socket is built.")) + "</i>")
            return
        self.checks.setText(checks_html(ch, warnings, rep, m.export_dir))


def checks_line(ch: dict) -> str:
    """The main checks on one line (Template page)."""
    pr = ch.get("printer") or {}
    wall = ch.get("min_wall_mm")
    return translate("Pages", "Checks: {} watertight &nbsp; {} one body &nbsp; {} thinnest "
                              "wall {} mm &nbsp; {} fits {}").format(
        _ok(ch.get("watertight")), _ok(ch.get("bodies") == 1), _ok(ch.get("wall_ok")),
        wall if wall is not None else "?", _ok(pr.get("fits")),
        html.escape(str(pr.get("printer", ""))))


def checks_html(ch: dict, warnings: list, report: dict | None, out_dir: Path | None) -> str:
    """The checks as a small HTML table (and the slicer's figures after an export)."""
    pr = ch.get("printer") or {}
    wall = ch.get("min_wall_mm")
    bodies = ch.get("bodies")
    rows = [(translate("Pages", "Watertight"), _ok(ch.get("watertight")), ""),
            (translate("Pages", "One body"), _ok(bodies == 1),
             (translate("Pages", "{} body") if bodies == 1 else translate("Pages", "{} bodies"))
             .format(bodies)),
            (translate("Pages", "Thinnest wall"), _ok(ch.get("wall_ok")),
             translate("Pages", "{} mm (asked {})").format(
                 wall if wall is not None else "?", f"{ch.get('wall_required_mm', 0):g}")),
            (translate("Pages", "Fits the printer"), _ok(pr.get("fits")),
             f"{html.escape(str(pr.get('printer', '')))}"
             + (f": {html.escape(pr.get('reason') or '')}" if not pr.get("fits") else "")
             + (translate("Pages", ", turned {}°").format(f"{pr.get('rotation_deg'):g}")
                if pr.get("fits") and pr.get("rotation_deg") else ""))]
    if pr.get("orientation"):
        rows.append((translate("Pages", "Printed"), _ok(True),
                     translate("Pages", "{}, ~{} ml support").format(
                         html.escape(str(pr["orientation"])), f"{pr.get('support_ml', 0):.0f}")))
    sl = ch.get("slicer")
    if report is not None and sl is not None:
        if sl.get("ran") and sl.get("ok"):
            rows.append((translate("Pages", "Sliced (PrusaSlicer)"), _ok(True),
                         translate("Pages", "{} g of filament, {}").format(
                             sl.get("filament_g"), sl.get("print_time_text"))))
        else:
            rows.append((translate("Pages", "Sliced (PrusaSlicer)"),
                         _ok(False if sl.get("ran") else None),
                         html.escape(str(sl.get("message") or translate("Pages", "not run")))))
    out = ["<table cellspacing=4>"]
    for name, mark, detail in rows:
        out.append("<tr>" + "".join(_cells(f"<td>{mark}</td>", f"<td><b>{name}</b></td>",
                                           f"<td>{detail}</td>")) + "</tr>")
    out.append("</table>")
    if report is not None:
        files = ", ".join(Path(o["path"]).name for o in report.get("outputs", []))
        out.append("<p>" + translate("Pages", "Written to <b>{}</b>: {}, report.json, "
                                              "report.html").format(html.escape(str(out_dir)),
                                                                    html.escape(files)) + "</p>")
    for w in warnings:
        out.append(f"<p style='color:#8a5a00'>⚠ {html.escape(warning_text(w))}</p>")
    return "".join(out)


PAGES = (ScanPage, CleanPage, AlignPage, MeasurePage, RectifyPage, TemplatePage, ExportPage)
