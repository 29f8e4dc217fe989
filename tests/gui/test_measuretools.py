"""The Section and tape panel in the real window (pytest-qt, X display): its figures are the
core's, its plane and tape are drawn in the 3D view, and a pick on the limb sets the tape."""

from __future__ import annotations

import os

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from .conftest import spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

DESIGN_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def window(qapp):
    from prosthetics_gui.mainwindow import MainWindow

    shown: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k:
                                                        shown.append(text)))
        win = MainWindow()
        win.resize(1400, 900)
        win.show()
        win.start(None)                      # the sample scan
        wait_until(win.is_ready, 60, "the window to be built")
        wait_until(lambda: win.model.is_current(), DESIGN_TIMEOUT, "the design")
        win.messages = shown
        yield win
        win.close()
        spin(0.1)


def panel_action(win):
    acts = [a for a in win.tools_menu.actions() if a.text().startswith("&Section and tape")]
    assert len(acts) == 1
    return acts[0]


def settled(panel, z=None):
    def ok():
        s = panel.section
        return panel.wait_idle() and s is not None and (z is None or s.z_mm == z)
    return ok


def section_requests(panel, monkeypatch) -> list[float]:
    """The levels of the sections ``panel`` asks its worker for, in order, from now to the
    end of the test (its request method wrapped, put back after the test)."""
    requested: list[float] = []
    real = panel._request_section

    def counting():
        requested.append(panel.level_mm)
        real()

    monkeypatch.setattr(panel, "_request_section", counting)
    return requested


def test_menu_opens_the_panel_with_the_cores_figures(window):
    from prosthetics.sockets.sections import socket_section

    m = window.model
    window.select_step("template")
    spin(0.1)
    assert panel_action(window).shortcut().toString() == "Ctrl+Shift+M"
    panel_action(window).trigger()
    dock = window.section_tape
    panel = dock.panel
    assert dock.isVisible() and panel.active
    wait_until(settled(panel), 30, "the first section")

    panel.spin.setValue(120.0)                       # as typed into the level box
    wait_until(settled(panel, 120.0), 30, "the section at 120 mm")
    assert panel.slider.value() == 120
    core = socket_section(m.aligned.mesh, m.socket, 120.0)
    for key, c in (("limb", core.limb), ("cavity", core.cavity), ("outer", core.outer)):
        assert c.closed
        assert panel.figures[key].text() == f"{c.circumference_mm:.1f} mm", key
    w = core.wall
    assert panel.figures["wall"].text() == \
        f"{w.min_mm:.1f} / {w.mean_mm:.1f} / {w.max_mm:.1f} mm"
    assert w.min_mm >= m.socket.params.wall_thickness_mm - 0.1
    assert panel.figures["area"].text() == f"{core.cavity_area_change_percent:+.1f} %"
    assert core.cavity_area_change_percent < 0          # reduced

    # The plot shows the three closed contours; the view the plane at 120 mm.
    assert set(panel.plot.series) == {"limb", "cavity", "outer"}
    assert np.allclose(panel.plot.series["limb"][0], core.limb.loop)
    actors = window.viewport.plotter.renderer.actors
    assert {"section_plane", "section_rim", "socket", "limb"} <= set(actors)
    z_plane = window.viewport.plotter.renderer.actors["section_plane"].GetMapper() \
        .GetInput().GetBounds()[4]
    assert z_plane == pytest.approx(120.0, abs=1e-3)

    # The MPT for reference, and a button that goes there.
    mpt = float(m.socket.landmarks["mid_patellar_tendon"][2])
    assert panel.mpt_label.text() == f"MPT at {mpt:.1f} mm"
    panel.mpt_btn.click()
    wait_until(settled(panel, round(mpt, 1)), 30, "the section at the MPT")
    assert panel.spin.value() == pytest.approx(round(mpt, 1))


