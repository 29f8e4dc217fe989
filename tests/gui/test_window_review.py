"""What the socket window shows and asks, checked on its real widgets: values in use in the
automatic fields, words for people, pictures that do not mislead, the layout of the side
panel, questions before unsaved work is lost.  One window on the clean limb scan (a fast
design) is shared; the tests run in file order and the last one closes it."""

from __future__ import annotations

import dataclasses
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from .conftest import open_window, spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
TRUTH_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
SHOTS = os.environ.get("PROSTHETICS_TEST_SHOTS")


@pytest.fixture(scope="module")
def window(qapp, messages):
    win = open_window(str(TRUTH_STL))
    win.model.edit({"slice": False})
    wait_until(lambda: win.model.is_current(), 180, "the design")
    win.model.undo_stack.setClean()
    yield win
    if win.isVisible():
        win.close()
    spin(0.1)


def settle(win, timeout=180.0):
    wait_until(lambda: win.model.is_current(), timeout, "the design to be up to date")
    spin(0.2)


def shot(win, name):
    if SHOTS:
        win.grab().save(str(Path(SHOTS) / name))


# -- values that are the values used ------------------------------------------------------
def test_auto_fields_show_the_value_in_use(window):
    m = window.model
    window.select_step("rectify")
    spin(0.2)
    mpt = window.pages["rectify"].field("mpt_height_mm")
    z = float(m.socket.landmarks.points["mid_patellar_tendon"][2])
    assert mpt.auto.isChecked() and not mpt.spin.isEnabled()
    assert mpt.spin.text() == f"auto ({z:.0f} mm)"          # not "20.0 mm", the range's bottom
    window.select_step("template")
    spin(0.2)
    label_z = window.pages["template"].field("label_z_mm")
    assert label_z.spin.text() == f"auto ({m.socket.label['centre_z_mm']:.0f} mm)"
    trim = window.pages["template"].field("trim_height_mm")
    assert trim.spin.text() == f"auto ({m.socket.trim_anterior_z_mm:.0f} mm)"
    # Unticking "auto" starts from the value in use, not from the bottom of the range.
    trim.auto.setChecked(False)
    assert trim.spin.value() == pytest.approx(m.socket.trim_anterior_z_mm, abs=0.1)
    window.pages["template"].walls.flush()
    m.undo_stack.undo() if m.undo_stack.canUndo() else None
    trim.put(None)
    settle(window)
    m.undo_stack.setClean()


def test_reduction_is_labelled_as_an_area_at_the_trim_line(window):
    page = window.pages["rectify"]
    label = page.findChild(type(page.info), "label_reduction_percent")
    assert label is not None and label.text() == "Area reduction at the trim line"
    window.select_step("rectify")
    spin(0.2)
    assert "Volume reduction" not in page.info.text()
    assert "Cavity volume smaller than the limb's by" in page.info.text()


def test_trim_below_scan_top_is_greyed_while_the_trim_height_is_set(window):
    m = window.model
    below = window.pages["template"].field("trim_below_scan_top_mm")
    assert below.widget.isEnabled()
    m.edit({"trim_height_mm": 180.0})
    spin(0.1)
    assert not below.widget.isEnabled()
    assert "set by hand" in below.widget.toolTip()
    m.undo_stack.undo()
    spin(0.1)
    assert below.widget.isEnabled() and "set by hand" not in below.widget.toolTip()
    settle(window)
    m.undo_stack.setClean()


# -- pictures that do not mislead --------------------------------------------------------
def test_colour_bar_spans_the_true_extremes_and_says_them(window):
    m, vp = window.model, window.viewport
    window.select_step("rectify")
    spin(0.3)
    sv = m.socket_view
    d = sv.distance_mm[sv.inner_vertices[:, 2] <= sv.trim_z_mm]
    lo, hi = vp.plotter.renderer.actors["distance"].mapper.scalar_range
    assert -lo == pytest.approx(hi) and hi >= np.abs(d).max() - 1e-6 and hi - np.abs(d).max() < 0.5
    assert f"{d.min():+.1f} to {d.max():+.1f} mm" in vp.distance_range_text
    assert "distance_range" in vp.plotter.renderer.actors
    shot(window, "gui_rectify_colour_range.png")


