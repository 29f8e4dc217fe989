"""Case folders in the desktop application: save as a new case, save a revision, reopen,
the trends window.  Runs on the clean limb scan (a fast design)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from .conftest import open_window, record_messages, spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
TRUTH_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"


@pytest.fixture(scope="module")
def messages():
    shown: list[str] = []

    def ask(parent, title, author):
        shown.append(f"asked: {title}, offering {author!r}")
        return "Dr A. Khan", "reduction 2 %"

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("prosthetics_gui.fileactions.ask_revision", ask)
        record_messages(mp, shown)
        yield shown


@pytest.fixture(scope="module")
def window(qapp, messages):
    win = open_window(str(TRUTH_STL))
    yield win
    win.close()
    spin(0.1)


def test_save_reopen_and_trends_of_a_case_folder(window, messages, tmp_path):
    from prosthetics.cases import open_case, verify_case

    m = window.model
    assert m.session is not None and m.session.scan_path == TRUTH_STL
    # A coarser grid than the template's own keeps the designs below quick.
    m.edit({"slice": False, "wall_thickness_mm": 5.5, "grid_rows": 36, "grid_columns": 48})
    saved = []
    m.caseSaved.connect(lambda rec, folder: saved.append((rec, folder, window.status.text())))
    assert window.new_case_in(tmp_path, note="first design")
    folder = m.case_folder
    assert folder.parent == tmp_path and folder.name.startswith("C-")
    wait_until(lambda: saved, 180, "the first revision")
    case = open_case(folder)
    assert [s["file"] for s in case.scans] == ["scans/S01.stl"]
    rec = case.revision(1)
    assert rec["settings"]["template"]["wall_thickness_mm"] == 5.5
    assert rec["note"] == "first design" and verify_case(folder).ok
    assert f"Case {case.case_id} – scan {TRUTH_STL.name}" in window.windowTitle()
    assert not m.undo_stack.count() or m.undo_stack.isClean()

    # A later scan of the same limb, 4 % thinner across, with a change of reduction, filed
    # as revision 2 through File > Save case (which asks for a note).
    import trimesh

    later = tmp_path / "later.stl"
    mesh = trimesh.load(TRUTH_STL, process=False)
    mesh.vertices[:, :2] = (mesh.vertices[:, :2] - mesh.vertices[:, :2].mean(axis=0)) * 0.96
    mesh.export(later)
    assert m.add_scan_to_case(later)
    assert m.case_folder == folder and m.value("wall_thickness_mm") == 5.5
    assert m.session.scan_path == folder / "scans" / "S02.stl"
    m.edit({"reduction_percent": 2.0})
    assert window.save_case()
    # The clinician's name is asked with the note, and remembered for the next revision.
    assert messages.pop() == "asked: Save revision, offering ''"
    wait_until(lambda: len(saved) == 2, 180, "the second revision")
    assert saved[1][0]["note"] == "reduction 2 %" and saved[1][0]["scan"]["id"] == "S02"
    assert saved[1][0]["author"] == "Dr A. Khan"
    assert open_case(folder).revision(2)["author"] == "Dr A. Khan"
    from prosthetics_gui.fileactions import app_settings

    assert app_settings().value("author") == "Dr A. Khan"
    assert window._ask_revision("Save revision") == ("Dr A. Khan", "reduction 2 %")
    assert messages.pop() == "asked: Save revision, offering 'Dr A. Khan'"
    assert saved[1][2] == f"Saved revision 2 of case {folder.name}"
    assert open_case(folder).revision(2)["settings"]["template"]["reduction_percent"] == 2.0

    # Reopen from the folder: the latest revision's scan and every parameter come back.
    m.edit({"reduction_percent": 7.0, "wall_thickness_mm": 6.5})
    assert window.open_path(folder)        # asked first: Discard (tests/gui/conftest.py)
    assert m.case_folder == folder
    # The title names the case and its scan, not only the scan's file.
    assert window.windowTitle() == f"Case {open_case(folder).case_id} – scan S02.stl[*] – " \
                                   f"Prosthetics socket design"
    assert m.value("reduction_percent") == 2.0 and m.value("wall_thickness_mm") == 5.5
    assert m.session.scan_path == folder / "scans" / "S02.stl"

    window.show_case_trends()
    dlg = window.trends_dialog
    spin(0.3)
    assert dlg.isVisible() and dlg.verified.ok
    assert [e["scan"] for e in dlg.entries] == ["S01", "S02"]
    assert dlg.entries[1]["volume_ml"] / dlg.entries[0]["volume_ml"] == pytest.approx(
        0.96 ** 2, abs=0.003)
    import re

    change = float(re.search(r"first scan: ([-+\d.]+) %", dlg.header.text()).group(1))
    assert change == pytest.approx(-4.0, abs=0.1)
    assert dlg.table.rowCount() == 2 and dlg.table.item(1, 5).text() == "reduction 2 %"
    assert "verified" in dlg.header.text()
    out = os.environ.get("PROSTHETICS_TEST_SHOTS")
    if out:
        dlg.grab().save(str(Path(out) / "case_trends.png"))
    dlg.close()
    assert not messages, messages
    # Ctrl+T opens the trends again at once, wherever the focus went when the dialog closed.
    spin(0.2)
    QTest.keyClick(dlg, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    spin(0.3)
    assert dlg.isVisible()
    dlg.close()

    # A case that does not verify opens with a warning naming the problem.
    bad = tmp_path / "copy" / folder.name
    shutil.copytree(folder, bad)
    for p in bad.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    (bad / "revisions" / "0001" / "report.html").write_text("changed")
    assert window.open_path(bad / "case.json")
    wait_until(lambda: messages, 30, "the warning")
    assert "does not verify: revision 1: file report.html edited" in messages[-1]
    messages.clear()
    m.cancel()
    wait_until(lambda: not m.busy, 180, "the cancel")
    time.sleep(0.1)
