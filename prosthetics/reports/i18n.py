"""Languages of the report pages: gettext catalogues, text direction and numbers.

A catalogue is ``prosthetics/locale/<lang>/LC_MESSAGES/prosthetics.po``, read with Babel and
compiled in memory (no ``.mo`` file is shipped or written); English is the templates' own
text.  Numbers are formatted by Babel for the language, always with Western digits.

The parameters' clinical labels (``param(..., label="...")`` in the parameter classes) are
translated through the same catalogue when a page shows them; :func:`extract_python` puts
them into ``prosthetics.pot`` beside the strings marked with ``_()``, ``gettext()`` and
``N_()`` (``babel.cfg`` names it as the extraction method of the Python modules).
``N_`` is :func:`prosthetics.errors.N_`, which the core's modules mark their most frequent
error messages with (:mod:`prosthetics.reports.errors_i18n` shows them in a language).
"""

from __future__ import annotations

import ast
import functools
import gettext
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from prosthetics.errors import N_, ParameterError

__all__ = ["LOCALE_DIR", "RTL_LANGUAGES", "LRI", "RLI", "PDI", "N_", "base_language", "direction", "ltr", "rtl",
           "languages", "translations", "gettext_for", "format_number", "extract_python",
           "extract_toml"]

#: Where the catalogues are: ``<lang>/LC_MESSAGES/prosthetics.po``, and ``prosthetics.pot``.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
#: Languages written right to left.
RTL_LANGUAGES = frozenset({"ur", "ar", "fa"})
#: Unicode's directional isolates: left to right, right to left, and their end.
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"
#: The catalogue's domain (file name).
DOMAIN = "prosthetics"


def base_language(lang: str | None) -> str:
    """The language of a code without its region ("ur_PK", "en-GB" -> "ur", "en")."""
    return str(lang or "en").replace("-", "_").split("_")[0].lower()


def direction(lang: str) -> str:
    """``"rtl"`` for a language written right to left (ur, ar, fa), else ``"ltr"``."""
    return "rtl" if base_language(lang) in RTL_LANGUAGES else "ltr"


def ltr(text: str) -> str:
    """``text`` isolated left to right: a number with its unit, a file or setting name, on
    a right-to-left line."""
    return f"{LRI}{text}{PDI}"


def rtl(text: str) -> str:
    """``text`` isolated right to left: a translated line standing in left-to-right text."""
    return f"{RLI}{text}{PDI}"


def languages() -> list[str]:
    """The report languages: English and each language with a catalogue in ``LOCALE_DIR``."""
    return ["en", *sorted(d.name for d in LOCALE_DIR.iterdir()
                          if (d / "LC_MESSAGES" / f"{DOMAIN}.po").is_file())]


@functools.lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` compiled in memory (cached); English: no translation.

    Raises
    ------
    ParameterError
        No catalogue for ``lang``, or one that cannot be read.
    """
    if base_language(lang) == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / str(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        po = LOCALE_DIR / base_language(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        raise ParameterError.of(N_("no report language %(lang)s: %(file)s does not exist; use "
                                   "%(known)s"), lang=repr(lang), file=po,
                                known=", ".join(languages()))
    try:
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=base_language(lang), domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(fp=buf, domain=DOMAIN)
    except Exception as exc:  # noqa: BLE001 - Babel raises its own types for a bad file
        raise ParameterError.of(N_("cannot read the catalogue %(file)s: %(reason)s"), file=po,
                                reason=str(exc).splitlines()[0] if str(exc) else
                                type(exc).__name__) from None


def gettext_for(lang: str) -> Callable[[str], str]:
    """``gettext`` of ``lang``'s catalogue (the one the report pages use): a function from
    the English text to the language's; English, or a text the catalogue lacks, as given.

    Raises
    ------
    ParameterError
        No catalogue for ``lang``.
    """
    return translations(str(lang or "en")).gettext


@functools.lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(str(lang or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def format_number(value: float, digits: int, lang: str = "en", *,
                  group: bool | None = None) -> str:
    """``value`` with ``digits`` decimals in ``lang``'s symbols, Western digits (Babel's
    ``latn`` numbering system).  Thousands are grouped for whole numbers (counts: 45,818
    triangles) unless ``group`` says otherwise; measures with decimals are not (1569.1 ml)."""
    if group is None:
        group = digits == 0
    pattern = ("#,##0" if group else "0") + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale(lang), numbering_system="latn")


#: The keyword arguments of a parameter's definition whose text a page or the window shows
#: (its label, and its help as the window's tooltip).
_PARAM_TEXT_KEYWORDS = ("label", "help")


def extract_python(fileobj: Any, keywords: Any, comment_tags: Any,
                   options: dict) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel's Python extractor, and the clinical labels and help of the parameters: the
    text given as ``label="..."`` and ``help="..."`` to :func:`prosthetics.params.param` (``babel.cfg``:
    ``[prosthetics.reports.i18n.extract_python: prosthetics/**.py]``)."""
    from babel.messages.extract import extract_python as babel_extract_python

    data = fileobj.read()
    yield from babel_extract_python(io.BytesIO(data), keywords, comment_tags, options)
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name != "param":
            continue
        for kw in node.keywords:
            if (kw.arg in _PARAM_TEXT_KEYWORDS and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str) and kw.value.value):
                yield kw.value.lineno, None, kw.value.value, [f"parameter {kw.arg}"]


def extract_toml(fileobj: Any, keywords: Any, comment_tags: Any,
                 options: dict) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """The names the presets and profiles give themselves (a TOML file's top-level
    ``label = "..."``, shown on the reports), for the catalogue (``babel.cfg``:
    ``[prosthetics.reports.i18n.extract_toml: templates/*.toml]``)."""
    import tomllib

    text = fileobj.read().decode("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    labels = [data.get("label")] + [v.get("label") for v in data.values() if isinstance(v, dict)]
    for label in labels:
        if isinstance(label, str) and label:
            line = next((i for i, t in enumerate(text.splitlines(), 1) if label in t), 0)
            yield line, None, label, ["preset or profile name"]
