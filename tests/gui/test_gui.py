"""The desktop application driven through its real window (pytest-qt, X display).

One window is shared by the tests of this module (a full design of the sample takes about
15 s on 2 cores); they run in file order and each leaves the window in a known state.
Run under a display:  xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/gui
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent, QImage  # noqa: E402

from .conftest import spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"
DESIGN_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def window(qapp, messages):
    from prosthetics_gui.mainwindow import MainWindow

    win = MainWindow()
    win.resize(1400, 900)
    win.show()
    t0 = time.monotonic()
    win.start(None)                      # no argument: the sample scan
    wait_until(win.is_ready, 60, "the window to be built")
    win.startup_s = time.monotonic() - t0
    yield win
    win.close()
    spin(0.1)


def wait_design(win, timeout=DESIGN_TIMEOUT):
    return wait_until(lambda: win.model.is_current(), timeout, "the design to be up to date")


def page_field(win, step, name):
    return win.pages[step].field(name)


# ---------------------------------------------------------------------------------------
def test_starts_with_the_sample_and_designs_it(window, messages):
    m = window.model
    assert m.session is not None and m.session.scan_path == SAMPLE
    waited = wait_design(window)
    assert not messages, messages
    assert m.scan is not None and m.aligned is not None and m.measurements is not None
    assert m.socket is not None and not m.socket_is_preview
    checks = m.check["checks"]
    assert checks["watertight"] and checks["bodies"] == 1 and checks["wall_ok"]
    assert "Design up to date" in window.status.text()
    print(f"window built in {window.startup_s:.2f} s, design ready {waited:.1f} s later")


def test_every_step_page_and_view(window):
    from prosthetics_gui.mainwindow import STEPS

    m = window.model
    for step in STEPS:
        window.select_step(step)
        spin(0.05)
        assert window.stack.currentWidget() is window.pages[step]
        assert window.viewport.step == step
        actors = window.viewport.plotter.renderer.actors
        assert actors, f"nothing drawn on step {step}"
        if step in ("scan", "clean"):
            assert "raw" in actors
        if step == "clean":
            assert "cleaned" in actors
            assert window.pages["clean"].table.rowCount() == len(m.cleaned.steps) > 0
        if step == "align":
            assert "axis" in actors and "limb" in actors
        if step == "measure":
            assert "rings" in actors
            chart = window.pages["measure"].chart
            c, z = chart.series["limb"]
            assert len(z) == len(m.measurements.levels) > 5
            assert f"Volume {m.measurements.volume_ml:.0f} ml" in chart.title
        if step == "rectify":
            assert "distance" in actors
            assert "Cavity to limb (mm)" in window.viewport.plotter.scalar_bars.keys()
        if step in ("template", "export"):
            assert "socket" in actors and "limb" in actors
    # Standard views put the camera where they say.
    window.select_step("template")
    for name, axis, sign in (("anterior", 1, 1), ("posterior", 1, -1), ("right", 0, 1),
                             ("left", 0, -1), ("distal", 2, -1)):
        window.view_actions[name].trigger()
        cam = window.viewport.plotter.camera
        d = np.subtract(cam.position, cam.focal_point)
        assert np.argmax(np.abs(d)) == axis and np.sign(d[axis]) == sign, name
    window.act_fit.trigger()


def test_wall_and_trim_edits_preview_then_check(window, qtbot):
    m, vp = window.model, window.viewport
    window.select_step("template")
    spin(0.1)
    wall = page_field(window, "template", "wall_thickness_mm").widget
    # Type the value as a user does: select, type, Enter (the form debounces 150 ms).
    wall.setFocus()
    wall.selectAll()
    t0 = time.monotonic()
    with qtbot.waitSignal(vp.rendered, timeout=20000, check_params_cb=lambda w: w == "preview"):
        qtbot.keyClicks(wall, "6")
        qtbot.keyClick(wall, Qt.Key.Key_Return)
    latency = time.monotonic() - t0
    assert m.session.groups["template"].wall_thickness_mm == 6.0
    assert m.socket_is_preview
    assert latency < 5.0, latency          # includes the 150 ms debounce
    wait_design(window, 60)
    assert m.check["checks"]["min_wall_mm"] >= 5.9
    assert m.check["checks"]["wall_required_mm"] == 6.0

    f = page_field(window, "template", "trim_height_mm")
    assert f.auto.isChecked()
    with qtbot.waitSignal(vp.rendered, timeout=20000, check_params_cb=lambda w: w == "preview"):
        f.auto.setChecked(False)
        f.spin.setValue(200.0)
    assert m.session.groups["template"].trim_height_mm == 200.0
    assert m.socket.trim_anterior_z_mm == pytest.approx(200.0)
    wait_design(window, 60)
    assert m.socket.trim_anterior_z_mm == pytest.approx(200.0)
    assert m.value("trim_height_mm") == 200.0 and m.value("wall_thickness_mm") == 6.0


def test_undo_redo_restores_values(window):
    m = window.model
    wall = page_field(window, "template", "wall_thickness_mm")
    trim = page_field(window, "template", "trim_height_mm")
    assert m.undo_stack.count() >= 2
    window.act_undo.trigger()                       # trim height back to automatic
    assert m.value("trim_height_mm") is None and trim.get() is None
    window.act_undo.trigger()                       # wall back to 5 mm
    assert m.value("wall_thickness_mm") == 5.0 and wall.get() == 5.0
    wait_design(window, 60)
    assert m.session.groups["template"].wall_thickness_mm == 5.0
    assert m.session.groups["template"].trim_height_mm is None
    window.act_redo.trigger()
    window.act_redo.trigger()
    assert m.value("wall_thickness_mm") == 6.0 and wall.get() == 6.0
    assert m.value("trim_height_mm") == 200.0 and trim.get() == 200.0
    wait_design(window, 60)
    assert m.session.groups["template"].trim_height_mm == 200.0
    assert m.socket.trim_anterior_z_mm == pytest.approx(200.0)


def test_preset_switch_keeps_the_cleaned_limb_and_undoes(window):
    m = window.model
    window.select_step("template")
    aligned, groups_before = m.aligned, {g: m.groups[g].as_dict() for g in m.groups}
    combo = window.pages["template"].preset
    combo.setCurrentIndex(combo.findData("transtibial_active"))
    assert m.session.preset.name == "transtibial_active"
    assert m.value("wall_thickness_mm") == 6.0 and m.value("distal_wall_thickness_mm") == 10.0
    assert m.value("trim_height_mm") is None            # the preset's own (automatic)
    wait_design(window, 90)
    assert m.aligned is aligned                          # the scan was not cleaned again
    assert "thinnest wall" in window.pages["template"].checks.text()
    window.act_undo.trigger()
    assert m.session.preset.name == "transtibial"
    assert combo.currentData() == "transtibial"
    assert {g: m.groups[g].as_dict() for g in m.groups} == groups_before
    wait_design(window, 90)
    assert m.socket.trim_anterior_z_mm == pytest.approx(200.0)


def test_bad_values_show_a_message_and_change_nothing(window, messages, qtbot):
    m = window.model
    window.select_step("template")
    depth = page_field(window, "template", "adapter_recess_depth_mm").widget
    n_undo = m.undo_stack.count()
    messages.clear()
    depth.setFocus()
    depth.selectAll()
    qtbot.keyClicks(depth, "7")                      # in range, but deeper than the 6 mm disc
    qtbot.keyClick(depth, Qt.Key.Key_Return)
    wait_until(lambda: messages, 10, "the error message")
    # The parameter is named by its label, as in the form.
    assert "“Central recess depth”" in messages[-1] and "Undo" in messages[-1]
    assert "adapter_recess_depth_mm" not in messages[-1]
    assert m.value("adapter_recess_depth_mm") == 1.5 and depth.value() == 1.5
    assert m.undo_stack.count() == n_undo

    # A trim above the top of the scan is only found while building: the worker reports it.
    messages.clear()
    trim = page_field(window, "template", "trim_height_mm").spin
    trim.setValue(700.0)
    wait_until(lambda: messages, 30, "the error message from the worker")
    assert "above the top of the scan" in messages[-1]
    assert window.isVisible() and not m.busy
    window.act_undo.trigger()
    wait_design(window, 60)
    assert m.value("trim_height_mm") == 200.0
    assert len(messages) == 1


def test_export_matches_the_command_line(window, tmp_path, qtbot):
    from prosthetics.cli.main import main as cli_main

    m = window.model
    window.select_step("export")
    page = window.pages["export"]
    page.field("slice").widget.setChecked(False)
    out = tmp_path / "gui_out"
    page.out.setText(str(out))
    with qtbot.waitSignal(m.exportFinished, timeout=int(DESIGN_TIMEOUT * 1000)):
        page.export_btn.click()
    gui = json.loads((out / "report.json").read_text())
    assert (out / "socket.stl").exists() and (out / "socket.3mf").exists()
    assert (out / "report.html").exists()
    assert page.open_btn.isEnabled()
    assert "Thinnest wall" in page.checks.text() and "slicing turned off" in page.checks.text()

    cli_out = tmp_path / "cli_out"
    rc = cli_main(["design", str(SAMPLE), "--set", "wall_thickness_mm=6", "--set",
                   "trim_height_mm=200", "--set", "slice=false", "--out", str(cli_out)])
    assert rc == 0
    cli = json.loads((cli_out / "report.json").read_text())
    assert gui["template"]["parameters"] == cli["template"]["parameters"]
    assert gui["template"]["pipeline_parameters"] == cli["template"]["pipeline_parameters"]
    # The same core code on the same scan and parameters: the figures match exactly
    # (cleaning is deterministic; files are compared by their figures, not their bytes).
    gm, cm = gui["measurements"], cli["measurements"]
    assert gm == cm
    gc, cc = gui["checks"], cli["checks"]
    for key in ("volume_ml", "triangles", "min_wall_mm", "through_min_mm", "across_min_mm",
                "p01_mm", "printer", "stl_file"):
        assert gc[key] == cc[key], key
    assert gui["socket"] == cli["socket"]
    assert gui["transform_scan_to_design"] == cli["transform_scan_to_design"]
    assert [o["volume_ml"] for o in gui["outputs"]] == [o["volume_ml"] for o in cli["outputs"]]
    assert gc["watertight"] and cc["watertight"] and gc["bodies"] == cc["bodies"] == 1
    assert gui["socket"]["trim_anterior_z_mm"] == cli["socket"]["trim_anterior_z_mm"] == 200.0
    assert gc["slicer"]["ran"] is False


def test_export_shows_the_slicer_and_cancel_stops_it(window, tmp_path, qtbot, monkeypatch):
    from ..fake_slicer import FILAMENT_G, install

    m = window.model
    window.select_step("export")
    page = window.pages["export"]
    page.field("slice").widget.setChecked(True)
    shown: list[str] = []
    m.progress.connect(lambda text, _f: shown.append(text))
    install(tmp_path / "bin", monkeypatch, delay_s=0.3)
    out = tmp_path / "sliced"
    page.out.setText(str(out))
    with qtbot.waitSignal(m.exportFinished, timeout=int(DESIGN_TIMEOUT * 1000)):
        page.export_btn.click()
    # The status line followed PrusaSlicer's steps, the files being written already.
    slicing = [t for t in shown if t.startswith("Slicing with PrusaSlicer (the files are "
                                                "written): ")]
    assert any(t.endswith("Generating perimeters") for t in slicing), shown
    assert shown.index(slicing[0]) > shown.index("Writing the report")
    r = json.loads((out / "report.json").read_text())
    assert r["checks"]["slicer"]["status"] == "done"
    assert f"{FILAMENT_G} g of filament" in page.checks.text()

    # Cancel while it slices: the export ends, its files complete, the slice cancelled.
    install(tmp_path / "hang", monkeypatch, mode="hang", delay_s=0.05)
    out2 = tmp_path / "cancelled"
    page.out.setText(str(out2))
    n = len(shown)
    with qtbot.waitSignal(m.exportFinished, timeout=int(DESIGN_TIMEOUT * 1000)):
        page.export_btn.click()
        wait_until(lambda: any("Generating perimeters" in t for t in shown[n:]), 60,
                   "the slicer to start")
        window.cancel_btn.click()
    r = json.loads((out2 / "report.json").read_text())
    assert r["checks"]["slicer"]["status"] == "cancelled"
    assert "slicing was cancelled" in page.checks.text()
    assert (out2 / "socket.stl").stat().st_size > 100_000
    page.field("slice").widget.setChecked(False)
    window.act_run.trigger()
    wait_design(window, 60)


def test_case_save_and_reopen_restores_every_parameter(window, tmp_path, messages, qtbot):
    from prosthetics_gui.casefile import SCHEMA
    from prosthetics_gui.mainwindow import app_settings

    m = window.model
    messages.clear()
    m.edit({"reduction_percent": 3.0})
    wait_design(window, 60)
    saved = {g: m.groups[g].as_dict() for g in m.groups}
    case = tmp_path / "patient.case.json"
    assert window._save_to(case)
    data = json.loads(case.read_text())
    assert data["schema"] == SCHEMA and data["landmarks"] == {}
    assert data["parameters"] == saved
    assert data["template"] == "transtibial"
    assert data["scan"]["sha256"] == m.scan.sha256
    assert not Path(data["scan"]["path"]).is_absolute()
    assert (case.parent / data["scan"]["path"]).resolve() == SAMPLE

    # Change several things, then open the case by dropping it on the window.
    m.edit({"reduction_percent": 6.0, "circumference_spacing_mm": 20.0, "material": "pla"})
    assert m.value("reduction_percent") == 6.0
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(case))])
    ev = QDropEvent(QPointF(600, 400), Qt.DropAction.CopyAction, mime,
                    Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(ev)
    assert m.case_path == case
    assert {g: m.groups[g].as_dict() for g in m.groups} == saved
    assert m.undo_stack.count() == 0
    assert str(case.resolve()) in app_settings().value("recent", [])
    # The whole design runs again; cancel it during the cleaning, then run it on.
    wait_until(lambda: "Cleaning" in window.status.text(), 30, "the cleaning to start")
    window.cancel_btn.click()
    wait_until(lambda: not m.busy, DESIGN_TIMEOUT, "the cancel")
    assert "Cancelled" in window.status.text()
    assert not m.is_current() and m.session.stale()[0] == "align"
    window.act_run.trigger()
    wait_design(window)
    assert {g: m.session.groups[g].as_dict() for g in m.groups} == saved
    assert not messages, messages

    # A case whose scan changed since it was saved opens with a warning.
    data["scan"]["sha256"] = "0" * 64
    changed = tmp_path / "changed.case.json"
    changed.write_text(json.dumps(data))
    assert window.open_path(changed)
    wait_until(lambda: messages, 30, "the warning")
    assert "has changed since the case was saved" in messages[-1]
    messages.clear()
    m.cancel()
    wait_until(lambda: not m.busy, DESIGN_TIMEOUT, "the cancel")


def test_bad_scan_and_missing_file_show_messages(window, tmp_path, messages):
    m = window.model
    messages.clear()
    assert not window.open_path(tmp_path / "missing.ply")
    assert "does not exist" in messages[-1]
    bad = tmp_path / "bad.ply"
    bad.write_bytes(b"ply\nformat ascii 1.0\nelement vertex 3\nend_header\n1 2\n")
    messages.clear()
    assert window.open_path(bad)
    wait_until(lambda: messages, 30, "the load error")
    assert "bad.ply" in messages[-1] or "scan" in messages[-1].lower()
    assert window.isVisible() and not m.busy
    assert "Stopped" in window.status.text()


def test_screenshot_option_writes_the_picture(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-m", "prosthetics_gui", "--screenshot", str(out), "--size",
                        "1200x800"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=400)
    assert r.returncode == 0, r.stderr[-2000:]
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1200, 800)
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    a = a[:, :img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    assert a.std() > 20
    r_, g_, b_ = a[..., 0], a[..., 1], a[..., 2]
    skin = (r_ > b_ + 40) & (r_ > g_ + 10)                 # the limb above the brim
    socket = (b_ > r_ + 40) & (b_ > 90)                     # the blue socket
    assert skin.sum() > 300, skin.sum()
    assert socket.sum() > 20000, socket.sum()


def test_command_line_arguments():
    from prosthetics_gui.__main__ import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--size", "12x"])
    a = build_parser().parse_args(["x.ply", "--screenshot", "o.png", "--step", "distance"])
    assert a.path == "x.ply" and a.size == (1400, 900) and a.step == "distance"
