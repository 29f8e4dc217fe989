"""The compare window, opened from the main window's File menu: the sample limb against
copies of it with a known change, a bad file, and a case's earlier scan.

The copies are the sample's aligned limb made thinner (so that the open scan is the larger):
3 % less volume (x and y scaled by sqrt(1 / 1.03)), or 2 mm nearer the axis everywhere.
Run under a display:  xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/gui
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402

from .conftest import spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"
VOLUME_PERCENT = 3.0
OFFSET_MM = 2.0
TIMEOUT = 180.0


@pytest.fixture(scope="module")
def main(qapp):
    """The main window with the sample aligned (its socket is not needed: cancelled)."""
    from prosthetics_gui.mainwindow import MainWindow

    win = MainWindow(headless=True)
    win.resize(1400, 900)
    win.show()
    win.start(None)
    wait_until(win.is_ready, 60, "the window to be built")
    wait_until(lambda: win.model.aligned is not None, TIMEOUT, "the sample to be aligned")
    win.model.cancel()
    wait_until(lambda: not win.model.busy, TIMEOUT, "the design to stop")
    yield win
    w = getattr(win, "compare_window", None)
    if w is not None:
        w.close()
    win.close()
    spin(0.1)


@pytest.fixture(scope="module")
def copies(main, tmp_path_factory):
    """Thinner copies of the sample's aligned limb, written as PLY meshes."""
    limb = main.model.aligned.mesh
    folder = tmp_path_factory.mktemp("compare")
    v = np.asarray(limb.vertices, dtype=float)
    r = np.linalg.norm(v[:, :2], axis=1, keepdims=True)
    thinner = limb.copy()
    thinner.vertices = np.column_stack([v[:, :2] * (1.0 / (1.0 + VOLUME_PERCENT / 100)) ** 0.5,
                                        v[:, 2]])
    nearer = limb.copy()
    # 2 mm nearer the axis; the few vertices within 4 mm of it (the distal tip) halfway.
    factor = np.maximum(r - OFFSET_MM, 0.5 * r) / np.maximum(r, 1e-9)
    nearer.vertices = np.column_stack([v[:, :2] * factor, v[:, 2]])
    paths = {"volume": folder / "thinner_3_percent.ply", "offset": folder / "nearer_2_mm.ply",
             "bad": folder / "broken.ply"}
    thinner.export(paths["volume"])
    nearer.export(paths["offset"])
    paths["bad"].write_bytes(b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n")
    return paths


def number(text: str, pattern: str) -> float:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in {text!r}"
    return float(m.group(1))


def wait_compared(win, timeout=TIMEOUT) -> float:
    return wait_until(lambda: not win.model.busy, timeout, "the comparison")


def open_compare(main, monkeypatch, path):
    """File > Compare with another scan…, the file dialog answering ``path``."""
    asked = []

    def fake(*a, **k):
        asked.append(a)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake))
    main.act_compare.trigger()
    assert len(asked) == 1
    return main.compare_window


# ---------------------------------------------------------------------------------------
def test_the_file_menu_offers_it_after_add_scan(main):
    actions = [a for a in main.menuBar().actions() if a.text() == "&File"][0].menu().actions()
    texts = [a.text() for a in actions]
    i = texts.index("&Add scan to case…")
    assert texts[i + 1] == "Co&mpare with another scan…"
    assert main.act_compare.isEnabled()


