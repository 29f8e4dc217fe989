"""The windows in Urdu and English: the catalogue holds every word of gui/*.py, translated,
and its compiled .qm is the one lrelease makes; the window started in Urdu reads in Urdu,
right to left; started in English it reads in English.

PROSTHETICS_TEST_SHOTS=DIR saves pictures of the main window (a design loaded) and the
insole window in Urdu (gui_urdu_main.png, gui_urdu_insole.png)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from string import Formatter

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "gui"
TS = GUI / "i18n" / "prosthetics_ur.ts"
QM = GUI / "i18n" / "prosthetics_ur.qm"
TRUTH_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
SHOTS = os.environ.get("PROSTHETICS_TEST_SHOTS")


def _tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease beside the running Python, else on the PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (PySide6)")
    return found


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) -> the message's <translation> element."""
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            out[(name, msg.findtext("source"))] = msg.find("translation")
    return out


def _fields(text: str) -> list[int]:
    """The positions a str.format() text fills ("{}" in order, or "{1}"), sorted."""
    out, auto = [], 0
    for _lit, name, _spec, _conv in Formatter().parse(text):
        if name is None:
            continue
        if name == "":
            out.append(auto)
            auto += 1
        else:
            out.append(int(name))
    return sorted(out)


# -- the catalogue ---------------------------------------------------------------------------
def test_catalogue_holds_every_string_translated(tmp_path):
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in GUI.glob("*.py"))
    subprocess.run([_tool("pyside6-lupdate"), *sources, "-ts", str(fresh)], check=True,
                   capture_output=True, text=True, timeout=300)
    wanted = _messages(fresh)
    assert len(wanted) > 300, "lupdate found too few strings in gui/*.py"
    have = _messages(TS)
    missing = [f"{c}: {s!r}" for c, s in wanted if (c, s) not in have]
    unfinished = []
    wrong_fields = []
    for key in wanted:
        tr = have.get(key)
        if tr is None:
            continue
        text = tr.text or ""
        if tr.get("type") in ("unfinished", "vanished", "obsolete") or not text.strip():
            unfinished.append(f"{key[0]}: {key[1]!r}")
        elif _fields(text) != _fields(key[1]):
            wrong_fields.append(f"{key[0]}: {key[1]!r} -> {text!r}")
    update = ("update it: pyside6-lupdate gui/*.py -ts gui/i18n/prosthetics_ur.ts, translate, "
              "then pyside6-lrelease (gui/i18n/README.md)")
    assert not missing, f"not in {TS.name} ({update}):\n" + "\n".join(missing)
    assert not unfinished, f"not translated in {TS.name}:\n" + "\n".join(unfinished)
    assert not wrong_fields, "translations that fill other places than the English:\n" \
        + "\n".join(wrong_fields)


#: Qt's numbered places ("%1", "%L2") and the plural count ("%n") of a text, which
#: QString::arg() and translate(..., n) fill.
_QT_PLACE = re.compile(r"%L?(\d+|n)")


def test_every_translation_keeps_the_qt_placeholders_of_its_source():
    """A translation with other %N than its source makes QString::arg() print "Argument
    missing" (or drop a value): Qt's own words in this catalogue are filled that way."""
    wrong = []
    for (context, source), tr in _messages(TS).items():
        text = (tr.text or "") if tr is not None else ""
        if tr is None or tr.get("type") in ("unfinished", "vanished", "obsolete") or not text:
            continue
        if sorted(_QT_PLACE.findall(source or "")) != sorted(_QT_PLACE.findall(text)):
            wrong.append(f"{context}: {source!r} -> {text!r}")
    assert not wrong, "translations with other %N places than the English:\n" + "\n".join(wrong)


def test_compiled_catalogue_is_up_to_date(tmp_path):
    made = tmp_path / "made.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(made)], check=True,
                   capture_output=True, text=True, timeout=120)
    assert QM.exists(), f"{QM.name} is missing: pyside6-lrelease {TS.name} -qm {QM.name}"
    if QM.read_bytes() != made.read_bytes():
        older = QM.stat().st_mtime < TS.stat().st_mtime
        raise AssertionError(f"{QM.name} is {'older than' if older else 'different from'} what "
                             f"pyside6-lrelease makes from {TS.name}: run pyside6-lrelease "
                             f"gui/i18n/prosthetics_ur.ts -qm gui/i18n/prosthetics_ur.qm")


def test_language_choice(monkeypatch, _gui_settings):
    from prosthetics_gui.language import chosen_language, save_language

    monkeypatch.delenv("PROSTHETICS_LANG", raising=False)
    assert chosen_language() == "en"
    assert chosen_language("ur_PK") == "ur" and chosen_language("fr") == "en"
    save_language("ur")
    try:
        assert chosen_language() == "ur"
        monkeypatch.setenv("PROSTHETICS_LANG", "en")      # the launcher's choice wins
        assert chosen_language() == "en"
        assert chosen_language("ur") == "ur"
    finally:
        save_language("en")


