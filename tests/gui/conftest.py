"""GUI tests: a real window under X (xvfb-run); skipped where there is no display."""

from __future__ import annotations

import os
import time

import pytest


def pytest_configure(config):
    # pyproject.toml declares the marker; this keeps the tests self-contained without it.
    if not any(m.split(":")[0].strip() == "gui" for m in config.getini("markers")):
        config.addinivalue_line("markers", "gui: drives the desktop application's real "
                                           "window (needs a display: xvfb-run)")


@pytest.fixture(scope="session", autouse=True)
def _gui_settings(tmp_path_factory):
    """Recent files and other settings go to a temporary INI file, not the user's."""
    path = tmp_path_factory.mktemp("gui_settings") / "settings.ini"
    old = os.environ.get("PROSTHETICS_GUI_SETTINGS")
    os.environ["PROSTHETICS_GUI_SETTINGS"] = str(path)
    yield path
    if old is None:
        os.environ.pop("PROSTHETICS_GUI_SETTINGS", None)
    else:
        os.environ["PROSTHETICS_GUI_SETTINGS"] = old


def _run_loop(done, timeout: float) -> None:
    """Run the Qt event loop (idle between events, as the application does) until
    ``done()`` or ``timeout``."""
    from prosthetics_gui.worker import run_until

    run_until(done, timeout)


def spin(seconds: float) -> None:
    """Process Qt events for ``seconds``."""
    _run_loop(lambda: False, seconds)


def wait_until(pred, timeout: float = 120.0, what: str = "condition") -> float:
    """Process events until ``pred()`` is true; returns the seconds waited."""
    t0 = time.monotonic()
    _run_loop(lambda: bool(pred()), timeout)
    if not pred():
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
    return time.monotonic() - t0


@pytest.fixture(scope="session", autouse=True)
def _questions_discard():
    """A question the window asks ("save the changes?") answers Discard unless a test
    answers it itself, so that no test waits on a dialog."""
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def discard(parent, title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Discard

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(QMessageBox, "question", staticmethod(discard))
        yield asked


def record_messages(mp: pytest.MonkeyPatch, shown: list[str]) -> None:
    """Warning and error boxes record their text in ``shown`` and answer Ok (nothing
    blocks)."""
    from PySide6.QtWidgets import QMessageBox

    def fake(parent, title, text, *a, **k):
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    mp.setattr(QMessageBox, "warning", staticmethod(fake))
    mp.setattr(QMessageBox, "critical", staticmethod(fake))


@pytest.fixture(scope="module")
def messages():
    """Every warning and error box the window shows, in order."""
    shown: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        record_messages(mp, shown)
        yield shown


def open_window(scan: str | None):
    """The main window, shown at 1400 x 900 and built on ``scan`` (None: the sample)."""
    from prosthetics_gui.mainwindow import MainWindow

    win = MainWindow()
    win.resize(1400, 900)
    win.show()
    win.start(scan)
    wait_until(win.is_ready, 60, "the window to be built")
    return win
