"""Parameter forms built from ``describe_parameters`` rows (labels, units, ranges, help).

A form emits ``edited({name: value})`` once the user has stopped changing a field for
``DEBOUNCE_MS`` (spin boxes) or at once (check boxes, lists); it never changes the session
itself.  ``set_values`` puts the model's values back without emitting anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from .language import ltr, ltr_number_box, translate
from .messages import catalogue_text

DEBOUNCE_MS = 150


def label_of(row: dict) -> str:
    """The label a person reads for a parameter row, in the window's language."""
    return catalogue_text(row.get("label")) or row["name"].replace("_", " ")


def format_value(value: Any, unit: str = "") -> str:
    """A parameter's value as a person reads it ("216 mm", "1.5 mm", "-12°")."""
    if isinstance(value, bool):
        return translate("Forms", "yes") if value else translate("Forms", "no")
    if isinstance(value, (int, float)):
        v = float(value)
        text = f"{v:.0f}" if abs(v) >= 20 or v == int(v) else f"{v:.1f}"
        if unit == "deg":
            return f"{text}°"
        return f"{text} {unit}".rstrip()
    return str(getattr(value, "value", value))


class _NoStrayWheel:
    """Spin boxes and lists take the mouse wheel only when they have the focus; otherwise
    it scrolls the side panel (the event goes on to the parent) and no value changes by
    accident."""

    def wheelEvent(self, event):  # noqa: N802 - Qt API
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class DoubleSpinBox(_NoStrayWheel, QDoubleSpinBox):
    pass


class SpinBox(_NoStrayWheel, QSpinBox):
    pass


