"""The language of the windows: English (the source language) or Urdu.

Every word the windows show goes through Qt's translation system: ``translate("Context",
"text")`` with literal strings (``pyside6-lupdate`` finds them), placeholders ``{}`` filled
by ``.format()`` after translation.  Words in tables made when a module is imported are
marked with ``QT_TRANSLATE_NOOP`` and translated where they are shown.  The catalogue is
``i18n/prosthetics_ur.ts``, compiled to ``i18n/prosthetics_ur.qm`` (i18n/README.md).

:func:`install_language` installs the translator of the chosen language (the ``lang``
argument, else ``PROSTHETICS_LANG``, else the saved setting, else English), and for Urdu
lays the windows out right to left in a font that renders it well.  The language chosen in
View > Language is saved in the settings and applies at the next start.

In Urdu a number with its unit ("217.8 mm") and an axis with its sign ("+X") stay left to
right inside the right-to-left text: the translator embeds them (:func:`embed_numbers`),
spin boxes embed their text (:func:`ltr_number_box`), and a signed value put into a
sentence goes through :func:`ltr`.  Text drawn by VTK (the 3D view) and matplotlib (the
charts) stays in English: neither lays out Urdu.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLibraryInfo,
    Qt,
    QTranslator,
)
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

__all__ = ["LANGUAGES", "SETTING", "ENV", "I18N_DIR", "translate", "chosen_language",
           "install_language", "current_language", "save_language", "catalogue_path", "ltr",
           "is_right_to_left", "ltr_number_box", "embed_numbers", "URDU_FONT"]

#: The languages of the windows, by code, each named in its own words.
LANGUAGES = {"en": "English", "ur": "اردو"}
#: The settings key of the chosen language, and the environment variable that overrides it.
SETTING = "language"
ENV = "PROSTHETICS_LANG"
#: Where the catalogues are (``prosthetics_<lang>.ts`` and ``.qm``).
I18N_DIR = Path(__file__).resolve().parent / "i18n"
#: Fonts for Urdu: Naskh (Nastaliq's lines are too tall for forms, menus and tables).
URDU_FONT = "Noto Naskh Arabic"
#: Naskh with line spacing made for user interfaces, tried first.
URDU_UI_FONT = "Noto Naskh Arabic UI"
#: The font of Latin letters and digits beside Urdu (it has no Arabic letters).
LATIN_FONT = "Noto Sans"
#: Urdu letters look small beside Latin ones at the same point size.
URDU_FONT_SCALE = 1.05
RIGHT_TO_LEFT = {"ur"}

translate = QCoreApplication.translate

#: Words of Qt's own dialogs and fields (no Qt catalogue for Urdu ships with Qt): the
#: contexts Qt translates them in, so that this catalogue holds them.
QT_WORDS = (
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Save"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Open"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Discard"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Apply"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Reset"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Help"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Don't Save"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close without Saving"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Abort"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Retry"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Ignore"),
    QT_TRANSLATE_NOOP("QMessageBox", "OK"),
    QT_TRANSLATE_NOOP("QMessageBox", "Show Details..."),
    QT_TRANSLATE_NOOP("QMessageBox", "Hide Details..."),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Undo"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Redo"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Cu&t"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Copy"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Paste"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Delete"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Select All"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Undo"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Redo"),
    QT_TRANSLATE_NOOP("QLineEdit", "Cu&t"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Copy"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Paste"),
    QT_TRANSLATE_NOOP("QLineEdit", "Delete"),
    QT_TRANSLATE_NOOP("QLineEdit", "Select All"),
    QT_TRANSLATE_NOOP("QAbstractSpinBox", "&Select All"),
    QT_TRANSLATE_NOOP("QAbstractSpinBox", "&Step up"),
    QT_TRANSLATE_NOOP("QAbstractSpinBox", "Step &down"),
    QT_TRANSLATE_NOOP("QFileDialog", "Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "File &name:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of type:"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Open"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Save"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Choose"),
    QT_TRANSLATE_NOOP("QFileDialog", "Directory:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Create New Folder"),
    QT_TRANSLATE_NOOP("QFileDialog", "Back"),
    QT_TRANSLATE_NOOP("QFileDialog", "Forward"),
    QT_TRANSLATE_NOOP("QFileDialog", "Parent Directory"),
    QT_TRANSLATE_NOOP("QFileDialog", "List View"),
    QT_TRANSLATE_NOOP("QFileDialog", "Detail View"),
    QT_TRANSLATE_NOOP("QFileDialog", "All Files (*)"),
)

#: A left-to-right embedding (LRE ... PDF) with a left-to-right mark inside each end: Qt
#: then keeps a leading sign and a trailing "%" with the number ("-2.4 %", not "2.4 %-").
LTR_START, LTR_END = "\u202a\u200e", "\u200e\u202c"
NBSP = "\u00a0"

#: A number (or the place of one, "{}") with its unit: "{} mm", "12.5 ml", "{} %", "{}°",
#: "± {} mm"; an axis with its sign: "+X", "−Z".
_NUMBER_UNIT = re.compile(r"(?:[±~]\s?)?(?:\{\d*\}|\d+(?:[.,]\d+)?)"
                          r"(?:\s?(?:mm|ml|cm|s|g)(?![A-Za-z])|\s?%|°)"
                          r"|[+\-−][XYZ](?![A-Za-z])")


def embed_numbers(text: str) -> str:
    """``text`` with each number and its unit made a left-to-right embedding, so that a
    right-to-left line shows "217.8 mm", not "mm 217.8" (and never breaks between them)."""
    return _NUMBER_UNIT.sub(
        lambda m: f"{LTR_START}{m.group(0).replace(' ', NBSP)}{LTR_END}", text)


class _Translator(QTranslator):
    """The catalogue of a right-to-left language, its numbers with units kept left to right
    (:func:`embed_numbers`): the catalogue itself holds plain text."""

    def translate(self, context, source, disambiguation=None, n=-1):
        text = super().translate(context, source, disambiguation, n)
        # None, not "", when the catalogue lacks the text: Qt then asks the next translator
        # and falls back to the source. An empty string would be taken as the translation
        # (Qt's own words went blank, and its "%1" texts printed "QString::arg: Argument
        # missing").
        return embed_numbers(text) if text else None


# The translators installed by install_language (kept alive, removed on a change).
_installed: list[QTranslator] = []
_current = ["en"]
_base_font: list[QFont] = []


def _normalise(lang: object) -> str | None:
    """"ur", "ur_PK", "UR-pk" -> "ur"; None for nothing or a language not provided."""
    if not lang:
        return None
    code = str(lang).strip().lower().replace("-", "_").split("_")[0]
    return code if code in LANGUAGES else None


def _settings():
    from .fileactions import app_settings

    return app_settings()


def chosen_language(lang: str | None = None) -> str:
    """The language to start in: ``lang``, else ``PROSTHETICS_LANG``, else the saved
    setting, else English."""
    for cand in (lang, os.environ.get(ENV)):
        code = _normalise(cand)
        if code:
            return code
    try:
        saved = _settings().value(SETTING, "")
    except Exception:  # noqa: BLE001 - an unreadable settings file never stops the start
        saved = ""
    return _normalise(saved) or "en"


def save_language(lang: str) -> None:
    """Remember ``lang`` for the next start (View > Language)."""
    code = _normalise(lang) or "en"
    st = _settings()
    st.setValue(SETTING, code)
    st.sync()


def current_language() -> str:
    """The language installed now ("en" before :func:`install_language`)."""
    return _current[0]


def catalogue_path(lang: str, suffix: str = ".qm") -> Path:
    return I18N_DIR / f"prosthetics_{lang}{suffix}"


def install_language(app: QCoreApplication | None = None, lang: str | None = None) -> str:
    """Install the translations of the chosen language (:func:`chosen_language`) into
    ``app`` (the running application when None), with its layout direction and font.
    Returns the language code installed ("en" when the catalogue cannot be read).
    Calling it again switches language (windows made afterwards use it)."""
    app = app or QCoreApplication.instance()
    code = chosen_language(lang)
    for t in _installed:
        app.removeTranslator(t)
        t.deleteLater()
    _installed.clear()
    if code != "en":
        ours = _Translator(app) if code in RIGHT_TO_LEFT else QTranslator(app)
        if ours.load(str(catalogue_path(code))):
            app.installTranslator(ours)
            _installed.append(ours)
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            for name in ("qtbase",):
                qt = QTranslator(app)
                if qt.load(f"{name}_{code}", qt_dir):
                    app.installTranslator(qt)
                    _installed.append(qt)
        else:
            code = "en"
    _current[0] = code
    if isinstance(app, QGuiApplication):
        _apply_look(app, code)
    return code


def _apply_look(app: QGuiApplication, code: str) -> None:
    """Layout direction and font of ``code`` (the first font kept to go back to)."""
    if not _base_font:
        _base_font.append(QFont(app.font()))
    base = _base_font[0]
    if code in RIGHT_TO_LEFT:
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        font = QFont(base)
        # Latin letters, digits and punctuation in a Latin font without Arabic letters (the
        # Naskh fonts' own comma reads as an Urdu one), the Urdu letters in Naskh.
        latin = [f for f in (LATIN_FONT,) if f in QFontDatabase.families()]
        font.setFamilies([*latin, URDU_UI_FONT, URDU_FONT, *base.families()])
        if base.pointSizeF() > 0:
            font.setPointSizeF(base.pointSizeF() * URDU_FONT_SCALE)
        app.setFont(font)
    else:
        app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        app.setFont(base)


def is_right_to_left() -> bool:
    """Whether the installed language is written right to left."""
    return _current[0] in RIGHT_TO_LEFT


def ltr(text: str) -> str:
    """``text`` (a number with its unit, a range "−1.2 to +3.4 mm") kept left to right inside
    right-to-left text: an embedding in Urdu, unchanged in English."""
    return f"{LTR_START}{text}{LTR_END}" if is_right_to_left() and text else text


def ltr_number_box(box) -> None:
    """A spin box's number and unit read left to right in Urdu too ("−12.5 mm", not
    "mm 12.5−"): its text is a left-to-right embedding (prefix and suffix); the box itself
    stays right to left (arrows on the left).  Nothing changes in English."""
    if not is_right_to_left():
        return
    box.setPrefix(LTR_START + box.prefix())
    box.setSuffix(box.suffix() + LTR_END)
