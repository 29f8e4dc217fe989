"""The main window: menus, toolbar, the step panel, the 3D view and the status bar.

The window is shown at once with only Qt loaded; the heavy modules (the core, VTK,
matplotlib) are imported in a worker thread, then the model, the pages and the 3D view are
built and the scan is opened (:meth:`MainWindow.start`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .actions import make_action
from .fileactions import FileActions, app_settings, is_case
from .language import LANGUAGES, current_language, install_language, save_language, translate
from .messages import SliceClock
from .worker import Job

STEPS = ("scan", "clean", "align", "measure", "rectify", "template", "export")
#: The steps' titles (translated where shown, context "Steps").
STEP_TITLES = (QT_TRANSLATE_NOOP("Steps", "Scan"), QT_TRANSLATE_NOOP("Steps", "Clean"),
               QT_TRANSLATE_NOOP("Steps", "Align"), QT_TRANSLATE_NOOP("Steps", "Measure"),
               QT_TRANSLATE_NOOP("Steps", "Rectify"), QT_TRANSLATE_NOOP("Steps", "Template"),
               QT_TRANSLATE_NOOP("Steps", "Export"))

#: Said in both languages when the language is changed (it applies at the next start).
LANGUAGE_CHANGE_TEXT = ("The language changes when the application is started again.\n\n"
                        "زبان اگلی بار ایپلیکیشن کھولنے پر بدل جائے گی۔")

#: Which stage results each step's 3D scene draws (the scene is redrawn when they change).
SCENE_STAGES = {"scan": {"load", "raw"}, "clean": {"load", "align", "raw"}, "align": {"align"},
                "measure": {"align", "measure"}, "rectify": {"socket_view", "template", "align"},
                "template": {"preview", "template", "align"},
                "export": {"preview", "template", "align"}}


def _warm_up(_job, initial: str | None = None):
    """Import what the model, pages and 3D view need, off the GUI thread.

    With ``initial`` (a scan's path, "" for the sample) the scan's reading and cleaning
    start as soon as the core is imported, beside the 3D view's imports and the pages'
    building; returns that :class:`~.jobs.Prestart` (or None).
    """
    import prosthetics.design.session  # noqa: F401
    from prosthetics.errors import ProstheticsError
    from prosthetics.resources import sample_scan

    from .jobs import Prestart

    pre = None
    if initial is not None and not is_case(initial or "-"):
        try:
            pre = Prestart(initial or sample_scan())
        except (ProstheticsError, OSError):
            pre = None                  # opened (and its error shown) the usual way
    import matplotlib.figure  # noqa: F401
    import pyvista  # noqa: F401
    import pyvistaqt  # noqa: F401
    from matplotlib.backends import backend_qtagg  # noqa: F401

    import prosthetics.printing.slicer  # noqa: F401
    return pre


class PageStack(QStackedWidget):
    """The side panel's pages, as tall as the page shown (a stacked widget is as tall as
    its tallest page), so that the panel scrolls only when the page shown does not fit."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        w = self.currentWidget()
        return w.sizeHint() if w is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        w = self.currentWidget()
        return w.minimumSizeHint() if w is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        w = self.currentWidget()
        return w is not None and w.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        # The scroll area asks this (word-wrapped labels): the page shown's, not the
        # tallest page's.
        w = self.currentWidget()
        return w.heightForWidth(width) if w is not None else -1