def test_volume_change_and_sock_plies(main, copies, monkeypatch):
    win = open_compare(main, monkeypatch, copies["volume"])
    assert win.isVisible() and win.model.current.mesh is not None   # the main window's limb
    # The window answers while the other scan is read and aligned in the worker.
    ticks, gaps, last = [], [], [time.monotonic()]

    def tick():
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now
        ticks.append(win.status.text())

    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(tick)
    timer.start()
    wait_compared(win)
    timer.stop()
    assert win.model.error is None, win.model.error
    assert any("…" in t for t in ticks)                    # the progress line was shown
    assert max(gaps) < 2.0, f"the window froze for {max(gaps):.1f} s"
    f = win.figures
    pct = number(f["volume_change"].text(), r"\(([+-]\d+\.\d+) %\)")
    plies = number(f["sock_plies"].text(), r"^([+-]\d+\.\d+)")
    assert pct == pytest.approx(VOLUME_PERCENT, abs=0.5)
    assert plies == pytest.approx(pct / 1.1, abs=0.02)
    top = number(f["common_level"].text(), r"z = (\d+) mm")
    assert top == pytest.approx(win.model.result.report["common_top_z_mm"], abs=0.5)
    # The table: levels every 20 mm below the common level, both scans and the change.
    t = win.table
    assert t.rowCount() >= 8
    zs = [float(t.item(i, 0).text()) for i in range(t.rowCount())]
    assert np.allclose(np.diff(zs), 20.0) and zs[-1] < top
    for i in range(t.rowCount()):
        other, cur, change = (float(t.item(i, j).text()) for j in (1, 2, 3))
        assert change == pytest.approx(cur - other, abs=0.11)
        # Circumference grows as the square root of the section's area.
        assert cur / other == pytest.approx((1 + VOLUME_PERCENT / 100) ** 0.5, abs=0.006)
    main.compare_seconds = win.model.result.seconds


def test_deviation_map_and_its_colour_bar(main, copies):
    win = main.compare_window
    win.compare_file(copies["offset"])
    wait_compared(win)
    assert win.model.error is None, win.model.error
    win.set_mode("deviation")
    actor = win.plotter.renderer.actors["deviation"]
    dev = np.asarray(actor.mapper.dataset["deviation_mm"])
    shown = dev[np.isfinite(dev)]
    assert len(shown) > 0.8 * len(dev)                   # NaN only above the common level
    assert np.median(shown) == pytest.approx(OFFSET_MM, abs=0.3)
    assert number(win.figures["deviation_mean"].text(), r"median ([+-]\d+\.\d+)") == \
        pytest.approx(np.median(shown), abs=0.01)
    # The default range shows the largest deviation (up to 10 mm), not a percentile.
    largest = float(np.abs(shown).max())
    assert win.range_mm >= min(largest, 10.0) and win.range_mm <= max(largest + 0.5, 1.0)
    bar = win.plotter.scalar_bars["Deviation (mm)"]
    assert bar.GetLookupTable().GetRange() == pytest.approx((-win.range_mm, win.range_mm))
    # The spin box sets the colour bar.
    win.range_spin.setValue(3.5)
    spin(0.05)
    assert actor.mapper.scalar_range == pytest.approx((-3.5, 3.5))
    assert bar.GetLookupTable().GetRange() == pytest.approx((-3.5, 3.5))
    # Overlay: both limbs, the other translucent; back to the map with the range kept.
    win.overlay_button.click()
    acts = win.plotter.renderer.actors
    assert "deviation" not in acts and {"current", "other"} <= set(acts)
    assert acts["other"].prop.opacity < 0.5 <= acts["current"].prop.opacity
    win.deviation_button.click()
    assert win.plotter.renderer.actors["deviation"].mapper.scalar_range == \
        pytest.approx((-3.5, 3.5))
    # Standard views: the camera looks from the named side.
    for name, axis, sign in (("anterior", 1, 1), ("posterior", 1, -1), ("right", 0, 1),
                             ("left", 0, -1)):
        win.view_buttons[name].click()
        pos, focal, _up = win.plotter.camera_position
        d = np.asarray(pos) - np.asarray(focal)
        assert np.argmax(np.abs(d)) == axis and np.sign(d[axis]) == sign, name
    img = win.grab()
    assert not img.isNull() and img.width() > 1000


def test_a_bad_file_is_one_line_in_the_window(main, copies, capsys):
    win = main.compare_window
    win.compare_file(copies["bad"])
    wait_compared(win)
    msg = win.error_label.text()
    assert win.error_label.isVisible() and "broken.ply" in msg
    assert "\n" not in msg and "Traceback" not in msg and len(msg) < 300
    assert "Traceback" not in capsys.readouterr().err
    assert win.model.result is None and "deviation" not in win.plotter.renderer.actors
    assert win.figures["volume_change"].text() == "–"
    # A file that is not there says so at once; a good one after it clears the error.
    win.compare_file(copies["bad"].with_name("missing.ply"))
    assert "does not exist" in win.error_label.text() and not win.model.busy
    win.compare_file(copies["volume"])
    wait_compared(win)
    assert not win.error_label.isVisible() and win.model.result is not None


