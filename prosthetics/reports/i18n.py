"""Languages of the report pages: gettext catalogues, text direction and numbers.

A catalogue is ``prosthetics/locale/<lang>/LC_MESSAGES/prosthetics.po``, read with Babel and
compiled in memory (no ``.mo`` file is shipped or written); English is the templates' own
text.  Numbers are formatted by Babel for the language, always with Western digits.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from prosthetics.errors import ParameterError

__all__ = ["LOCALE_DIR", "RTL_LANGUAGES", "N_", "direction", "translations", "format_number"]

#: Where the catalogues are: ``<lang>/LC_MESSAGES/prosthetics.po``, and ``prosthetics.pot``.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
#: Languages written right to left.
RTL_LANGUAGES = frozenset({"ur", "ar", "fa"})
#: The catalogue's domain (file name).
DOMAIN = "prosthetics"


def N_(text: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Mark ``text`` for extraction without translating it here: the page translates it."""
    return text


def _base(lang: str) -> str:
    return str(lang or "en").replace("-", "_").split("_")[0].lower()


def direction(lang: str) -> str:
    """``"rtl"`` for a language written right to left (ur, ar, fa), else ``"ltr"``."""
    return "rtl" if _base(lang) in RTL_LANGUAGES else "ltr"


@functools.lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` compiled in memory (cached); English: no translation.

    Raises
    ------
    ParameterError
        No catalogue for ``lang``, or one that cannot be read.
    """
    if _base(lang) == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / str(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        po = LOCALE_DIR / _base(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        raise ParameterError(f"no report language {lang!r}: {po} does not exist")
    try:
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=_base(lang), domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(fp=buf, domain=DOMAIN)
    except Exception as exc:  # noqa: BLE001 - Babel raises its own types for a bad file
        raise ParameterError(f"cannot read the catalogue {po}: {exc}".splitlines()[0]) from None


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