def test_the_3d_views_urdu_is_shaped_in_display_order_in_a_font_that_has_it(monkeypatch,
                                                                           tmp_path):
    """VTK does not shape text: the view gets each Urdu line in its joined letter forms, in
    display order with its brackets mirrored, and a font holding those forms and Latin."""
    from fontTools.ttLib import TTFont

    from prosthetics_gui import viewtext

    monkeypatch.setenv("PROSTHETICS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(viewtext, "is_right_to_left", lambda: True)
    viewtext.view_font.cache_clear()
    try:
        assert viewtext.view_text("X: heel 12 mm") == "X: heel 12 mm"        # no Urdu: as is
        shown = viewtext.view_text("سرخ (فرش، ہاتھ)\nپہلے")
        first, second = shown.split("\n")
        # joined forms (presentation forms), no letter left in its plain form
        assert all(0xFB50 <= ord(c) <= 0xFEFF for c in second)
        assert not re.search("[\u0621-\u06FF]", shown)
        # read right to left: the line's last word comes first, its brackets face inward
        assert first.startswith("(") and first.rstrip().endswith(viewtext.view_text("سرخ"))
        opts = viewtext.text_options()
        font = Path(opts["font_file"])
        assert font.is_file() and font.parent == tmp_path / "fonts"
        cmap = TTFont(str(font)).getBestCmap()
        assert all(ord(c) in cmap for c in shown.replace("\n", "") + "XYZ mm0123456789:=+-")
        assert viewtext.view_font() == font                     # built once
    finally:
        viewtext.view_font.cache_clear()
    monkeypatch.setattr(viewtext, "is_right_to_left", lambda: False)
    assert viewtext.text_options() == {}


def test_numbers_and_units_stay_left_to_right_in_urdu():
    from prosthetics_gui.language import LTR_END, LTR_START, embed_numbers

    def e(text):
        return embed_numbers(text).replace(LTR_START, "[").replace(LTR_END, "]") \
            .replace("\u00a0", " ")

    assert e("سامنے کی ٹرم {} mm پر") == "سامنے کی ٹرم [{} mm] پر"
    assert e("حجم {} ml، {} %، {}°") == "حجم [{} ml]، [{} %]، [{}°]"
    assert e("سطح کا 95 % حصہ ± {} mm") == "سطح کا [95 %] حصہ [± {} mm]"
    assert e("دایاں (+X)، نیچے (−Z)") == "دایاں ([+X])، نیچے ([−Z])"
    assert e("{} سطحیں، STL، 3MF") == "{} سطحیں، STL، 3MF"        # no unit: as written


# -- the windows ------------------------------------------------------------------------------
needs_display = pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                   reason="the GUI tests need a display: run them under xvfb-run")


@pytest.fixture
def urdu(qapp):
    """The application in Urdu for one test, then back in English (the other GUI tests find
    widgets by their English words)."""
    from prosthetics_gui.language import install_language

    assert install_language(qapp, "ur") == "ur"
    yield qapp
    install_language(qapp, "en")


def _menu_titles(win) -> list[str]:
    return [a.text() for a in win.menuBar().actions()]


def _close(win) -> None:
    from .conftest import spin

    win.model.undo_stack.setClean()
    win.close()
    spin(0.1)


