"""The circumference chart of the Measure page (matplotlib in Qt)."""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

LIMB = "#a0613f"
SOCKET = "#2f5f9a"
TRIM = "#c0392b"


class MeasureChart(FigureCanvasQTAgg):
    """Circumference (mm) per height z (mm) of the limb, the socket's cavity and the trim.

    z is on the vertical axis, as the limb stands (as in report.html).
    """

    def __init__(self, parent=None):
        self.figure = Figure(figsize=(3.6, 4.0), dpi=90, layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        self.setMinimumHeight(300)
        self.ax = self.figure.subplots()
        self.series: dict = {}
        self.title = ""
        self.update_chart(None)

    def update_chart(self, measurements, socket_view=None, trim_z_mm: float | None = None):
        ax = self.ax
        ax.clear()
        self.series = {}
        if measurements is None or not measurements.levels:
            self.title = "No measurements yet"
            ax.text(0.5, 0.5, "no circumferences yet", ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
        else:
            z = [s.z_mm for s in measurements.levels]
            c = [s.perimeter_mm for s in measurements.levels]
            self.series["limb"] = (c, z)
            ax.plot(c, z, "-o", color=LIMB, markersize=3.5, linewidth=1.6, label="limb")
            if socket_view is not None and socket_view.inner_circumferences:
                zi = [p[0] for p in socket_view.inner_circumferences]
                ci = [p[1] for p in socket_view.inner_circumferences]
                self.series["socket"] = (ci, zi)
                ax.plot(ci, zi, "-s", color=SOCKET, markersize=3, linewidth=1.4,
                        label="socket cavity")
            if trim_z_mm is not None:
                ax.axhline(trim_z_mm, color=TRIM, linestyle="--", linewidth=1.1,
                           label=f"trim, z = {trim_z_mm:.0f} mm")
            ax.legend(fontsize=8, loc="lower right")
            self.title = (f"Volume {measurements.volume_ml:.0f} ml, length "
                          f"{measurements.length_mm:.0f} mm")
        ax.set_title(self.title, fontsize=10)
        ax.set_xlabel("circumference (mm)", fontsize=9)
        ax.set_ylabel("height z above the distal end (mm)", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#e4e4e4", linewidth=0.6)
        self.draw_idle()
