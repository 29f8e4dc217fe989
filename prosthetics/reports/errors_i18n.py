"""An error's line in the user's language (the command line's ``error:`` line, the window's
error message).

The core raises its most frequent errors as catalogue messages
(``ScanError.of(N_("..."), name=...)``, :meth:`prosthetics.errors.ProstheticsError.of`):
``str(exc)`` is the English line, and :func:`error_line` gives it through the reports'
catalogue of a language, with its values (file names, numbers with their units, setting
names) as written and, in a right-to-left language, kept left to right
(:meth:`~prosthetics.reports.context.Fmt.iso`).  An error raised as plain text, or whose
message the catalogue lacks, stays English.
"""

from __future__ import annotations

from prosthetics.errors import ProstheticsError
from prosthetics.reports.context import Fmt
from prosthetics.reports.i18n import base_language, direction, rtl

__all__ = ["error_line"]


def error_line(exc: BaseException, lang: str | None, *, embedded: bool = False) -> str:
    """``exc``'s one-line message in ``lang`` (``"ur"``...) when it is a catalogue message
    the language's catalogue has; otherwise ``str(exc)``, the English line.

    ``embedded``: the line follows left-to-right text (``prosthetics design: error: ``), so
    a right-to-left line is isolated right to left as a whole.  Never raises for a missing
    or unreadable catalogue: the line then stays English.
    """
    english = str(exc)
    lang = str(lang or "en")
    if not isinstance(exc, ProstheticsError) or exc.msgid is None \
            or base_language(lang) == "en":
        return english
    f = Fmt(lang)                       # no catalogue for the language: its words stay English
    line = exc.translated(f.gettext, f.iso)
    if line == english:
        return english
    return rtl(line) if embedded and direction(lang) == "rtl" else line