def test_axes_triad_letters_and_the_file_axes(window):
    m, vp = window.model, window.viewport
    ax = vp.axes_actor
    assert (ax.GetXAxisLabelText(), ax.GetYAxisLabelText(), ax.GetZAxisLabelText()) == (
        "X", "Y", "Z")
    window.select_step("scan")
    spin(0.2)
    assert vp.axes_legend == "X: patient's right   Y: anterior   Z: proximal"
    designed = m.raw
    m.raw = dataclasses.replace(designed, frame="scan", removed=None)   # as before alignment
    try:
        vp.refresh()
        assert vp.axes_legend.startswith("File axes") and "anterior" not in vp.axes_legend
        assert "file's axes" in vp.caption_lines[0]
    finally:
        m.raw = designed
        vp.refresh()
    assert "anterior" in vp.axes_legend


def test_cancel_says_cancelled(window):
    m, vp = window.model, window.viewport
    window.select_step("template")
    spin(0.2)
    wall = m.value("wall_thickness_mm")
    m.edit({"wall_thickness_mm": wall + 0.5})
    wait_until(lambda: m.socket_is_preview, 60, "the preview")
    window._cancel()
    wait_until(lambda: not m.busy, 120, "the cancel")
    spin(0.2)
    if not m.socket_is_preview:
        pytest.skip("the full socket was built before the cancel reached it")
    checks = window.pages["template"].checks.text()
    assert "cancelled" in checks and "running" not in checks
    assert "cancelled" in vp.caption_lines[-1] and "follow" not in vp.caption_lines[-1]
    shot(window, "gui_template_cancelled.png")
    window.select_step("export")
    spin(0.2)
    assert "follow" not in " ".join(vp.caption_lines)
    window._run()
    settle(window)
    assert "cancelled" not in window.pages["export"].checks.text()
    m.undo_stack.undo()
    settle(window)
    m.undo_stack.setClean()


# -- words for people --------------------------------------------------------------------
def test_undo_and_warnings_use_the_parameters_labels(window, messages):
    m = window.model
    m.edit({"trim_height_mm": 190.0})
    assert window.act_undo.text() == "&Undo Change Anterior trim height to 190 mm"
    assert "trim_height_mm" not in window.act_undo.text()
    m.undo_stack.undo()
    assert window.act_redo.text() == "&Redo Change Anterior trim height to 190 mm"
    settle(window)
    m.set_preset("transtibial_ptb")
    from prosthetics.design.presets import list_presets

    assert m.undo_stack.undoText() == f"Switch the preset to {list_presets()['transtibial_ptb'].label}"
    m.undo_stack.undo()
    settle(window)
    m.undo_stack.setClean()
    messages.clear()
    m.warningOccurred.emit("anterior (+Y) is a guess; set anterior_rotation_deg if it is off, "
                           "or limb_side=left")
    side = {r["name"]: r["label"] for r in m.rows()}["limb_side"]
    assert messages[-1] == ("anterior (+Y) is a guess; set “Anterior rotation” if it is off, "
                            f"or “{side}” = left")
    messages.clear()


def test_the_anterior_angle_is_explained(window):
    window.select_step("align")
    spin(0.2)
    a = window.model.aligned
    info = window.pages["align"].info
    g = a.anterior_guess_deg
    side = "counter-clockwise" if g > 0 else "clockwise"
    assert "Anterior direction found from the anatomy" in info.text()
    assert f"rotated {abs(g):.0f}° {side} (seen from proximal) from the scan's +Y" in info.text()
    assert f"{g:.1f}" not in info.text() and "from proximal" in info.toolTip()
    assert "anterior_rotation_deg" not in info.text()
    shot(window, "gui_align_anterior.png")


def test_slicing_status_counts_the_seconds(window):
    from prosthetics_gui.messages import SLICE_TEXT

    m = window.model
    m.busyChanged.emit(True)
    m._job = object()                       # as while a job runs
    try:
        m.progress.emit(SLICE_TEXT, 0.9)
        first = window.status.text()
        spin(2.3)
        later = window.status.text()
    finally:
        m._job = None
        m.busyChanged.emit(False)
    assert re.search(r": [01] s so far", first), first
    assert re.search(r": [23] s so far", later), later
    assert "20-30" not in later


