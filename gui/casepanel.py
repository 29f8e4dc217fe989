"""The Case trends window: the open case's scans and revisions, and the measurement history
(volume by scan, circumference profile of each scan) drawn by the same function as the
record for the patient file."""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .language import current_language, translate


class CaseTrendsDialog(QDialog):
    """Shows one case folder; :meth:`refresh` re-reads it (after a save)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(translate("CaseTrends", "Case trends"))
        self.resize(900, 720)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.figure = Figure(figsize=(8.0, 3.6), dpi=90)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(320)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([
            translate("CaseTrends", "revision"), translate("CaseTrends", "date (UTC)"),
            translate("CaseTrends", "kind"), translate("CaseTrends", "scan"),
            translate("CaseTrends", "author"), translate("CaseTrends", "note")])
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.header)
        lay.addWidget(self.canvas, 3)
        lay.addWidget(self.table, 2)
        lay.addWidget(buttons)
        self.entries: list[dict] = []
        self.verified = None

    def refresh(self, case_folder) -> None:
        from prosthetics.cases import open_case, verify_case
        from prosthetics.cases.record import draw_trends
        from prosthetics.cases.trends import circumference_change, trends

        case = open_case(case_folder)
        self.entries = trends(case)
        self.verified = verify_case(case.path)
        ch = {c["scan"]: c for c in circumference_change(self.entries)}
        last = ch.get(self.entries[-1]["scan"]) if self.entries else None
        change = ("" if not last or last["mean_change_percent"] is None or len(self.entries) < 2
                  else translate("CaseTrends", " Circumference since the first scan: {} % (mean "
                                               "over {} levels).")
                  .format(f"{last['mean_change_percent']:+.2f}", last["levels"]))
        state = (translate("CaseTrends", "verified") if self.verified.ok
                 else translate("CaseTrends", "DOES NOT VERIFY: {}")
                 .format(self.verified.problems[0]))
        d = case.data
        self.header.setText(
            f"<b>{case.case_id}</b> · {d.get('side') or '–'} · "
            f"{(d.get('amputation_level') or '–').replace('_', ' ')} · "
            + translate("CaseTrends", "{} scans, {} revisions · {}.{}").format(
                len(case.scans), len(case.revisions), state, change))
        self.figure.clear()
        draw_trends(self.figure, self.entries, lang=current_language())
        self.canvas.draw_idle()
        self.table.setRowCount(len(case.revisions))
        for i, r in enumerate(case.revisions):
            for j, v in enumerate((r["number"], r["created_utc"], r["kind"], r["scan"],
                                   r.get("author") or "", r.get("note") or "")):
                self.table.setItem(i, j, QTableWidgetItem(str(v)))
        self.table.resizeColumnsToContents()
