"""The main window's File menu: opening scans and cases, saving the design to a case,
the recent files, and dropping a file on the window.

A case is a case folder (``prosthetics.cases.store``: scans and numbered revisions) or a
single-file case (``*.case.json``, :mod:`.casefile`); the model does the reading and
writing, this only asks the user and reports.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
)

from prosthetics.scan.formats import SUPPORTED_SUFFIXES

from .language import translate

__all__ = ["FileActions", "app_settings", "ask_revision", "is_case", "SCAN_SUFFIXES",
           "CASE_SUFFIX"]

SCAN_SUFFIXES = SUPPORTED_SUFFIXES     # what the core reads, AAOP files included
CASE_SUFFIX = ".case.json"
MAX_RECENT = 8


def app_settings() -> QSettings:
    """The application's settings (recent files); ``PROSTHETICS_GUI_SETTINGS`` names an INI
    file to use instead (tests)."""
    path = os.environ.get("PROSTHETICS_GUI_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "prosthetics",
                     "prosthetics-gui")


def ask_revision(parent, title: str, author: str) -> tuple[str, str] | None:
    """Ask who files a revision (``author`` offered) and what changed; None on Cancel."""
    dlg = QDialog(parent)
    dlg.setWindowTitle(title)
    form = QFormLayout(dlg)
    name = QLineEdit(author)
    name.setObjectName("author")
    name.setPlaceholderText(translate("FileActions", "e.g. A. Khan, CPO"))
    note = QLineEdit()
    note.setObjectName("note")
    form.addRow(QLabel(translate("FileActions",
                                 "The record says who designed each revision and why.")))
    form.addRow(translate("FileActions", "Clinician's name:"), name)
    form.addRow(translate("FileActions", "What changed, and why\n(no personal details):"), note)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dlg.accept)
    buttons.rejected.connect(dlg.reject)
    form.addRow(buttons)
    (note if author else name).setFocus()
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    return name.text().strip(), note.text().strip()


def is_case(path) -> bool:
    """A case folder, its case.json, or a single-file case."""
    p = Path(path)
    return (str(p).endswith(CASE_SUFFIX) or p.name == "case.json"
            or (p.is_dir() and (p / "case.json").is_file()))


class FileActions:
    """The File menu's actions and drag and drop, for :class:`~.mainwindow.MainWindow`.

    Uses the window's ``model`` (None until started), ``status`` label, ``recent_menu``,
    ``headless`` flag, ``_initial`` (the path to open once started), :meth:`show_error` and
    :meth:`_on_session_title`.
    """

    def open_path(self, path: str | os.PathLike | None) -> bool:
        """Open a scan, a case folder (or its case.json) or a single-file case (the sample
        scan when None)."""
        if self.model is None:
            self._initial = str(path) if path else ""
            return False
        if not self.maybe_save(translate("FileActions", "opening another file")):
            return False
        if path is not None and is_case(path):
            ok = self.model.open_case(path)
        else:
            ok = self.model.open_scan(path)
        if ok:
            self._on_session_title()        # the case is known only once it is open
        if ok and path is not None:
            self._add_recent(str(Path(path).resolve()))
        return ok

    def maybe_save(self, doing: str) -> bool:
        """Before the design is replaced or the window closes: when it has changes not
        saved to a case, ask to save them, discard them or cancel.  True to go on."""
        m = self.model
        if m is None or m.session is None or m.undo_stack.isClean():
            return True
        where = (translate("FileActions", "case {}").format(m.case_folder.name)
                 if m.case_folder is not None
                 else translate("FileActions", "its case file") if m.case_path is not None
                 else translate("FileActions", "a case"))
        box = QMessageBox
        answer = box.question(
            self, translate("FileActions", "Unsaved changes"),
            translate("FileActions", "The design of {} has changes that are not saved to "
                                     "{}.\n\nSave them before {}?")
            .format(m.session.scan_path.name, where, doing),
            box.StandardButton.Save | box.StandardButton.Discard | box.StandardButton.Cancel,
            box.StandardButton.Save)
        if answer == box.StandardButton.Discard:
            return True
        if answer != box.StandardButton.Save or not self.save_case():
            return False
        # A revision is written in the worker: wait for it, so that nothing is lost.
        from .worker import run_until

        run_until(lambda: m.undo_stack.isClean() or not m.busy, 600.0)
        return m.undo_stack.isClean()

    def open_dialog(self) -> None:
        from prosthetics.resources import samples_dir

        start = str(self.model.session.scan_path.parent if self.model and self.model.session
                    else samples_dir())
        pats = " ".join(f"*{s}" for s in SCAN_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(
            self, translate("FileActions", "Open scan"), start,
            translate("FileActions", "Scans ({});;Cases (*{});;All files (*)")
            .format(pats, CASE_SUFFIX))
        if path:
            self.open_path(path)

    def open_case_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, translate("FileActions", "Open case: choose the case.json in the case folder"),
            "", translate("FileActions", "Cases (case.json *{});;All files (*)")
            .format(CASE_SUFFIX))
        if path:
            self.open_path(path)

    def save_case(self) -> bool:
        """The next revision of the open case folder; a single-file case is written again;
        with neither, a new case folder (Save as new case)."""
        if self.model is None or self.model.session is None:
            return False
        if self.model.case_folder is not None:
            asked = self._ask_revision(translate("FileActions", "Save revision"))
            if asked is None:
                return False
            author, note = asked
            return self.save_revision(author=author, note=note)
        if self.model.case_path is None:
            return self.save_case_as()
        return self._save_to(self.model.case_path)

    def _last_author(self) -> str:
        return str(app_settings().value("author", "") or os.environ.get("PROSTHETICS_AUTHOR", ""))

    def _ask_revision(self, title: str) -> tuple[str, str] | None:
        """The clinician's name (the last one offered) and a note for the revision's
        record; None when cancelled.  The name is remembered for next time."""
        if self.headless:
            return self._last_author(), ""
        asked = ask_revision(self, title, self._last_author())
        if asked is None:
            return None
        author, note = asked
        if author:
            st = app_settings()
            st.setValue("author", author)
            st.sync()
        return author, note

    def save_revision(self, *, author: str = "", note: str = "") -> bool:
        ok = self.model.save_revision(author=author or self._last_author(), note=note)
        if ok:
            self.status.setText(translate("FileActions", "Saving the revision…"))
        return ok

    def save_case_as(self) -> bool:
        if self.model is None or self.model.session is None:
            return False
        start = str(self.model.case_folder.parent if self.model.case_folder
                    else self.model.session.scan_path.parent)
        root = QFileDialog.getExistingDirectory(
            self, translate("FileActions", "Folder to make the case in (the case gets its own "
                                           "folder, named by a new case ID)"), start)
        if not root:
            return False
        asked = self._ask_revision(translate("FileActions", "First revision of the new case"))
        if asked is None:
            return False
        author, note = asked
        return self.new_case_in(root, note=note, author=author)

    def new_case_in(self, root, *, note: str = "", author: str = "") -> bool:
        """Make a case folder in ``root`` from the open scan and file the design in it."""
        path = self.model.new_case_folder(root, note=note,
                                          author=author or self._last_author())
        if path is None:
            return False
        self._add_recent(str(path.resolve() / "case.json"))
        self._on_session_title()
        self.status.setText(translate("FileActions", "Made case {}; saving the first revision…")
                            .format(path.name))
        return True

    def _on_case_saved(self, record: dict, folder: str) -> None:
        self.model.undo_stack.setClean()
        self._add_recent(str(Path(folder).resolve() / "case.json"))
        self.status.setText(translate("FileActions", "Saved revision {} of case {}")
                            .format(record['number'], record['case']['case_id']))
        self._on_session_title()
        if getattr(self, "trends_dialog", None) is not None and self.trends_dialog.isVisible():
            self.trends_dialog.refresh(folder)

    def export_rectification(self, path=None) -> bool:
        """Write the landmarks, trim points and strokes set by hand to a JSON file that
        ``prosthetics design SCAN --rectification FILE`` replays."""
        m = self.model
        if m is None or m.session is None:
            return False
        if path is None:
            start = str(m.default_export_dir().with_name(
                m.session.scan_path.stem + ".rectification.json"))
            path, _ = QFileDialog.getSaveFileName(
                self, translate("FileActions", "Export rectification"), start,
                translate("FileActions", "Rectification (*.json)"))
            if not path:
                return False
        from prosthetics.errors import ProstheticsError

        try:
            side = m.value("limb_side")
        except KeyError:
            side = None
        try:
            m.hand.write(path, side=getattr(side, "value", side))
        except ProstheticsError as exc:
            self.show_error(str(exc), translate("FileActions", "Choose another folder."))
            return False
        self.status.setText(translate("FileActions", "Rectification written to {}").format(path))
        return True

    def import_rectification(self, path=None) -> bool:
        """Read a rectification file onto the open design (one undo step)."""
        m = self.model
        if m is None or m.session is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, translate("FileActions", "Import rectification"), "",
                translate("FileActions", "Rectification (*.json)"))
            if not path:
                return False
        from prosthetics.errors import ProstheticsError
        from prosthetics.sockets.rectification import read_rectification

        try:
            hand = read_rectification(path)
        except ProstheticsError as exc:
            self.show_error(str(exc), translate("FileActions", "Export the rectification again "
                                                        "from this application."))
            return False
        m.set_hand(hand, translate("FileActions", "Import the rectification {}")
                   .format(Path(path).name))
        return True

    def add_scan_dialog(self) -> None:
        if self.model is None or self.model.case_folder is None:
            self.show_error(translate("FileActions", "no case is open"),
                            translate("FileActions", "Open a case (File > Open case) first."))
            return
        pats = " ".join(f"*{s}" for s in SCAN_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(
            self, translate("FileActions", "Add scan to case"), "",
            translate("FileActions", "Scans ({});;All files (*)").format(pats))
        if path and self.model.add_scan_to_case(path):
            self._on_session_title()
            self.status.setText(translate("FileActions", "Scan added to the case; save the case "
                                                          "to file the design"))

    def compare_dialog(self) -> None:
        """File > Compare with another scan: this limb against another scan of it in its own
        window (:mod:`.comparewindow`), with the open case's other scans offered there."""
        if self.model is None or self.model.session is None:
            self.show_error(translate("FileActions", "no scan is open"),
                            translate("FileActions", "Open a scan (File > Open scan) first."))
            return
        from .comparewindow import compare_with

        win = compare_with(self, self.model)
        if win is not None:
            old = getattr(self, "compare_window", None)
            if old is not None:
                old.close()
            self.compare_window = win

    def show_case_trends(self) -> None:
        if self.model is None or self.model.case_folder is None:
            self.show_error(translate("FileActions", "no case is open"),
                            translate("FileActions", "Open a case (File > Open case) or make "
                                                     "one (File > Save as new case)."))
            return
        from .casepanel import CaseTrendsDialog

        if getattr(self, "trends_dialog", None) is None:
            self.trends_dialog = CaseTrendsDialog(self)
            # Back to this window when it closes, so its keys (Ctrl+T...) work at once.
            self.trends_dialog.finished.connect(lambda _r: self.activateWindow())
        self.trends_dialog.refresh(self.model.case_folder)
        self.trends_dialog.show()

    def _save_to(self, path) -> bool:
        """Write a single-file case (``*.case.json``)."""
        ok = self.model.save_case(path)
        if ok:
            self.model.undo_stack.setClean()
            self._add_recent(str(Path(path).resolve()))
            self.status.setText(translate("FileActions", "Saved {}").format(path))
        return ok

    def _recent(self) -> list[str]:
        v = app_settings().value("recent", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def _add_recent(self, path: str) -> None:
        items = [path] + [p for p in self._recent() if p != path]
        st = app_settings()
        st.setValue("recent", items[:MAX_RECENT])
        st.sync()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = [p for p in self._recent() if Path(p).exists()]
        if not items:
            a = self.recent_menu.addAction(translate("FileActions", "(none)"))
            a.setEnabled(False)
        for p in items:
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.open_path(p)).setToolTip(p)

    # -- drag and drop -----------------------------------------------------------------
    @staticmethod
    def _dropped_path(mime) -> str | None:
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            p = url.toLocalFile()
            if p and (p.lower().endswith(SCAN_SUFFIXES) or is_case(p)):
                return p
        return None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._dropped_path(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = self._dropped_path(event.mimeData())
        if p:
            event.acceptProposedAction()
            self.open_path(p)