class ComboBox(_NoStrayWheel, QComboBox):
    """A combo box that does not widen the side panel to its longest item (the panel would
    then be cut off on the right); its list still opens wide enough to read every item."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(16)

    def showPopup(self) -> None:
        view = self.view()
        view.setMinimumWidth(max(self.width(), view.sizeHintForColumn(0) + 24))
        super().showPopup()


def _guard(widget: QWidget) -> None:
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def _step_for(lo: float | None, hi: float | None) -> float:
    if lo is None or hi is None or hi <= lo:
        return 0.1
    step = 10.0 ** math.floor(math.log10((hi - lo) / 100.0))
    return max(step, 0.01)


def _tooltip(row: dict) -> str:
    parts = []
    if row.get("help"):
        parts.append(catalogue_text(row["help"]))
    if row.get("min") is not None and row.get("max") is not None:
        parts.append(translate("Forms", "Range {} to {} {}").format(
            ltr(f"{row['min']:g}"), ltr(f"{row['max']:g}"), row.get("unit") or "").rstrip())
    if row.get("optional"):
        parts.append(translate("Forms", "Automatic when 'auto' is ticked."))
    parts.append(translate("Forms", "Parameter: {} (prosthetics design --set {}=...)")
                 .format(row["name"], row["name"]))
    return "\n".join(parts)


class Field:
    """One editor: the widget, how to read and write its value, and its change signal."""

    def __init__(self, row: dict, widget: QWidget, get: Callable[[], Any],
                 put: Callable[[Any], None], signals: list, debounced: bool,
                 blockers: list[QWidget]):
        self.row, self.widget, self.get, self._put = row, widget, get, put
        self.signals, self.debounced, self.blockers = signals, debounced, blockers

    @property
    def name(self) -> str:
        return self.row["name"]

    #: The value an automatic parameter takes in the last design (None: not known yet).
    in_use: Any = None

    def put(self, value: Any) -> None:
        for w in self.blockers:
            w.blockSignals(True)
        try:
            self._put(value)
        finally:
            for w in self.blockers:
                w.blockSignals(False)


def _float_spin(row: dict) -> QDoubleSpinBox:
    sb = DoubleSpinBox()
    lo = row["min"] if row["min"] is not None else -1e6
    hi = row["max"] if row["max"] is not None else 1e6
    step = _step_for(row["min"], row["max"])
    sb.setDecimals(max(1, -int(math.floor(math.log10(step)))))
    sb.setRange(lo, hi)
    sb.setSingleStep(step)
    return _finish_spin(sb, row)


def _finish_spin(sb, row: dict):
    """What every spin box shares: no per-keystroke edits, the unit as a suffix, a guard."""
    sb.setKeyboardTracking(False)
    sb.setAccelerated(True)
    if row.get("unit"):
        sb.setSuffix(f" {row['unit']}")
    ltr_number_box(sb)
    sb.setMinimumWidth(110)
    _guard(sb)
    return sb


class MultiChoice(QWidget):
    """Check boxes for a comma list of choices (the file formats)."""

    changed = Signal()

    def __init__(self, choices: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in choices.items():
            b = QCheckBox(label)
            b.setObjectName(f"choice_{key}")
            b.toggled.connect(lambda _on: self.changed.emit())
            lay.addWidget(b)
            self.boxes[key] = b
        lay.addStretch(1)

    def value(self) -> str:
        return ",".join(k for k, b in self.boxes.items() if b.isChecked())

    def set_value(self, text: Any) -> None:
        keys = {w.strip().lower().lstrip(".") for w in str(text or "").split(",")}
        for k, b in self.boxes.items():
            b.blockSignals(True)
            b.setChecked(k in keys)
            b.blockSignals(False)


def make_field(row: dict, named_choices: dict[str, dict[str, str]] | None = None,
               multi_choices: dict[str, dict[str, str]] | None = None) -> Field:
    """The editor of one parameter row: a list for ``named_choices`` (one of them: printer,
    material), check boxes for ``multi_choices`` (a comma list: file formats)."""
    kind, name = row["type"], row["name"]
    named = (named_choices or {}).get(name)
    multi = (multi_choices or {}).get(name)
    tip = _tooltip(row)
    if multi is not None:                                   # file formats
        mc = MultiChoice(multi)
        f = Field(row, mc, mc.value, mc.set_value, [mc.changed], False, [mc])
    elif named is not None:                                 # printer, material
        cb = ComboBox()
        for key, label in named.items():
            cb.addItem(catalogue_text(f"{label}"), key)
        _guard(cb)

        def put(v, cb=cb):
            i = cb.findData(v)
            if i < 0:
                cb.addItem(str(v), v)
                i = cb.count() - 1
            cb.setCurrentIndex(i)
        f = Field(row, cb, lambda: cb.currentData(), put, [cb.currentIndexChanged], False, [cb])
    elif kind == "choice":
        cb = ComboBox()
        for c in row["choices"]:
            cb.addItem(catalogue_text(str(c)), c)       # "right" in the window's language
        _guard(cb)
        f = Field(row, cb, lambda: cb.currentData(),
                  lambda v: cb.setCurrentIndex(max(0, cb.findData(v))),
                  [cb.currentIndexChanged], False, [cb])
    elif kind == "bool":
        ch = QCheckBox()
        f = Field(row, ch, lambda: ch.isChecked(), lambda v: ch.setChecked(bool(v)),
                  [ch.toggled], False, [ch])
    elif kind == "int":
        sb = SpinBox()
        sb.setRange(int(row["min"]) if row["min"] is not None else -10**9,
                    int(row["max"]) if row["max"] is not None else 10**9)
        _finish_spin(sb, row)
        f = Field(row, sb, lambda: sb.value(), lambda v: sb.setValue(int(v)),
                  [sb.valueChanged], True, [sb])
    elif kind == "float" and row.get("optional"):
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        sb = _float_spin(row)
        auto = QCheckBox(translate("Forms", "auto"))
        auto.setToolTip(translate("Forms", "Automatic: the field shows, greyed, the value the "
                                           "last design used"))
        lay.addWidget(sb, 1)
        lay.addWidget(auto)

        def get(sb=sb, auto=auto):
            return None if auto.isChecked() else sb.value()

        def show_auto(sb=sb, row=row):
            # The spin box's lowest value stands for "automatic" and shows as text, so the
            # bottom of the range is never shown as if it were the value in use.
            used = f.in_use
            sb.setSpecialValueText(translate("Forms", "auto") if used is None
                                   else translate("Forms", "auto ({})").format(
                                       ltr(format_value(used, row.get("unit") or ""))))
            sb.setValue(sb.minimum())

        def put(v, sb=sb, auto=auto):
            auto.setChecked(v is None)
            sb.setEnabled(v is not None)
            if v is None:
                show_auto()
            else:
                sb.setSpecialValueText("")
                sb.setValue(float(v))

        def on_auto(checked, sb=sb):
            sb.setEnabled(not checked)
            if checked:
                show_auto()
            else:
                # Start from the value the automatic choice took, not the bottom of the range.
                sb.setSpecialValueText("")
                if f.in_use is not None:
                    sb.setValue(min(max(float(f.in_use), sb.minimum()), sb.maximum()))
        auto.toggled.connect(on_auto)
        f = Field(row, box, get, put, [sb.valueChanged, auto.toggled], True, [sb, auto])
        f.spin, f.auto, f.show_auto = sb, auto, show_auto
    elif kind == "float":
        sb = _float_spin(row)
        f = Field(row, sb, lambda: sb.value(), lambda v: sb.setValue(float(v)),
                  [sb.valueChanged], True, [sb])
    else:
        le = QLineEdit()
        f = Field(row, le, lambda: le.text(), lambda v: le.setText("" if v is None else str(v)),
                  [le.editingFinished], False, [le])
    f.widget.setToolTip(tip)
    f.widget.setObjectName(f"param_{name}")
    return f


class ParamForm(QWidget):
    """A form of some parameters; ``edited`` carries {name: value} after the debounce."""

    edited = Signal(dict)

    def __init__(self, rows: list[dict], names: list[str] | None = None,
                 named_choices: dict | None = None, parent: QWidget | None = None,
                 multi_choices: dict | None = None):
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.layout_.setContentsMargins(0, 4, 0, 4)
        self.fields: dict[str, Field] = {}
        self.hints: dict[str, QLabel] = {}
        self._pending: dict[str, Any] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        by_name = {r["name"]: r for r in rows}
        for name in names if names is not None else list(by_name):
            row = by_name[name]
            f = make_field(row, named_choices, multi_choices)
            self.fields[name] = f
            label = QLabel(label_of(row))
            label.setObjectName(f"label_{name}")
            label.setToolTip(f.widget.toolTip())
            label.setBuddy(f.widget)
            self.layout_.addRow(label, f.widget)
            f.put(row["value"])
            for sig in f.signals:
                sig.connect(lambda *_a, f=f: self._changed(f))

    def _changed(self, f: Field) -> None:
        self._pending[f.name] = f.get()
        if f.debounced:
            self._timer.start()
        else:
            self.flush()

    def flush(self) -> None:
        """Emit the pending edits now."""
        self._timer.stop()
        if self._pending:
            pending, self._pending = self._pending, {}
            self.edited.emit(pending)

    def set_values(self, values: dict[str, Any]) -> None:
        for name, v in values.items():
            f = self.fields.get(name)
            if f is not None and name not in self._pending:
                f.put(v)

    def set_auto_hint(self, name: str, value: float | None) -> None:
        """Show the value an automatic parameter takes in the last design ("auto (216 mm)"
        in the greyed field; None: not known)."""
        f = self.fields.get(name)
        if f is None or not hasattr(f, "auto"):
            return
        f.in_use = value
        if f.auto.isChecked():
            f.spin.blockSignals(True)
            f.show_auto()
            f.spin.blockSignals(False)

    def set_enabled_field(self, name: str, enabled: bool, why: str = "") -> None:
        """Grey out a field that the current values make irrelevant, saying why."""
        f = self.fields.get(name)
        if f is None:
            return
        f.widget.setEnabled(enabled)
        label = self.layout_.labelForField(f.widget)
        if label is not None:
            label.setEnabled(enabled)
        f.widget.setToolTip(_tooltip(f.row) + ("\n\n" + translate("Forms", "Not used now: {}").format(why)
                                                 if why else ""))