@needs_display
@pytest.mark.gui
def test_words_the_urdu_catalogue_lacks_stay_as_qt_has_them(urdu):
    """Qt's own texts that the catalogue does not hold keep their source: not "" (F5 in
    the menus came out blank and "QString::arg: Argument missing" was printed twice)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QKeySequence

    assert QCoreApplication.translate("QShortcut", "F%1") == "F%1"
    assert QCoreApplication.translate("QProgressBar", "%p%") == "%p%"
    assert QKeySequence("F5").toString() == "F5"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") not in ("", "Cancel")


@needs_display
@pytest.mark.gui
def test_main_window_in_urdu(urdu, messages):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDoubleSpinBox, QLabel

    from .conftest import open_window, spin, wait_until

    win = open_window(str(TRUTH_STL))
    try:
        assert win.layoutDirection() == Qt.LayoutDirection.RightToLeft
        titles = _menu_titles(win)
        assert titles[:3] == ["فائل", "ترمیم", "منظر"], titles
        assert "ڈیزائن" in titles and "مدد" in titles
        assert win.step_list.item(0).text().endswith("اسکین")
        assert "اردو" in [a.text() for a in win.language_menu.actions()]
        page = win.pages["template"]
        title = page.findChild(QLabel, "page_title")
        assert title.text() == "سانچہ"
        assert win.pages["rectify"].findChild(QLabel, "page_title").text() == "تصحیح"
        # Numbers and units still read left to right inside the right-to-left form.
        spinbox = page.findChild(QDoubleSpinBox, "param_wall_thickness_mm")
        assert spinbox.suffix().startswith(" mm") and spinbox.text().startswith("\u202a")
        win.model.edit({"slice": False})
        wait_until(lambda: win.model.is_current(), 180, "the design")
        win.select_step("template")
        spin(0.5)
        assert "جانچ" in page.checks.text()
        # The core's words through the reports' catalogue: the warnings, the parameters'
        # labels and help, the cleaning steps' details.
        from prosthetics.reports.i18n import gettext_for
        from prosthetics_gui.messages import warning_text

        ur = gettext_for("ur")
        urdu_letters = re.compile(r"[\u0600-\u06FF]")
        warnings = win.model.check["warnings"]
        assert warnings
        for w in warnings:
            shown = warning_text(w)
            assert shown != str(w) and urdu_letters.search(shown)
        win.select_step("export")
        spin(0.5)
        for w in warnings:                       # the Export page lists them
            assert html.escape(warning_text(w)) in win.pages["export"].checks.text()
        win.select_step("clean")
        spin(0.5)
        # The 3D view's own words: in Urdu, shaped, in the merged font.
        from prosthetics_gui.language import translate
        from prosthetics_gui.viewtext import view_text

        legend = translate("Viewport", "X: patient's right   Y: anterior   Z: proximal")
        assert urdu_letters.search(legend) and win.viewport.axes_legend == legend
        actor = win.viewport.plotter.actors["axes_legend"]
        assert actor.GetInput() == view_text(legend)
        assert actor.GetTextProperty().GetFontFile().endswith(".ttf")
        assert urdu_letters.search(win.viewport.caption_lines[0])
        win.select_step("rectify")                # the cavity's colour bar, titled in Urdu
        spin(0.5)
        title = view_text(translate("Viewport", "Cavity to limb (mm)"))
        assert title in win.viewport.plotter.scalar_bars.keys()
        prop = win.viewport.plotter.scalar_bars[title].GetTitleTextProperty()
        assert prop.GetFontFile() == actor.GetTextProperty().GetFontFile()
        win.select_step("clean")
        spin(0.5)
        clean = win.pages["clean"]
        labels = {w.text() for w in clean.findChildren(QLabel)}
        assert ur("Point spacing") in labels and "Point spacing" not in labels
        box = clean.findChild(QDoubleSpinBox, "param_voxel_size_mm")
        assert ur("Voxel size of the downsampling before cleaning") in box.toolTip()
        details = [clean.table.item(i, 0).toolTip() for i in range(clean.table.rowCount())]
        assert details and all(urdu_letters.search(d) for d in details), details
        if SHOTS:
            win.grab().save(str(Path(SHOTS) / "gui_urdu_main.png"))
            win.select_step("rectify")
            spin(0.5)
            win.grab().save(str(Path(SHOTS) / "gui_urdu_rectify.png"))
            win.select_step("export")
            spin(0.5)
            win.grab().save(str(Path(SHOTS) / "gui_urdu_export.png"))
    finally:
        _close(win)


@needs_display
@pytest.mark.gui
def test_insole_window_in_urdu(urdu):
    from PySide6.QtCore import Qt

    from prosthetics.resources import sample_scan
    from prosthetics_gui.insole_window import InsoleWindow

    from .conftest import spin, wait_until

    win = InsoleWindow()
    win.resize(1300, 850)
    win.show()
    try:
        assert win.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert _menu_titles(win) == ["فائل", "ترمیم", "منظر"]
        assert win.export_button.text() == "برآمد کریں…"
        if SHOTS:
            win.open(sample_scan("foot_phone.ply"))
            wait_until(lambda: not win.model.busy and win.model.design is not None, 180,
                       "the insole")
            spin(0.5)
            assert "انسول" in win.info.text()
            win.grab().save(str(Path(SHOTS) / "gui_urdu_insole.png"))
    finally:
        _close(win)


@needs_display
@pytest.mark.gui
def test_window_in_english(qapp, messages, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QMessageBox

    from prosthetics_gui.language import chosen_language, install_language

    from .conftest import open_window

    monkeypatch.delenv("PROSTHETICS_LANG", raising=False)
    assert install_language(qapp) == "en"
    win = open_window(None)
    try:
        assert win.layoutDirection() == Qt.LayoutDirection.LeftToRight
        assert _menu_titles(win)[:3] == ["&File", "&Edit", "&View"]
        assert win.pages["template"].findChild(QLabel, "page_title").text() == "Template"
        assert win.step_list.item(0).text().endswith("Scan")
        # View > Language > اردو: saved for the next start, said in both languages.
        told = []
        monkeypatch.setattr(QMessageBox, "information",
                            staticmethod(lambda parent, title, text, *a: told.append(text)))
        win.language_actions["ur"].trigger()
        assert chosen_language() == "ur" and win.language_actions["ur"].isChecked()
        assert len(told) == 1 and "started again" in told[0] and "زبان" in told[0]
        assert win.layoutDirection() == Qt.LayoutDirection.LeftToRight    # at the next start
        win.language_actions["en"].trigger()
        assert chosen_language() == "en" and not win.language_actions["ur"].isChecked()
    finally:
        _close(win)
