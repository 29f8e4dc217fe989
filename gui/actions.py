"""Menu and toolbar actions made the same way in every window."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def make_action(parent: QWidget, text: str, slot, shortcut=None, tip: str = "",
                icon=None) -> QAction:
    """An action of ``parent``: its text, what it does, an optional shortcut (a key
    sequence text or a standard key), its tip (tooltip and status bar) and a standard
    icon."""
    a = QAction(text, parent)
    if icon is not None:
        a.setIcon(parent.style().standardIcon(icon))
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setToolTip(tip)
        a.setStatusTip(tip)
    a.triggered.connect(slot)
    return a
