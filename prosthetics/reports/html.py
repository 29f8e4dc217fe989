"""The socket's report page: ``design.html`` rendered from ``report.json`` and the pictures,
and the atomic write of a page.

The page's data is built in :mod:`prosthetics.reports.context`; the templates and their
environment are in :mod:`prosthetics.reports.templating`.  The pictures are drawn in
:mod:`prosthetics.reports.pictures` and embedded as data: URIs.

All lengths are millimetres in the limb frame: +Z proximal along the long axis with the
distal end at z = 0, +Y anterior, +X completing a right-handed frame.
"""

from __future__ import annotations

import os

from prosthetics.fileio import atomic_write_text
from prosthetics.reports.context import design_context
from prosthetics.reports.templating import render

__all__ = ["write_report_html", "report_html", "write_html_text"]


def report_html(report: dict, pictures: dict[str, bytes], *, lang: str = "en",
                templates_dir: str | os.PathLike | None = None) -> str:
    """The design report page as text (see :func:`write_report_html`)."""
    return render("design.html", design_context(report, pictures, lang), lang=lang,
                  templates_dir=templates_dir)


def write_report_html(report: dict, pictures: dict[str, bytes], path, *, lang: str = "en",
                      templates_dir: str | os.PathLike | None = None) -> None:
    """Write the report as one self-contained HTML file.

    The pictures are embedded as base64 data URIs and the style is inline, so the file needs
    no other file, network or JavaScript; its print style makes the PDF (A4, page numbers).
    A missing value shows as "—", one chosen by the program as the value and "(auto)".

    Parameters
    ----------
    report : dict
        Report in the ``prosthetics.report/1`` shape; any key may be missing.
    pictures : dict[str, bytes]
        PNG bytes by name (``"socket_on_limb"``, ``"sections"``, ``"circumferences"``, ...).
    path : str or os.PathLike
        Destination, written atomically; the folder is created if needed.
    lang : str
        Language of the page ("en"; others need a catalogue in ``prosthetics/locale``).
    templates_dir : path, optional
        A clinic's templates folder: its files replace the shipped ones of the same name.

    Raises
    ------
    OutputError
        The folder or the file cannot be written.
    ParameterError
        ``templates_dir`` does not exist, or a template in it is broken (file and line).
    """
    write_html_text(report_html(report, pictures, lang=lang, templates_dir=templates_dir),
                    path, what="report")


def write_html_text(text: str, path, *, what: str = "page") -> None:
    """Write HTML text to ``path`` atomically (:func:`prosthetics.fileio.atomic_write_text`).

    Raises
    ------
    OutputError
        The folder or the file cannot be written; the message names ``what`` and the path.
    """
    atomic_write_text(path, text, what=what)