def test_the_panel_follows_the_steps(window):
    panel = window.section_tape.panel
    panel.set_level(100.0)
    for step in ("measure", "rectify", "template", "export"):
        window.select_step(step)
        wait_until(settled(panel, 100.0), 30, f"the section on {step}")
        spin(0.05)
        actors = window.viewport.plotter.renderer.actors
        assert "section_plane" in actors, step       # drawn again over the step's scene
        assert panel.slider.isEnabled() and panel.pick_btn.isEnabled(), step
        assert panel.figures["limb"].text().endswith(" mm")
    for step in ("scan", "clean"):                   # not in the limb frame
        window.select_step(step)
        spin(0.05)
        assert "section_plane" not in window.viewport.plotter.renderer.actors, step
        assert not panel.slider.isEnabled() and not panel.pick_btn.isEnabled()
        assert "Align to Export" in panel.note.text()
    window.select_step("template")
    wait_until(settled(panel, 100.0), 30, "the section back on template")
    assert panel.figures["cavity"].text().endswith(" mm")


def test_tape_between_two_picked_points(window):
    from prosthetics.limb.tape import tape

    m, vp = window.model, window.viewport
    panel = window.section_tape.panel
    window.select_step("template")
    spin(0.05)
    panel.pick_btn.setChecked(True)
    # While picking, only the limb can be picked (through the socket).
    actors = vp.plotter.renderer.actors
    assert vp._pick_callback is not None
    assert actors["limb"].GetPickable() and not actors["socket"].GetPickable()

    limb = m.aligned.mesh
    v = np.asarray(limb.vertices)
    a = v[np.argmax(v[:, 0] - 0.2 * np.abs(v[:, 2] - 100.0))]      # lateral, near 100 mm
    b = v[np.argmax(v[:, 1] - 0.2 * np.abs(v[:, 2] - 160.0))]      # anterior, near 160 mm
    panel.pick(a)
    assert panel.tape_labels["geodesic"].text() == "—"
    assert "tape_ends-labels" in vp.plotter.renderer.actors          # A alone
    panel.pick(b)
    wait_until(lambda: panel.tape is not None and panel.wait_idle(), 60, "the tape")
    core = tape(limb, a, b)
    assert panel.tape_labels["geodesic"].text() == f"{core.geodesic_mm:.1f} mm"
    assert panel.tape_labels["straight"].text() == f"{core.straight_mm:.1f} mm"
    assert core.straight_mm == pytest.approx(float(np.linalg.norm(b - a)), abs=0.01)
    assert core.geodesic_mm > core.straight_mm
    assert not panel.pick_btn.isChecked() and vp._pick_callback is None
    spin(0.05)
    actors = vp.plotter.renderer.actors
    assert {"tape_path", "tape_ends-points", "tape_ends-labels"} <= set(actors)
    assert actors["socket"].GetPickable()                          # picking over
    n = actors["tape_path"].GetMapper().GetInput().GetNumberOfPoints()
    assert n == len(core.path_mm)
    # A redraw of the scene keeps the tape.
    vp.refresh()
    assert "tape_path" in vp.plotter.renderer.actors
    panel.clear_btn.click()
    assert "tape_path" not in vp.plotter.renderer.actors and panel.tape is None


def test_a_pick_in_the_view_reaches_the_panel(window):
    """VTK's picker, fired at the pixel of a limb point (no mouse), sets point A."""
    vp = window.viewport
    panel = window.section_tape.panel
    window.select_step("template")
    window.set_view("anterior")
    spin(0.1)
    limb = window.model.aligned.mesh
    # An anterior point of the limb above the socket's trim line, facing the camera.
    zt = window.model.socket.trim_anterior_z_mm
    v = np.asarray(limb.vertices)
    band = np.abs(v[:, 2] - (zt + 15.0)) < 2.0
    target = v[band][np.argmax(v[band][:, 1])]
    panel.pick_btn.setChecked(True)
    ren = vp.plotter.renderer
    ren.SetWorldPoint(*target, 1.0)
    ren.WorldToDisplay()
    x, y, _ = ren.GetDisplayPoint()
    vp.plotter.iren.picker.Pick(x, y, 0, ren)
    spin(0.05)
    assert len(panel.picks) == 1
    assert np.linalg.norm(panel.picks[0] - target) < 3.0
    panel.clear_tape()
    assert not window.messages


def test_hiding_the_panel_takes_its_drawing_away(window):
    dock = window.section_tape
    dock.close()
    spin(0.1)
    assert not dock.panel.active
    actors = window.viewport.plotter.renderer.actors
    assert "section_plane" not in actors and "tape_path" not in actors
    panel_action(window).trigger()
    spin(0.1)
    assert dock.isVisible() and "section_plane" in window.viewport.plotter.renderer.actors