def test_a_case_offers_its_other_scans(main, copies, tmp_path, monkeypatch):
    from prosthetics.cases import add_scan, new_case

    case = new_case(tmp_path, side="right")
    add_scan(case, copies["volume"], measure=False, captured_on="2024-03-01")
    add_scan(case, SAMPLE, measure=False, captured_on="2024-05-01")
    assert main.model.open_case_folder(case.path)
    wait_until(lambda: main.model.aligned is not None, TIMEOUT, "the case's scan to be aligned")
    main.model.cancel()

    def no_dialog(*a, **k):
        raise AssertionError("a case with other scans needs no file dialog")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(no_dialog))
    main.act_compare.trigger()
    win = main.compare_window
    assert [win.scan_combo.itemText(i) for i in range(win.scan_combo.count())] == \
        ["S01 (2024-03-01)"]
    wait_compared(win)
    assert win.model.error is None, win.model.error
    assert win.model.result.other.label == "S01 (2024-03-01)"
    pct = number(win.figures["volume_change"].text(), r"\(([+-]\d+\.\d+) %\)")
    assert pct == pytest.approx(VOLUME_PERCENT, abs=0.5)
    assert "S01" in win.header.text() and "S02" in win.header.text()


def test_cleaning_a_raw_scan_leaves_the_window_free_and_cancel_stops_it(main):
    """The sample's raw phone scan as the other scan: it is read and cleaned in the worker
    while a 20 ms timer keeps ticking in the window; Cancel frees the window at once and the
    job stops at the end of the stage it is in, its result dropped."""
    from prosthetics.design.session import Cancelled
    from prosthetics_gui.messages import stage_text

    win = main.compare_window
    m = win.model
    wait_until(m.settled, TIMEOUT, "earlier comparisons to end")
    before = m.result
    ticks: list[tuple[float, str]] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append((time.monotonic(), win.status.text())))
    timer.start()
    try:
        win.compare_file(SAMPLE)
        assert m.busy and win.cancel_button.isVisible() and win.progress_bar.isVisible()
        assert win.progress_bar.maximum() == 0                      # a busy bar
        job = m._job
        ended: list = []
        job.signals.failed.connect(lambda _j, exc, _tb: ended.append(exc))
        job.signals.finished.connect(lambda _j, res: ended.append(res))
        cleaning = stage_text("clean")
        wait_until(lambda: cleaning in win.status.text(), TIMEOUT, "the cleaning to start")
        t_clean = time.monotonic()
        spin(1.0)                                                    # a second of cleaning
        assert not ended, "the sample's cleaning took under a second: nothing to cancel"
        t0 = time.monotonic()
        QTest.mouseClick(win.cancel_button, Qt.MouseButton.LeftButton)
        freed = time.monotonic() - t0
        assert not m.busy and freed < 0.2
        assert not win.cancel_button.isVisible() and not win.progress_bar.isVisible()
        assert "cancelled" in win.status.text() and "\n" not in win.status.text()
        assert not win.error_label.isVisible()
        wait_until(m.settled, TIMEOUT, "the cancelled job to stop")
        # The window's slot and this test's each get their own queued call of the job's
        # signal: the window may have settled a moment before this test's call comes.
        wait_until(lambda: ended, 10.0, "the job's end to reach the test")
    finally:
        timer.stop()
    # The window ticked all along: no gap in the cleaning over half a second.
    during = [t for t, text in ticks if t >= t_clean and t <= t0]
    gaps = np.diff(during)
    assert len(during) > 20 and gaps.max() < 0.5, f"the window froze for {gaps.max():.2f} s"
    # The job ended with Cancelled (before aligning), and nothing of it was shown.
    assert len(ended) == 1 and isinstance(ended[0], Cancelled), ended
    assert "align" in str(ended[0])
    assert m.result is before and m.error is None and not win.error_label.isVisible()
    assert "cancelled" in win.status.text()
    # The window compares again afterwards.
    win.compare_file(SAMPLE.with_name("missing.ply"))
    assert "does not exist" in win.error_label.text()
