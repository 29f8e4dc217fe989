"""Shaping the socket on the model: landmarks, trim line and brushes dragged in the real
window (mouse events sent to the 3D view), undo, and the replay of the saved rectification
by the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from .conftest import spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def window(qapp):
    from prosthetics_gui.mainwindow import MainWindow

    win = MainWindow(headless=True)
    win.resize(1400, 900)
    win.show()
    win.start(None)
    wait_until(win.is_ready, 60, "the window")
    wait_until(win.model.is_current, 240, "the sample's design")
    win.select_step("rectify")
    wait_until(win.model.is_current, 60, "the design")
    spin(0.2)
    yield win
    win.close()
    spin(0.1)


def _on_limb(sh, points):
    return list(sh.limb_query().closest_points(np.asarray(points, dtype=float))[0])


def _depth_map(sh, rows):
    """How far each cavity point is outside the limb along the limb's normal (mm)."""
    from prosthetics.sockets.engine import _grid_normals

    g = sh.model.socket.grid
    return np.einsum("ijk,ijk->ij", rows - g.limb_points, _grid_normals(g.limb_points,
                                                                         g.limb_pole))


def test_dragged_landmark_carries_its_zone_and_undo_says_so(window):
    from prosthetics_gui.shaping import timed_drag

    m, sh = window.model, window.shaper
    m.edit({"patellar_tendon_depth_mm": 4.0})
    wait_until(m.is_current, 120, "the zone")
    old = sh.landmark_points()["mid_patellar_tendon"]
    assert not sh.is_confirmed("mid_patellar_tendon")
    target = _on_limb(sh, [old + [0.0, 0.0, -60.0]])[0]      # clear of the old zone
    path = _on_limb(sh, [old + [0.0, 0.0, -6.0 * k] for k in range(1, 11)])
    path[-1] = target
    g = m.socket.grid
    # The zone moves with the landmark: the cavity goes in at the new place and comes out
    # at the old one (the difference of the live cavities, before any rebuild).
    before = _depth_map(sh, sh.cavity(m.hand)[0])
    times = timed_drag(sh, old, path, "landmarks")
    assert len(times) == len(path)
    diff = _depth_map(sh, sh.cavity(m.hand)[0]) - before
    assert diff.min() < -3.5 and diff.max() > 3.5          # the 4 mm zone, both places
    # The middle of each full-depth core (a 30 mm disc: any point of it is as deep).
    deeper = g.limb_points[diff < 0.9 * diff.min()].mean(axis=0)
    shallower = g.limb_points[diff > 0.9 * diff.max()].mean(axis=0)
    assert np.linalg.norm(deeper - target) < 6.0
    assert np.linalg.norm(shallower - old) < 6.0
    assert m.undo_stack.text(m.undo_stack.index() - 1).startswith(
        "Move the mid-patellar tendon landmark")
    assert sh.is_confirmed("mid_patellar_tendon")
    wait_until(m.is_current, 120, "the socket with the moved landmark")
    assert np.allclose(m.socket.landmarks["mid_patellar_tendon"], target, atol=1e-6)
    m.undo_stack.undo()
    wait_until(m.is_current, 120, "the undone landmark")
    assert np.allclose(m.socket.landmarks["mid_patellar_tendon"], old, atol=1e-6)
    m.edit({"patellar_tendon_depth_mm": 0.0})
    wait_until(m.is_current, 120, "the zone off")


def test_push_stroke_and_trim_drag_then_undo_with_a_field_focused(window):
    from prosthetics_gui.shaping import timed_drag

    m, sh = window.model, window.shaper
    z = 0.5 * float(sh.trim_points()["anterior"][2])
    c = _on_limb(sh, [[0.0, 80.0, z]])[0]
    page = window.pages["rectify"]
    page.brush["depth_mm"].setValue(3.0)
    page.brush["radius_mm"].setValue(10.0)
    timed_drag(sh, c, [c], "push")
    assert len(m.hand.strokes) == 1
    s = m.hand.strokes[0]
    assert s.kind == "push" and s.depth_mm == 3.0 and s.radius_mm == 10.0
    assert "push in 3.0 mm" in page.hand_list.text()
    assert "sock plies" in page.live.text()
    a = sh.trim_points()["anterior"]
    up = _on_limb(sh, [a + [0.0, 0.0, 6.0]])[0]
    timed_drag(sh, a, [up], "trim")
    assert "anterior" in m.hand.trim_points
    assert m.undo_stack.text(m.undo_stack.index() - 1).startswith(
        "Move the anterior brim of the trim line up")
    wait_until(m.is_current, 120, "the socket with the stroke and the trim point")
    assert m.socket.trim_anterior_z_mm == pytest.approx(up[2], abs=1.0)
    # Ctrl+Z while a number field has the focus undoes the design's last step.
    field = page.brush["radius_mm"]
    window.activateWindow()
    QTest.qWaitForWindowActive(window, 3000)
    field.setFocus()
    spin(0.05)
    QTest.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    spin(0.05)
    assert "anterior" not in m.hand.trim_points and len(m.hand.strokes) == 1
    sh.set_tool("view")


