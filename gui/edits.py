"""Edits of the design's parameters: values as the session takes them, and the undo
commands that change the model's target parameters or its preset and units.

A command only records the values before and after; applying them (and starting the job
that brings the session up to date) is the model's work (:meth:`DesignModel._apply_values`,
:meth:`DesignModel._apply_spec`).
"""

from __future__ import annotations

import enum
import time
from typing import Any, Protocol

from PySide6.QtGui import QUndoCommand

from .language import ltr, translate


class EditTarget(Protocol):
    """What the commands change: the design model (:class:`.model.DesignModel`)."""

    def _apply_values(self, values: dict[str, Any]) -> None: ...

    def _apply_spec(self, scan_path, template, units, groups) -> None: ...

__all__ = ["EditTarget", "to_setting", "flat_values", "settings_of", "diff_settings", "SetParams",
           "SetHand", "ChangeSpec"]


def to_setting(value: Any) -> Any:
    """A parameter value as ``session.set`` takes it (None -> "auto", enums -> value)."""
    if value is None:
        return "auto"
    if isinstance(value, enum.Enum):
        return value.value
    return value


def flat_values(groups: dict) -> dict[str, Any]:
    """Every parameter's plain value (None: automatic) by name."""
    return {k: v for g in groups.values() for k, v in g.as_dict().items()}


def settings_of(groups: dict, names=None) -> dict[str, Any]:
    """Every parameter (or those in ``names``) as ``session.set`` takes it, by name."""
    vals = flat_values(groups)
    return {k: to_setting(v) for k, v in vals.items() if names is None or k in names}


def diff_settings(target: dict, current: dict) -> dict[str, Any]:
    """Settings that turn ``current`` groups into ``target`` groups."""
    t, c = flat_values(target), flat_values(current)
    return {k: to_setting(v) for k, v in t.items() if c.get(k, object()) != v}


class SetParams(QUndoCommand):
    """Change one or more parameters (merges repeated edits of the same field)."""

    MERGE_WINDOW_S = 1.5

    def __init__(self, model: EditTarget, new: dict, old: dict, labels: dict | None = None,
                 units: dict | None = None):
        self.labels, self.units = dict(labels or {}), dict(units or {})
        super().__init__(self._describe(new))
        self.model, self.new, self.old = model, dict(new), dict(old)
        self.when = time.monotonic()

    def _describe(self, new: dict) -> str:
        """In a prosthetist's words: "Change Anterior trim height to 180 mm"."""
        from .forms import format_value

        names = [self.labels.get(k, k.replace("_", " ")) for k in sorted(new)]
        if len(new) == 1:
            (k, v), = new.items()
            value = translate("Edits", "auto") if v is None \
                else ltr(format_value(v, self.units.get(k, "")))
            return translate("Edits", "Change {} to {}").format(names[0], value)
        return translate("Edits", "Change {}").format(", ".join(names))

    def id(self) -> int:  # noqa: A003 - Qt API
        return 1001

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if not isinstance(other, SetParams) or set(other.new) != set(self.new) \
                or other.when - self.when > self.MERGE_WINDOW_S:
            return False
        self.new = other.new
        self.when = other.when
        self.setText(self._describe(self.new))
        return True

    def redo(self) -> None:
        self.model._apply_values(self.new)

    def undo(self) -> None:
        self.model._apply_values(self.old)


class SetHand(QUndoCommand):
    """Change what was set on the model by hand: a landmark moved or confirmed, a trim
    point dragged, a stroke or a protected region added (one command per drag or stroke)."""

    def __init__(self, model, new, old, text: str):
        super().__init__(text)
        self.model, self.new, self.old = model, new, old

    def redo(self) -> None:
        self.model._apply_hand(self.new)

    def undo(self) -> None:
        self.model._apply_hand(self.old)


class ChangeSpec(QUndoCommand):
    """Change the template preset or the scan's units (a new session, same scan)."""

    def __init__(self, model: EditTarget, text: str, new: tuple, old: tuple):
        super().__init__(text)
        self.model, self.new, self.old = model, new, old

    def redo(self) -> None:
        self.model._apply_spec(*self.new)

    def undo(self) -> None:
        self.model._apply_spec(*self.old)
