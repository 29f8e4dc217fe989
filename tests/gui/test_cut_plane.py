"""The cleaning's proximal cut in the Clean view (pytest-qt, X display): a whole-leg scan's
cut is drawn where the cleaning put it, dragging it sets ``proximal_cut_mm`` and cleans the
scan again there, "Find automatically" goes back to 0, and a scan without a knee draws no
cut.

PROSTHETICS_TEST_SHOTS=DIR saves a picture of the window with the cut moved
(gui_proximal_cut.png)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from .conftest import open_window, spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
TRUTH_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
STAGE_TIMEOUT = 120.0
CUT_ACTORS = ("cut_plane", "cut_rim", "cut_label-labels")


def _scan(tmp_path_factory, scene: str, seed: int, n_points: int) -> Path:
    """A seeded phone-like scan of ``scene`` (the project's generator), as a PLY file."""
    import trimesh

    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    truth = trimesh.load(TRUTH_STL, process=False)
    ps = make_phone_scan(truth, seed=seed, n_points=n_points, scene=scene)
    path = tmp_path_factory.mktemp("cut_scans") / f"{scene}_{seed}.ply"
    write_ply(path, ps.points, ps.colors)
    return path


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory, messages):
    win = open_window(str(_scan(tmp_path_factory, "whole_leg", 2, 80_000)))
    win.scans = tmp_path_factory
    win.select_step("clean")
    yield win
    win.model.shutdown()
    win.close()
    spin(0.1)


def _limb_in_view(win, want_cut: bool = True):
    """The cleaned and aligned limb of the same run is shown (the Clean view drawn)."""
    m = win.model

    def ok():
        c, a = m.cleaned, m.aligned
        return c is not None and a is not None and m.raw is not None \
            and m.raw.frame == "design" and (m.raw.key[1] == id(a)) \
            and (not want_cut or win.viewport.cut_shown is not None)
    return ok


def _label_texts(actor) -> list[str]:
    """The texts of a point-labels actor of the view (as VTK draws them)."""
    from .test_shaping import _label_texts as texts

    return texts(actor)


def _limb_height(m, normal) -> float:
    """The cleaned limb's length along ``normal`` (design frame): its top above its
    distal end, measured along the cut's axis."""
    h = np.asarray(m.aligned.mesh.vertices, dtype=float) @ normal
    return float(h.max() - h.min())


def test_the_cut_is_drawn_where_the_cleaning_put_it(window):
    m, vp = window.model, window.viewport
    wait_until(_limb_in_view(window), STAGE_TIMEOUT, "the cleaned limb with its cut")
    spin(0.1)
    cut = m.cleaned.proximal_cut
    assert cut is not None and cut["rule"] in ("bend", "flare")
    step = {s["step"]: s for s in m.cleaned.steps}["proximal cut"]
    assert step["plane"] == cut
    actors = vp.plotter.renderer.actors
    assert set(CUT_ACTORS) <= set(actors)
    shown = vp.cut_shown
    assert shown["height_mm"] == pytest.approx(cut["height_mm"])
    # The disc lies in the cleaning's plane, carried into the view's (design) frame.
    t = np.asarray(m.aligned.transform)
    centre = t[:3, :3] @ np.asarray(cut["point_mm"]) + t[:3, 3]
    normal = t[:3, :3] @ np.asarray(cut["normal"])
    disc = actors["cut_plane"].GetMapper().GetInput()
    pts = np.asarray(disc.points)
    assert np.allclose(pts.mean(axis=0), centre, atol=1.0)
    assert np.abs((pts - centre) @ normal).max() < 0.5
    # ...at the height the cleaning reported, from the limb's distal end along its axis.
    tip = float((np.asarray(m.aligned.mesh.vertices) @ normal).min())
    assert float(centre @ normal) - tip == pytest.approx(cut["height_mm"], abs=1.0)
    # Where the thigh above it is seen: points of the scan as read stand above the disc.
    above = (np.asarray(m.raw.points) - centre) @ normal > 20.0
    assert above.sum() > 1000
    assert _label_texts(actors["cut_label-labels"]) == \
        [f"Proximal cut: {cut['height_mm']:.0f} mm from the distal end"]
    page = window.pages["clean"]
    assert f"{cut['height_mm']:.0f} mm from the distal end" in page.cut_text.text()
    assert not page.cut_auto.isEnabled()               # found automatically already
    w = vp.cut_widget
    assert w is not None and w.GetEnabled()
    assert np.allclose(w.GetNormal(), normal / np.linalg.norm(normal), atol=1e-6)