def test_saved_rectification_replays_through_the_command_line(window, tmp_path):
    from prosthetics.design.session import run_design
    from prosthetics.resources import sample_scan
    from prosthetics.sockets.rectification import read_rectification

    m = window.model
    wait_until(m.is_current, 120, "the design")
    assert m.hand.strokes
    path = tmp_path / "hand.json"
    assert window.export_rectification(path)
    gui_cavity = np.asarray(m.session.results["template"].inner_surface.vertices)
    settings = {k: v for k, v in m.session.groups["template"].as_dict().items()
                if v is not None and not isinstance(v, (list, dict))}
    again = run_design(sample_scan(), settings={**settings, "slice": "false"},
                       rectification=read_rectification(path))
    cli_cavity = np.asarray(again.socket_result.inner_surface.vertices)
    assert cli_cavity.shape == gui_cavity.shape
    assert np.abs(cli_cavity - gui_cavity).max() < 0.01
    # The command line itself, writing its report.
    sets = [f"{k}={v}" for k, v in settings.items() if k in ("patellar_tendon_depth_mm",)]
    out = tmp_path / "cli"
    r = subprocess.run([sys.executable, "-m", "prosthetics", "design", "--rectification",
                        str(path), "--out", str(out), "--set", "slice=false",
                        *sum((["--set", s] for s in sets), [])],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rep = json.loads((out / "report.json").read_text())
    hand = rep["rectification"]["hand"]
    assert len(hand["strokes"]) == len(m.hand.strokes)
    assert hand["strokes_described"][0].startswith("push in 3.0 mm")
    ours = m.session.design().report["socket"]["inner_circumferences"]
    assert [c["mm"] for c in rep["socket"]["inner_circumferences"]] == pytest.approx(
        [c["mm"] for c in ours], abs=0.02)


def _label_texts(actor) -> list[str]:
    """The texts of a point-labels actor of the view (as VTK draws them)."""
    hierarchy = actor.GetMapper().GetInputAlgorithm()
    source = hierarchy.GetInputAlgorithm()              # the visible points, when filtered
    data = source.GetInputDataObject(0, 0) if source.IsA("vtkSelectVisiblePoints") \
        else hierarchy.GetInputDataObject(0, 0)
    arr = data.GetPointData().GetAbstractArray(hierarchy.GetLabelArrayName() or "labels")
    return [arr.GetValue(i) for i in range(arr.GetNumberOfValues())]


def _row(name: str, distal_mm: float, mpt_mm: float) -> str:
    """A trim point's row in the page's table, as the page writes it (in English)."""
    from prosthetics_gui.shaping import TRIM_POINT_WORDS

    return (f"<tr><td>{TRIM_POINT_WORDS[name]}</td>"
            f"<td align=right>{distal_mm:.1f}\u00a0mm</td>"
            f"<td align=right>{mpt_mm:+.1f}\u00a0mm</td></tr>")


def test_trim_point_heights_follow_the_drag(window):
    """Each trim point is labelled in the view and listed on the page with its height above
    the distal end and against the MPT, both following the point while it is dragged."""
    from prosthetics_gui.shaping import timed_drag

    m, sh = window.model, window.shaper
    page = window.pages["rectify"]
    wait_until(m.is_current, 120, "the design")
    distal = float(np.asarray(m.aligned.mesh.vertices)[:, 2].min())
    mpt = float(sh.landmark_points()["mid_patellar_tendon"][2])
    # As drawn: four labels, and four rows on the page, from the points' own heights.
    tp = sh.trim_points()
    texts = _label_texts(window.viewport.plotter.renderer.actors["trim_heights-labels"])
    assert len(texts) == len(tp) == 4
    for text, (name, p) in zip(texts, tp.items()):
        assert text == f"{p[2] - distal:.0f} mm, MPT {p[2] - mpt:+.0f} mm", name
    rows = page.trim_heights.text()
    assert "Above the distal end" in rows and "From the MPT" in rows
    for name, p in tp.items():
        assert _row(name, p[2] - distal, p[2] - mpt) in rows, name

    # Dragged 12 mm up in steps: every frame drawn shows the height where the point is.
    a = tp["anterior"]
    path = _on_limb(sh, [a + [0.0, 0.0, 1.5 * k] for k in range(1, 9)])
    frames: list = []

    def seen(what):
        if what == "trim" and sh._drag is not None:
            actor = window.viewport.plotter.renderer.actors["trim_heights-labels"]
            frames.append((float(sh._drag["at"][2]), _label_texts(actor)[0],
                           page.trim_heights.text()))

    sh.frameDrawn.connect(seen)
    try:
        timed_drag(sh, a, path, "trim")
    finally:
        sh.frameDrawn.disconnect(seen)
        sh.set_tool("view")
    assert len(frames) == len(path) + 1                  # the press, then each move
    assert frames[-1][0] - frames[0][0] > 8.0             # it moved, and the text with it
    assert len({f[1] for f in frames}) >= 4
    for z, label, rows in frames:
        assert label == f"{z - distal:.0f} mm, MPT {z - mpt:+.0f} mm"
        assert _row("anterior", z - distal, z - mpt) in rows
    wait_until(m.is_current, 120, "the socket with the moved trim point")
    z_end = frames[-1][0]
    assert m.hand.trim_points["anterior"][2] == pytest.approx(z_end)
    # After the rebuild the label still reads the hand-set height.
    texts = _label_texts(window.viewport.plotter.renderer.actors["trim_heights-labels"])
    assert texts[list(tp).index("anterior")] == f"{z_end - distal:.0f} mm, MPT {z_end - mpt:+.0f} mm"
    shots = os.environ.get("PROSTHETICS_TEST_SHOTS")
    if shots:
        window.set_view("anterior")
        page_scroll = page.parentWidget()
        while page_scroll is not None and not hasattr(page_scroll, "ensureWidgetVisible"):
            page_scroll = page_scroll.parentWidget()
        if page_scroll is not None:
            page_scroll.ensureWidgetVisible(page.trim_heights)
        spin(0.3)
        window.grab().save(str(Path(shots) / "gui_trim_heights.png"))
    m.undo_stack.undo()
    wait_until(m.is_current, 120, "the undone trim point")
    assert "anterior" not in m.hand.trim_points