class MainWindow(FileActions, QMainWindow):
    ready = Signal()     # model, pages and 3D view are built

    def __init__(self, *, headless: bool = False):
        super().__init__()
        self.headless = headless          # errors go to stderr, not to dialogs
        self.errors: list[str] = []
        self.model = None
        self.viewport = None
        self.pages: dict = {}
        self._initial: str | None = None
        self._warm_job = None
        self.setWindowTitle(translate("MainWindow", "Prosthetics – socket design"))
        self.setAcceptDrops(True)
        self._build_skeleton()

    # -- skeleton (Qt only, fast) ----------------------------------------------------
    def _build_skeleton(self) -> None:
        self.step_list = QListWidget()
        self.step_list.setObjectName("steps")
        for i, title in enumerate(STEP_TITLES):
            item = QListWidgetItem(f"{i + 1}  {translate('Steps', title)}")
            item.setSizeHint(QSize(110, 34))
            self.step_list.addItem(item)
        self.step_list.setFixedWidth(118)
        f = self.step_list.font()
        f.setPointSizeF(f.pointSizeF() * 1.1)
        self.step_list.setFont(f)
        self.step_list.setCurrentRow(0)
        self.step_list.currentRowChanged.connect(self._on_step)

        self.stack = PageStack()
        placeholder = QLabel(translate("MainWindow", "Starting…"))
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(placeholder)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.stack)
        self.scroll.setMinimumWidth(360)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

        self.view_holder = QWidget()
        vl = QVBoxLayout(self.view_holder)
        vl.setContentsMargins(0, 0, 0, 0)
        self.view_placeholder = QLabel(translate("MainWindow", "Starting the 3D view…"))
        self.view_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        vl.addWidget(self.view_placeholder)

        side = QWidget()
        sl = QHBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.setSpacing(0)
        sl.addWidget(self.step_list)
        sl.addWidget(self.scroll, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(side)
        self.splitter.addWidget(self.view_holder)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 880])
        self.setCentralWidget(self.splitter)

        self._build_actions()
        self._build_status()

    def _act(self, text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
        return make_action(self, text, slot, shortcut, tip, icon)

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        self.act_open = self._act(translate("MainWindow", "&Open scan…"), self.open_dialog,
                                  QKeySequence.StandardKey.Open,
                                  translate("MainWindow",
                                            "Open a scan file (PLY, OBJ, STL, GLB, OFF, XYZ)"),
                                  SP.SP_DialogOpenButton)
        self.act_open_case = self._act(translate("MainWindow", "Open &case…"), self.open_case_dialog,
                                       "Ctrl+Shift+O",
                                       translate("MainWindow",
                                                 "Open a case folder (its case.json) or a "
                                                 "single-file case (*.case.json)"))
        self.act_save = self._act(translate("MainWindow", "&Save case"), self.save_case,
                                  QKeySequence.StandardKey.Save,
                                  translate("MainWindow", "Save the design as the next revision "
                                                          "of the open case"),
                                  SP.SP_DialogSaveButton)
        self.act_save_as = self._act(translate("MainWindow", "Save as new &case…"), self.save_case_as,
                                     QKeySequence.StandardKey.SaveAs,
                                     translate("MainWindow", "Make a case folder with this scan "
                                                             "and the design as its first "
                                                             "revision"))
        self.act_add_scan = self._act(translate("MainWindow", "&Add scan to case…"),
                                      self.add_scan_dialog, None,
                                      translate("MainWindow", "Add a later scan of the limb to "
                                                              "the open case and design on it"))
        self.act_trends = self._act(translate("MainWindow", "Case &trends…"), self.show_case_trends,
                                    "Ctrl+T",
                                    translate("MainWindow", "The open case's scans, revisions "
                                                            "and measurement history"))
        # Works from the trends window and dialogs too, not only while this window is active.
        self.act_trends.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.act_export = self._act(translate("MainWindow", "&Export…"), lambda: self.export(), "Ctrl+E",
                                    translate("MainWindow",
                                              "Write the print files and the reports"))
        self.act_quit = self._act(translate("MainWindow", "&Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.act_run = self._act(translate("MainWindow", "&Run"), self._run, "F5",
                                 translate("MainWindow", "Run what is not up to date (after an "
                                                         "error or a cancel)"))
        self.act_cancel = self._act(translate("MainWindow", "&Cancel"), self._cancel, "Esc",
                                    translate("MainWindow", "Stop the computation after the "
                                                            "current stage"))
        self.view_actions = {}
        tips = {"anterior": translate("MainWindow", "Camera in front of the limb (+Y), "
                                                    "looking back"),
                "posterior": translate("MainWindow", "Camera behind the limb (−Y)"),
                "right": translate("MainWindow", "Camera on the patient's right (+X): lateral "
                                                 "for a right limb"),
                "left": translate("MainWindow", "Camera on the patient's left (−X): lateral "
                                                "for a left limb"),
                "distal": translate("MainWindow", "Camera below the distal end (−Z), "
                                                  "anterior up"),
                "three_quarter": translate("MainWindow", "Three-quarter view from "
                                                         "anterior-right")}
        for name, text, key in (("anterior", translate("MainWindow", "Anterior"), "Ctrl+1"),
                                ("posterior", translate("MainWindow", "Posterior"), "Ctrl+2"),
                                ("right", translate("MainWindow", "Right (+X)"), "Ctrl+3"),
                                ("left", translate("MainWindow", "Left (−X)"), "Ctrl+4"),
                                ("distal", translate("MainWindow", "Distal"), "Ctrl+5"),
                                ("three_quarter", "3/4", "Ctrl+6")):
            self.view_actions[name] = self._act(text, lambda _c=False, n=name: self.set_view(n),
                                                key, tips[name])
        self.act_fit = self._act(translate("MainWindow", "Fit"), self._fit, "Ctrl+0",
                                translate("MainWindow", "Reset the zoom to fit the scene"))

        mb = self.menuBar()
        fm = mb.addMenu(translate("MainWindow", "&File"))
        fm.addAction(self.act_open)
        self.recent_menu = fm.addMenu(translate("MainWindow", "Open &recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        fm.addAction(self.act_open_case)
        fm.addSeparator()
        fm.addAction(self.act_save)
        fm.addAction(self.act_save_as)
        fm.addAction(self.act_add_scan)
        self.act_compare = self._act(translate("MainWindow", "Co&mpare with another scan…"),
                                     self.compare_dialog, None,
                                     translate("MainWindow", "This limb against another scan of "
                                                             "it: deviation map, volume and "
                                                             "circumference change"))
        fm.addAction(self.act_compare)
        fm.addSeparator()
        self.act_export_hand = self._act(translate("MainWindow", "Export &rectification…"),
                                         lambda: self.export_rectification(), None,
                                         translate("MainWindow",
                                                   "Save the landmarks, trim line and strokes "
                                                   "set by hand (prosthetics design "
                                                   "--rectification FILE replays them)"))
        self.act_import_hand = self._act(translate("MainWindow", "&Import rectification…"),
                                         lambda: self.import_rectification(), None,
                                         translate("MainWindow", "Apply a saved rectification "
                                                                 "to this design"))
        fm.addAction(self.act_export_hand)
        fm.addAction(self.act_import_hand)
        fm.addAction(self.act_export)
        fm.addSeparator()
        fm.addAction(self._act(translate("MainWindow", "New &insole…"), self.open_insole, None,
                               translate("MainWindow", "Design a custom insole from a foot scan "
                                                       "(its own window)")))
        fm.addSeparator()
        fm.addAction(self.act_quit)
        self.edit_menu = mb.addMenu(translate("MainWindow", "&Edit"))
        vm = mb.addMenu(translate("MainWindow", "&View"))
        for a in self.view_actions.values():
            vm.addAction(a)
        vm.addAction(self.act_fit)
        vm.addSeparator()
        vm.addAction(self.act_trends)
        vm.addSeparator()
        self.language_menu = vm.addMenu(translate("MainWindow", "&Language"))
        self.language_actions = {}
        for code, name in LANGUAGES.items():
            a = self.language_menu.addAction(name, lambda _c=False, c=code: self.set_language(c))
            a.setCheckable(True)
            a.setChecked(code == current_language())
            self.language_actions[code] = a
        dm = mb.addMenu(translate("MainWindow", "&Design"))
        dm.addAction(self.act_run)
        dm.addAction(self.act_cancel)
        self.tools_menu = getattr(self, "tools_menu", None) or mb.addMenu(translate("MainWindow", "&Tools"))
        self.tools_menu.addAction(self._act(
            translate("MainWindow", "&Section and tape…"), self.show_section_tape,
            "Ctrl+Shift+M",
            translate("MainWindow", "Contours, circumferences and wall thickness at a level; "
                                    "a tape on the limb")))
        hm = mb.addMenu(translate("MainWindow", "&Help"))
        hm.addAction(self._act(translate("MainWindow", "&About"), self._about))

        tb = QToolBar(translate("MainWindow", "Main"))
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.act_open)
        tb.addAction(self.act_save)
        tb.addSeparator()
        self.toolbar_undo_at = tb.addSeparator()
        tb.addWidget(QLabel("  " + translate("MainWindow", "View:") + " "))
        for a in self.view_actions.values():
            tb.addAction(a)
        tb.addAction(self.act_fit)
        self.toolbar = tb
        self.addToolBar(tb)
        for a in (self.act_save, self.act_save_as, self.act_export, self.act_run,
                  self.act_cancel, self.act_fit, self.act_trends, self.act_add_scan,
                  self.act_compare,
                  *self.view_actions.values()):
            a.setEnabled(False)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.status = QLabel(translate("MainWindow", "Starting…"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.cancel_btn = QPushButton(translate("MainWindow", "Cancel"))
        self.cancel_btn.setVisible(False)
        self.cancel_btn.clicked.connect(self._cancel)
        self.slice_clock = SliceClock(self.status.setText, self)
        sb.addWidget(self.status, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_btn)

    # -- start-up ----------------------------------------------------------------------
    def start(self, path: str | None = None, *, open_sample: bool = True) -> None:
        """Import the heavy modules in a worker, then build the UI and open ``path`` (the
        sample scan when None and ``open_sample``)."""
        self._initial = path if path is not None else ("" if open_sample else None)
        initial = self._initial
        job = Job("warm-up", lambda j: _warm_up(j, initial))
        job.signals.finished.connect(self._on_warm)
        job.signals.failed.connect(self._on_warm_failed)
        self._warm_job = job
        QThreadPool.globalInstance().start(job)

    def _on_warm_failed(self, _job, exc, tb) -> None:
        print(tb, file=sys.stderr)
        self.show_error(translate("MainWindow", "cannot start: {}").format(
                            f"{type(exc).__name__}: {exc}"),
                        translate("MainWindow", "Reinstall the application (make setup)."))

    def _on_warm(self, _job, prestart) -> None:
        from .model import DesignModel
        from .pages import PAGES
        from .viewport import Viewport

        self.model = m = DesignModel(self)
        m.prestart = prestart
        m.sessionChanged.connect(self._on_session)
        m.paramsChanged.connect(self._on_params)
        m.stageReady.connect(self._on_stage)
        m.designReady.connect(self._on_ready)
        m.busyChanged.connect(self._on_busy)
        m.progress.connect(self._on_progress)
        m.errorOccurred.connect(self.show_error)
        m.warningOccurred.connect(self.show_warning)
        m.exportFinished.connect(self._on_exported)
        m.caseSaved.connect(self._on_case_saved)
        m.undo_stack.cleanChanged.connect(self._on_clean_changed)

        undo = m.undo_stack.createUndoAction(self, translate("MainWindow", "&Undo"))
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = m.undo_stack.createRedoAction(self, translate("MainWindow", "&Redo"))
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        undo.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        redo.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowForward))
        self.act_undo, self.act_redo = undo, redo
        # Undo and Redo are the design's, even while a number field has the focus (a field
        # would otherwise take Ctrl+Z for its own text).
        QApplication.instance().installEventFilter(self)
        self.edit_menu.addAction(undo)
        self.edit_menu.addAction(redo)
        self.toolbar.insertAction(self.toolbar_undo_at, undo)
        self.toolbar.insertAction(self.toolbar_undo_at, redo)

        old = self.stack.widget(0)
        self.stack.removeWidget(old)
        old.deleteLater()
        for cls in PAGES:
            page = cls(m)
            self.pages[page.step] = page
            self.stack.addWidget(page)
        self.pages["scan"].openRequested.connect(self.open_dialog)
        self.pages["template"].seeThroughChanged.connect(self._see_through)
        self.pages["export"].exportRequested.connect(self.export)

        self.viewport = Viewport(self.view_holder)
        from .shaping import Shaper

        self.shaper = Shaper(self.viewport, m, self)
        self.viewport.shaper = self.shaper
        self.pages["rectify"].attach_shaper(self.shaper)
        self.pages["clean"].attach_viewport(self.viewport)
        self.view_holder.layout().replaceWidget(self.view_placeholder, self.viewport)
        self.view_placeholder.deleteLater()
        for a in (self.act_save, self.act_save_as, self.act_export, self.act_run,
                  self.act_fit, self.act_trends, self.act_add_scan, self.act_compare,
                  *self.view_actions.values()):
            a.setEnabled(True)
        if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
            self._fit_side_panel()
        self._on_step(self.step_list.currentRow())
        self.status.setText(translate("MainWindow", "Ready"))
        self.ready.emit()
        if self._initial is not None:
            self.open_path(self._initial or None)

    def _fit_side_panel(self) -> None:
        """The side panel as wide as its widest page (Urdu words are wider than English):
        a page wider than the panel would be cut off on its left."""
        sb = self.scroll.verticalScrollBar().sizeHint().width()
        need = max(p.minimumSizeHint().width() for p in self.pages.values()) \
            + sb + 2 * self.scroll.frameWidth() + 4
        self.scroll.setMinimumWidth(max(self.scroll.minimumWidth(), need))

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if ev.type() == QEvent.Type.ShortcutOverride and isinstance(ev, QKeyEvent) \
                and (ev.matches(QKeySequence.StandardKey.Undo)
                     or ev.matches(QKeySequence.StandardKey.Redo)) \
                and isinstance(obj, QWidget) and obj.window() is self:
            ev.ignore()             # not the field's: the window's Undo/Redo shortcut fires
            return True
        return super().eventFilter(obj, ev)

    def is_ready(self) -> bool:
        return self.model is not None

    # -- the insole's own window -----------------------------------------------------
    def open_insole(self) -> None:
        """The second kind of design: an insole from a foot scan, in its own window."""
        from .insole_window import InsoleWindow

        win = InsoleWindow()
        win.resize(1400, 900)
        win.show()
        self._insole_windows = [w for w in getattr(self, "_insole_windows", []) if w.isVisible()]
        self._insole_windows.append(win)

    def _close_insole_windows(self) -> bool:
        """Close the insole windows with this one (each asks first if it has unexported
        changes); False when one of them stays open."""
        for win in list(getattr(self, "_insole_windows", [])):
            if win.isVisible() and not win.close():
                return False
        self._insole_windows = []
        return True

    def show_section_tape(self) -> None:
        """Tools > Section and tape: the dock of gui/measuretools.py."""
        from .measuretools import show_panel

        show_panel(self)

    # -- steps and views ---------------------------------------------------------------
    @property
    def step(self) -> str:
        return STEPS[max(0, self.step_list.currentRow())]

    def select_step(self, step: str) -> None:
        self.step_list.setCurrentRow(STEPS.index(step))

    def _on_step(self, row: int) -> None:
        if not self.pages or row < 0:
            return
        step = STEPS[row]
        self.stack.setCurrentWidget(self.pages[step])
        self.pages[step].refresh()
        self.pages[step].show_in_use(self.model.values_in_use())
        if self.viewport is not None:
            self.viewport.show_step(step, self.model)

    def set_view(self, name: str) -> None:
        if self.viewport is not None:
            self.viewport.set_view(name)

    def _fit(self) -> None:
        if self.viewport is not None:
            self.viewport.fit()

    def _see_through(self, on: bool) -> None:
        if self.viewport is not None:
            self.viewport.set_see_through(on)

    # -- model signals -----------------------------------------------------------------
    def _on_session_title(self) -> None:
        m = self.model
        name = m.session.scan_path.name if m.session else ""
        if m.case_folder is not None:
            try:
                case_id = m.case_info().case_id
            except Exception:  # noqa: BLE001 - the title never stops a case opening
                case_id = m.case_folder.name
            name = translate("MainWindow", "Case {} – scan {}").format(case_id, name)
        elif m.case_path is not None:
            name = translate("MainWindow", "Case file {} – scan {}").format(m.case_path.name,
                                                                            name)
        self.setWindowTitle(translate("MainWindow", "{}[*] – Prosthetics socket design")
                            .format(name))

    def _on_session(self) -> None:
        self._on_session_title()
        for page in self.pages.values():
            page.sync_values()
        self.pages["export"].reset_output()
        self._refresh_all()

    def _refresh_all(self) -> None:
        self._on_step(self.step_list.currentRow())

    def _on_params(self, names: list) -> None:
        for page in self.pages.values():
            page.sync_values(names)

    def _on_stage(self, stage: str) -> None:
        # Only the visible page is refreshed now; the others when they are shown.
        if stage in ("template", "preview"):
            self.pages[self.step].show_in_use(self.model.values_in_use())
        self.pages[self.step].refresh(stage)
        if self.viewport is not None and stage in SCENE_STAGES[self.step]:
            self.viewport.refresh("preview" if stage == "preview" else stage)

    def _on_ready(self) -> None:
        self.status.setText(translate("MainWindow", "Design up to date: every check has run"))
        self.pages[self.step].refresh()

    def _on_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_btn.setVisible(busy)
        self.act_cancel.setEnabled(busy)
        if not busy:
            self.slice_clock.stop()
        if not busy and self.model.cancelled:
            # "Checks follow" and "running…" no longer hold: the page and the view say so.
            self._refresh_all()

    def _on_progress(self, text: str, fraction: float) -> None:
        self.slice_clock.follow(text, self.model.busy)
        if text and not self.slice_clock.running():
            self.status.setText(text + ("…" if self.model.busy and not text.endswith("…")
                                        else ""))
        if fraction < 0:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(round(100 * fraction)))

    def _on_exported(self, report: dict, out: str) -> None:
        self.status.setText(translate("MainWindow", "Exported to {}").format(out))
        self.pages["export"].refresh()

    def _run(self) -> None:
        if self.model is not None:
            self.model.run()

    def _cancel(self) -> None:
        if self.model is not None:
            self.model.cancel()

    def export(self, out_dir: str | None = None) -> None:
        if self.model is None or self.model.session is None:
            return
        if self.step != "export":
            self.select_step("export")
        text = out_dir if out_dir else self.pages["export"].out.text()
        out = Path(text) if text else self.model.default_export_dir()
        self.pages["export"].out.setText(str(out))
        self.pages["export"].forms[0].flush()
        self.model.export(out)

    # -- messages ----------------------------------------------------------------------
    def _words(self, message: str) -> str:
        """A message with the parameters' code names replaced by their labels."""
        from .messages import humanize

        return humanize(message, self.model.rows()) if self.model is not None else message

    def show_error(self, message: str, hint: str = "") -> None:
        # Messages often start with a parameter's name: kept as written (no capital).
        text = message = self._words(message)
        self.errors.append(text)
        if self.headless:
            print(f"prosthetics-gui: error: {message}", file=sys.stderr)
            return
        QMessageBox.warning(self, translate("MainWindow", "Prosthetics"), f"{text}\n\n{hint}".strip())

    def show_warning(self, message: str) -> None:
        message = self._words(message)
        if self.headless:
            print(f"prosthetics-gui: warning: {message}", file=sys.stderr)
            return
        QMessageBox.warning(self, translate("MainWindow", "Prosthetics"), message)

    def _about(self) -> None:
        from prosthetics import __version__

        QMessageBox.about(self, translate("MainWindow", "About"),
                          translate("MainWindow", "prosthetics {}\n\nPhone scan of a residual "
                                                  "limb to a 3D-printable socket. MIT licence.")
                          .format(__version__))

    def set_language(self, code: str) -> None:
        """View > Language: saved for the next start (said in both languages)."""
        save_language(code)
        for c, a in self.language_actions.items():
            a.setChecked(c == code)
        if code == current_language() or self.headless:
            return
        QMessageBox.information(
            self, f"{LANGUAGES['en']} / {LANGUAGES['ur']}", LANGUAGE_CHANGE_TEXT)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.maybe_save(translate("MainWindow", "quitting")) or not self._close_insole_windows():
            event.ignore()
            return
        if self.model is not None:
            self.hide()
            self.model.shutdown()
        if self.viewport is not None:
            self.viewport.close()
        super().closeEvent(event)


def qapp() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("prosthetics-gui")
        app.setOrganizationName("prosthetics")
        install_language(app)
    return app


__all__ = ["MainWindow", "qapp", "app_settings", "STEPS"]