# -- layout --------------------------------------------------------------------------------
def test_clean_table_shows_every_row_with_its_unit(window):
    window.select_step("clean")
    spin(0.3)
    t = window.pages["clean"].table
    heads = [t.horizontalHeaderItem(i).text() for i in range(t.columnCount())]
    assert heads == ["step", "kept", "removed", "counted in"]
    steps = window.model.cleaned.steps
    assert [t.item(i, 3).text() for i in range(t.rowCount())] == [
        "triangles" if s["step"] in ("keep mesh", "reconstruct", "hole fill", "decimate")
        else "points" for s in steps]
    assert not t.verticalScrollBar().isVisible()
    last = t.rowCount() - 1
    assert t.visualItemRect(t.item(last, 0)).bottom() <= t.viewport().height()
    shot(window, "gui_clean_table.png")


def test_side_panel_scrolls_only_when_needed(window):
    window.resize(1400, 900)
    for step, scrolls in (("scan", False), ("clean", False), ("template", True)):
        window.select_step(step)
        spin(0.3)
        assert window.scroll.verticalScrollBar().isVisible() == scrolls, step


def test_measure_chart_and_table_at_900_pixels(window):
    window.resize(900, 900)
    window.select_step("measure")
    spin(0.5)
    page = window.pages["measure"]
    chart = page.chart
    fig = chart.figure
    chart.draw()
    r = chart.get_renderer()
    box = fig.bbox
    for artist in (chart.ax.xaxis.label, chart.ax.get_legend()):
        b = artist.get_window_extent(r)
        assert b.x0 >= box.x0 - 1 and b.y0 >= box.y0 - 1 and b.x1 <= box.x1 + 1 \
            and b.y1 <= box.y1 + 1, artist
    assert chart.height() >= 300
    levels = window.model.measurements.levels
    t = page.table
    assert t.rowCount() == len(levels)
    assert [t.horizontalHeaderItem(i).text() for i in range(2)] == ["height (mm)", "limb (mm)"]
    assert float(t.item(3, 0).text()) == pytest.approx(levels[3].z_mm, abs=0.5)
    assert float(t.item(3, 1).text()) == pytest.approx(levels[3].perimeter_mm, abs=0.05)
    shot(window, "gui_measure_900px.png")
    window.resize(1400, 900)
    spin(0.2)


def test_export_formats_are_check_boxes(window):
    m = window.model
    f = window.pages["export"].field("formats")
    boxes = f.widget.boxes
    assert list(boxes) == ["stl", "3mf", "step", "aop"]
    assert [k for k, b in boxes.items() if b.isChecked()] == ["stl", "3mf"]
    boxes["step"].setChecked(True)
    wait_until(lambda: m.value("formats") == "stl,3mf,step", 5, "the edit")
    m.undo_stack.undo()
    spin(0.1)
    assert not boxes["step"].isChecked()
    settle(window)
    m.undo_stack.setClean()


# -- not losing work (last: the window closes) ------------------------------------------------
def test_open_and_quit_ask_before_unsaved_changes_are_lost(window, monkeypatch):
    m = window.model
    asked: list[str] = []
    answer = {"button": QMessageBox.StandardButton.Cancel}

    def question(parent, title, text, buttons, *a, **k):
        asked.append(text)
        assert buttons & QMessageBox.StandardButton.Save and buttons & \
            QMessageBox.StandardButton.Discard and buttons & QMessageBox.StandardButton.Cancel
        return answer["button"]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    m.edit({"wall_thickness_mm": m.value("wall_thickness_mm") + 0.5})
    spin(0.1)
    assert window.isWindowModified()
    session = m.session
    assert not window.open_path(TRUTH_STL)                 # Cancel: nothing happens
    assert len(asked) == 1 and "not saved" in asked[0] and m.session is session
    window.close()                                        # Cancel: the window stays
    spin(0.1)
    assert len(asked) == 2 and window.isVisible()
    answer["button"] = QMessageBox.StandardButton.Discard
    assert window.open_path(TRUTH_STL)
    assert len(asked) == 3 and m.session is not session and m.undo_stack.isClean()
    settle(window)
    # An insole window closes with this one.
    window.open_insole()
    insole = window._insole_windows[-1]
    spin(0.2)
    assert insole.isVisible()
    m.edit({"wall_thickness_mm": m.value("wall_thickness_mm") + 0.5})
    window.close()
    spin(0.2)
    assert len(asked) == 4 and not window.isVisible() and not insole.isVisible()
    time.sleep(0.1)
