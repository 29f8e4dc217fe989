"""The insole window's menus, undo, preset and lists, and its Export: never a design other
than the one the form shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtWidgets import QFileDialog  # noqa: E402

from .conftest import spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui
SHOTS = os.environ.get("PROSTHETICS_TEST_SHOTS")


@pytest.fixture(scope="module")
def win(qapp):
    from prosthetics_gui.insole_window import InsoleWindow

    w = InsoleWindow()
    w.resize(1300, 850)
    w.show()
    yield w
    w.model.undo_stack.setClean()
    w.close()
    spin(0.1)


def designed(w):
    wait_until(lambda: not w.model.busy and w.model.design is not None, 180, "the insole")
    spin(0.2)


def test_menus_lists_and_export_before_a_scan(win, monkeypatch):
    from prosthetics.design.presets import list_presets
    from prosthetics.printing.profiles import load_materials, load_printers

    menus = [a.text() for a in win.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View"]
    file_items = [a.text() for a in win.menuBar().actions()[0].menu().actions() if a.text()]
    assert file_items == ["&Open foot scan…", "&Export…", "&Close"]
    assert set(win.view_actions) == {"top", "medial", "heel", "three_quarter"}
    assert win.act_undo.text().startswith("&Undo") and not win.act_undo.isEnabled()
    presets = [win.preset.itemData(i) for i in range(win.preset.count())]
    assert presets == [n for n, p in list_presets().items() if p.builder == "insole"]
    material = win.form.fields["material"].widget
    printer = win.form.fields["printer"].widget
    assert [material.itemData(i) for i in range(material.count())] == list(load_materials())
    assert [printer.itemData(i) for i in range(printer.count())] == list(load_printers())
    assert material.currentData() == "tpu_95a"
    # No scan: Export is off and says why; pressing it anyway asks for no folder.
    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: asked.append(a) or ""))
    assert not win.export_button.isEnabled() and not win.act_export.isEnabled()
    assert "Open a foot scan first" in win.export_button.toolTip()
    win._export()
    assert not asked and "Cannot export: Open a foot scan first" in win.statusBar().currentMessage()


def test_words_undo_and_stale_export(win, tmp_path, monkeypatch):
    from prosthetics.resources import sample_scan

    seen = []
    win.model.progress.connect(lambda s, f: seen.append(win.statusBar().currentMessage()))
    win.open(sample_scan("foot_phone.ply"))
    designed(win)
    assert any(t.startswith("Building the insole… 40 %") for t in seen), seen
    assert not any(t.startswith("template") for t in seen)
    assert "closed solid: yes" in win.info.text() and "watertight" not in win.info.text()
    assert win.export_button.isEnabled()
    shoe = win.form.fields["shoe_size"].spin
    assert shoe.text().startswith("auto (") and "1.0" not in shoe.text()
    # An edit is undoable, in words.
    d0 = win.model.design
    win.form.edited.emit({"heel_cup_depth_mm": 18.0})
    assert win.act_undo.text() == "&Undo Change Heel cup depth to 18 mm"
    designed(win)
    assert win.model.design is not d0
    win.act_undo.trigger()
    assert win.form.fields["heel_cup_depth_mm"].get() == pytest.approx(12.0)
    designed(win)
    assert win.model.design.report["insole"]["measured"]["heel_cup_depth_mm"] == \
        pytest.approx(12.0, abs=0.5)
    # An edit that fails: the old insole stays in view, but Export refuses it.
    good = win.model.design
    win.form.edited.emit({"material": "no_such_material"})
    wait_until(lambda: not win.model.busy, 180, "the failed design")
    spin(0.2)
    assert win.model.design is good and win.model.stale
    assert not win.export_button.isEnabled() and "other values" in win.export_button.toolTip()
    assert not win.model.export(tmp_path / "out")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path / "out2")))
    win._export()
    spin(0.3)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out2").exists()
    assert "Error:" in win.info.text()
    win.act_undo.trigger()
    designed(win)
    assert not win.model.stale and win.export_button.isEnabled()
    # A preset from the list designs with its values.
    i = win.preset.findData("insole_three_quarter_petg")
    win.preset.setCurrentIndex(i)
    designed(win)
    assert win.model.design.report["template"]["preset"] == "insole_three_quarter_petg"
    assert win.form.fields["material"].get() == win.model.value("material")
    win.set_view("top")
    spin(0.2)
    if SHOTS:
        win.grab().save(str(Path(SHOTS) / "gui_insole_menus.png"))