def test_dragging_the_cut_sets_the_parameter_and_cleans_again(window, messages):
    m, vp = window.model, window.viewport
    wait_until(_limb_in_view(window), STAGE_TIMEOUT, "the cleaned limb with its cut")
    old, old_aligned = m.cleaned, m.aligned
    h0 = float(old.proximal_cut["height_mm"])
    target = round(h0 - 30.0)
    moved = []
    vp.cutDragged.connect(lambda h, released: moved.append((h, released)))
    # While it moves: the disc and the page follow, nothing is set.
    vp.move_cut(h0 - 10.0, released=False)
    assert m.value("proximal_cut_mm") == 0.0 and not m.undo_stack.count()
    assert vp.cut_height_mm == pytest.approx(h0 - 10.0)
    assert vp.plotter.renderer.actors["cut_plane"].GetPosition() == \
        pytest.approx(tuple(vp.cut_shown["normal"] * -10.0), abs=1e-3)
    assert "Moving the proximal cut" in window.pages["clean"].cut_text.text()
    assert _label_texts(vp.plotter.renderer.actors["cut_label-labels"]) == \
        [f"Proximal cut: {h0 - 10.0:.0f} mm from the distal end"]
    # Let go: the parameter is set (as the form shows it) and the design cleaned again.
    vp.move_cut(target + 0.3, released=True)
    assert moved[-1] == (pytest.approx(target + 0.3), True)
    assert m.value("proximal_cut_mm") == pytest.approx(target)
    assert window.pages["clean"].field("proximal_cut_mm").widget.value() == \
        pytest.approx(target)
    assert m.undo_stack.count() == 1
    wait_until(lambda: m.cleaned is not old and m.aligned is not old_aligned
               and _limb_in_view(window)(), STAGE_TIMEOUT,
               "the scan cleaned and aligned again at the new cut")
    spin(0.1)
    cut = m.cleaned.proximal_cut
    assert cut["rule"] == "set" and cut["height_mm"] == pytest.approx(target)
    # The cleaned limb's top now lies at the new height.
    t = np.asarray(m.aligned.transform)
    normal = t[:3, :3] @ np.asarray(cut["normal"])
    assert _limb_height(m, normal) == pytest.approx(target, abs=3.0)
    assert vp.cut_shown["height_mm"] == pytest.approx(target)
    page = window.pages["clean"]
    assert "set by hand" in page.cut_text.text() and page.cut_auto.isEnabled()
    shots = os.environ.get("PROSTHETICS_TEST_SHOTS")
    if shots:
        window.set_view("three_quarter")
        spin(0.3)
        window.grab().save(str(Path(shots) / "gui_proximal_cut.png"))
    assert not messages


def test_a_mouse_drag_on_the_plane_moves_the_cut(window):
    """The left button on the cut's plane in the view, moved up: the widget moves along the
    cut's normal only, and the release reports the height reached."""
    from prosthetics_gui.measuretools import timed_plane_drag

    m, vp = window.model, window.viewport
    wait_until(_limb_in_view(window), STAGE_TIMEOUT, "the cleaned limb with its cut")
    window.set_view("three_quarter")
    spin(0.1)
    shown = vp.cut_shown
    c, n, r = shown["centre"], shown["normal"], shown["radius"]
    side = np.cross(n, (0.0, 1.0, 0.0))
    side /= np.linalg.norm(side)
    start = c + side * (r + 8.0)             # on the widget's square, beside the disc
    moved = []
    vp.cutDragged.connect(lambda h, released: moved.append((h, released)))
    calls = len(moved)
    real_edit = m.edit
    edits = []
    m.edit = lambda changes: edits.append(changes) or True      # not cleaned again here
    try:
        timed_plane_drag(vp, start, [start + n * 2.5 * k for k in range(1, 9)], pause_s=0.01)
    finally:
        m.edit = real_edit
    got = moved[calls:]
    assert got and got[-1][1] and not any(rel for _h, rel in got[:-1])
    assert got[-1][0] > shown["height_mm"] + 5.0
    assert edits == [{"proximal_cut_mm": float(round(got[-1][0]))}]
    w = vp.cut_widget
    assert np.allclose(w.GetNormal(), n, atol=1e-6)
    assert np.linalg.norm(np.cross(np.asarray(w.GetOrigin()) - c, n)) < 0.5   # along n


def test_auto_goes_back_to_the_found_cut(window):
    m = window.model
    page = window.pages["clean"]
    wait_until(_limb_in_view(window), STAGE_TIMEOUT, "the cleaned limb with its cut")
    old, old_aligned = m.cleaned, m.aligned
    page.cut_auto.click()
    assert m.value("proximal_cut_mm") == 0.0 and not page.cut_auto.isEnabled()
    wait_until(lambda: m.cleaned is not old and m.aligned is not old_aligned
               and _limb_in_view(window)(), STAGE_TIMEOUT,
               "the scan cleaned again with the cut found")
    assert m.cleaned.proximal_cut["rule"] in ("bend", "flare")
    m.undo_stack.undo()                                 # back to the dragged height
    assert m.value("proximal_cut_mm") > 0


def test_a_scan_without_a_knee_draws_no_cut(window):
    m, vp = window.model, window.viewport
    assert m.open_scan(_scan(window.scans, "today", 3, 40_000))
    window.select_step("clean")
    wait_until(_limb_in_view(window, want_cut=False), STAGE_TIMEOUT, "the cleaned limb")
    spin(0.1)
    assert m.cleaned.proximal_cut is None
    actors = vp.plotter.renderer.actors
    assert "cleaned" in actors and not set(CUT_ACTORS) & set(actors)
    assert vp.cut_shown is None and vp.cut_widget is None
    assert not window.pages["clean"].cut_box.isVisible()     # nothing to say: no cut