def test_dragging_the_plane_moves_the_section(window, monkeypatch):
    """The plane in the view, dragged up the limb: the section follows while it moves (fewer
    sections than moves), and on release shows the core's section at the level reached."""
    import re

    from prosthetics.sockets.sections import socket_section
    from prosthetics_gui.measuretools import timed_plane_drag

    m, vp = window.model, window.viewport
    panel_action(window).trigger()
    panel = window.section_tape.panel
    window.select_step("template")
    window.set_view("three_quarter")
    panel.set_level(90.0)
    wait_until(settled(panel, 90.0), 30, "the section at 90 mm")
    spin(0.1)
    w = vp.section_widget
    assert w is not None and w.GetEnabled()
    assert w.GetNormal() == pytest.approx((0.0, 0.0, 1.0))
    ox, oy, oz = w.GetOrigin()
    assert oz == pytest.approx(90.0)
    # A point of the plane's square beside the limb, pushed up in 24 moves of 2.5 mm.
    b = vp._limb_poly().bounds
    x = ox + 0.5 * (b[1] - b[0]) + 12.0
    shown = []
    panel.sectionShown.connect(shown.append)
    requested = section_requests(panel, monkeypatch)
    try:
        moves = timed_plane_drag(vp, (x, oy, 90.0), [(x, oy, 90.0 + 2.5 * k)
                                                      for k in range(1, 25)], pause_s=0.01)
    finally:
        panel.sectionShown.disconnect(shown.append)
    level = panel.level_mm
    assert level == pytest.approx(round(w.GetOrigin()[2], 1))
    assert level > 120.0, f"the plane moved only to {level} mm"
    assert (w.GetOrigin()[0], w.GetOrigin()[1]) == pytest.approx((ox, oy))   # along z only
    # While it moved the figures followed, at whole millimetres; then the release's level.
    assert panel.drag_sections >= 1 and len(requested) >= 3
    assert all(float(z).is_integer() for z in requested[:-1]) and requested[-1] == level
    assert len(moves) == 24 and max(moves) < 2000.0, f"a move took {max(moves):.0f} ms"
    wait_until(settled(panel, level), 30, "the section at the release")
    core = socket_section(m.aligned.mesh, m.socket, level)
    for key, c in (("limb", core.limb), ("cavity", core.cavity), ("outer", core.outer)):
        shown_mm = float(re.match(r"([\d.]+) mm", panel.figures[key].text()).group(1))
        assert shown_mm == pytest.approx(c.circumference_mm, abs=0.5), key
    assert panel.section.limb.circumference_mm == pytest.approx(core.limb.circumference_mm,
                                                                abs=0.5)
    assert panel.spin.value() == pytest.approx(level) and panel.slider.value() == round(level)
    actors = vp.plotter.renderer.actors
    disc = actors["section_plane"]
    assert disc.GetMapper().GetInput().GetBounds()[4] + disc.GetPosition()[2] == \
        pytest.approx(level, abs=1e-3)
    shots = os.environ.get("PROSTHETICS_TEST_SHOTS")
    if shots:
        from pathlib import Path

        spin(0.3)
        window.grab().save(str(Path(shots) / "gui_section_plane.png"))


def test_a_fast_drag_asks_for_few_sections(window, monkeypatch):
    """Plane moves coming faster than DRAG_UPDATE_MS (no event processed between them): one
    section for the burst, at its newest level, while it moves; one on release."""
    from prosthetics_gui.measuretools import DRAG_UPDATE_MS

    panel = window.section_tape.panel
    vp = window.viewport
    panel.set_level(100.0)
    wait_until(settled(panel, 100.0), 30, "the section at 100 mm")
    requested = section_requests(panel, monkeypatch)
    for k in range(1, 31):                         # 30 moves of 1 mm, one after the other
        vp.sectionDragged.emit(100.0 + k + 0.3, False)
    assert requested == [] and panel.level_mm == 130.0           # the plane, at once
    spin(3 * DRAG_UPDATE_MS / 1000.0)
    assert requested == [130.0]                    # the newest level, once
    vp.sectionDragged.emit(131.26, True)
    assert requested == [130.0, 131.3]
    wait_until(settled(panel, 131.3), 30, "the section at the release")
    assert panel.spin.value() == pytest.approx(131.3)
