"""The insole window: open the sample foot scan, edit a parameter, see the insole, export."""

from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from .conftest import wait_until  # noqa: E402

pytestmark = pytest.mark.gui


def test_open_edit_view_export(qtbot, tmp_path):
    from prosthetics.resources import sample_scan
    from prosthetics_gui.insole_window import InsoleWindow

    win = InsoleWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    win.open(sample_scan("foot_phone.ply"))
    wait_until(lambda: win.model.design is not None and not win.model.busy, 180, "the insole")
    d = win.model.design
    assert d.report["checks"]["watertight"] and d.report["checks"]["bodies"] == 1
    assert win.plotter.renderer.actors.get("insole") is not None
    assert "Insole" in win.info.text() and win.export_button.isEnabled()
    # An edit in the form (as the form emits it) re-runs the design with the new value.
    win.form.edited.emit({"heel_cup_depth_mm": 18.0})
    wait_until(lambda: not win.model.busy and win.model.design is not d, 180, "the re-design")
    m = win.model.design.report["insole"]["measured"]
    assert abs(m["heel_cup_depth_mm"] - 18.0) <= 0.5
    win.model.settings["slice"] = "false"
    win.model.export(tmp_path / "out")
    wait_until(lambda: (tmp_path / "out" / "report.json").exists() and not win.model.busy,
               120, "the export")
    assert (tmp_path / "out" / "insole_right.stl").stat().st_size > 100_000
    img = win.grab()
    assert img.width() > 0 and not img.isNull()
    win.close()
