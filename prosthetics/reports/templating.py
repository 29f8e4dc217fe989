"""The report pages from Jinja2 templates, and their PDF.

The shipped templates are in ``prosthetics/reports/templates/``: ``base.html`` (the page's
header, print style, footer and sign-off) and one page per report extending it
(``design.html``, ``insole.html``, ``compare.html``, ``record.html``), with the style sheet
``report.css``.  A clinic's own folder (``templates_dir``) is searched first, so a file of the
same name there replaces the shipped one.  Autoescaping is on; a name a template uses that the
page does not give renders as nothing (a clinic's template never stops a report).

WeasyPrint makes the PDF from the very HTML written as the page.  It is imported inside
:func:`write_pdf`: it takes about a second to import and only the PDF needs it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jinja2

from prosthetics.errors import N_, OutputError, ParameterError
from prosthetics.fileio import atomic_write_with
from prosthetics.reports.i18n import direction, translations

__all__ = ["SHIPPED_TEMPLATES", "PAGES", "environment", "check_templates", "render",
           "preload_pdf", "write_pdf"]

#: The templates that come with the program.
SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The report pages, by the template that makes each.
PAGES = ("design.html", "insole.html", "compare.html", "record.html")


def _folder(templates_dir: str | os.PathLike | None) -> str | None:
    if templates_dir is None or str(templates_dir) == "":
        return None
    path = Path(templates_dir).expanduser()
    if not path.is_dir():
        raise ParameterError.of(N_("the report templates folder %(path)s does not exist; give an "
                                   "existing folder or none"), path=path)
    return str(path.resolve())


@functools.lru_cache(maxsize=8)
def _environment(lang: str, folder: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(SHIPPED_TEMPLATES))]
    if folder is not None:
        loaders.insert(0, jinja2.FileSystemLoader(folder))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    gettext = translations(lang).gettext
    env.globals.update(lang=lang, dir=direction(lang),
                       tr=lambda text: gettext(str(text)) if text not in (None, "") else "")
    return env


def environment(lang: str = "en",
                templates_dir: str | os.PathLike | None = None) -> jinja2.Environment:
    """The Jinja2 environment of the report pages for ``lang`` (cached).

    Raises
    ------
    ParameterError
        ``templates_dir`` is not an existing folder, or ``lang`` has no catalogue.
    """
    return _environment(str(lang or "en"), _folder(templates_dir))


def _where(exc: jinja2.TemplateSyntaxError) -> str:
    name = exc.filename or exc.name or "template"
    return f"{name}, line {exc.lineno}"


def check_templates(lang: str = "en",
                    templates_dir: str | os.PathLike | None = None,
                    pages: tuple[str, ...] = PAGES) -> None:
    """Compile ``pages`` (and what they extend) now, so a bad template is said before any
    work: a one-line :class:`ParameterError` naming the file and line."""
    env = environment(lang, templates_dir)
    for page in pages:
        _get(env, page)


def _get(env: jinja2.Environment, name: str) -> jinja2.Template:
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise ParameterError.of(N_("report template %(where)s: %(reason)s"), where=_where(exc),
                                reason=exc.message) from None
    except jinja2.TemplateNotFound as exc:
        raise ParameterError.of(N_("report template %(name)s not found"), name=exc.name) from None


def render(name: str, context: dict[str, Any], *, lang: str = "en",
           templates_dir: str | os.PathLike | None = None) -> str:
    """The page ``name`` rendered with ``context``, as text.

    Raises
    ------
    ParameterError
        The templates folder does not exist, a template has a syntax error (file and
        line named) or cannot be found, or it fails while rendering.
    """
    env = environment(lang, templates_dir)
    template = _get(env, name)
    try:
        return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ParameterError.of(N_("report template %(where)s: %(reason)s"), where=_where(exc),
                                reason=exc.message) from None
    except Exception as exc:  # noqa: BLE001 - a clinic's template may fail in any way
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParameterError.of(N_("report template %(name)s failed: %(reason)s"), name=name,
                                reason=line) from None


def preload_pdf() -> None:
    """Import WeasyPrint now (about 1.8 s), so a thread can do it while other files are
    written; a failure is left for :func:`write_pdf` to report."""
    try:
        import weasyprint  # noqa: F401 - imported for its side effect, see the docstring
    except Exception:  # noqa: BLE001 - write_pdf says why
        pass


def write_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike) -> Path:
    """The PDF of the HTML page ``html_path`` (its print style: A4, page numbers), written
    atomically to ``pdf_path``.

    Raises
    ------
    OutputError
        WeasyPrint is missing or fails, or the file cannot be written (one line).
    """
    try:
        import weasyprint  # imported here: slow to import, and only the PDF needs it
    except Exception as exc:  # noqa: BLE001 - a missing Pango shows as OSError
        raise OutputError.of(N_("no PDF: WeasyPrint cannot be loaded (%(kind)s: %(reason)s)"),
                             kind=type(exc).__name__,
                             reason=str(exc).splitlines()[0] if str(exc) else "") from None
    html_path = Path(html_path)

    def write(tmp: Path) -> None:
        doc = weasyprint.HTML(filename=str(html_path), base_url=str(html_path.parent))
        doc.write_pdf(str(tmp))

    try:
        return atomic_write_with(pdf_path, write, what="PDF report")
    except OutputError:
        raise
    except Exception as exc:  # noqa: BLE001 - WeasyPrint raises many types
        line = str(exc).splitlines()[0] if str(exc) else ""
        raise OutputError.of(N_("no PDF: WeasyPrint failed (%(kind)s: %(reason)s)"),
                             kind=type(exc).__name__, reason=line) from None
