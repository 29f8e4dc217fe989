"""The 3D views' words in the window's language.

VTK draws a text with FreeType from one font file and does not shape it: Urdu letters would
come out in their isolated forms, left to right.  In a right-to-left language
:func:`view_text` gives each line in its joined forms (arabic-reshaper) and in display order
(the Unicode bidirectional algorithm with mirrored brackets, python-bidi), and
:func:`text_options` names a font file that holds those forms and Latin letters: matplotlib's
own DejaVu Sans with Noto Sans Arabic's Arabic letters and presentation forms merged in
(fontTools), built once into the cache folder (about 120 kB, under a second).  In English
both leave the text and VTK's font as they are.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from pathlib import Path

from .language import is_right_to_left

log = logging.getLogger(__name__)

#: Letters of the Arabic script (Urdu's included).
_ARABIC = re.compile("[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
#: The font the Arabic letters are taken from (Debian's fonts-noto-core, installed by the
#: set-up), and what is taken: the Arabic block and both presentation-form blocks.
ARABIC_FAMILY = "Noto Sans Arabic"
_ARABIC_CODES = [*range(0x0600, 0x0700), *range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)]
#: What is taken of DejaVu Sans: Latin, general punctuation, super/subscripts, arrows, minus.
_LATIN_CODES = [*range(0x20, 0x250), *range(0x2000, 0x2070), *range(0x2190, 0x2200), 0x2212]


#: A left-to-right piece inside a right-to-left line: a number with its sign and unit, a
#: setting or axis name, "z = 0", "+Y".  Kept in one left-to-right embedding, so that
#: "-0.8 mm" does not read "mm 0.8-" (brackets stay outside, mirrored with the line).
_LTR_RUN = re.compile(r"[A-Za-z0-9+\-−±][A-Za-z0-9 =+\-−±.,:%°/_]*[A-Za-z0-9%°]|[A-Za-z0-9]")
_LRE, _PDF = "\u202a", "\u202c"


def view_text(text: str) -> str:
    """``text`` as the 3D view must be given it: unchanged without Arabic letters, else each
    line shaped and in display order, read right to left, with its numbers, units and Latin
    names left to right."""
    if not text or not _ARABIC.search(text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display  # mirrors brackets; the newer bidi.get_display not

    def line_of(line: str) -> str:
        line = _LTR_RUN.sub(lambda m: f"{_LRE}{m.group(0)}{_PDF}", line)
        shown = get_display(arabic_reshaper.reshape(line), base_dir="R")
        return shown.replace(_LRE, "").replace(_PDF, "")

    return "\n".join(line_of(line) for line in text.split("\n"))


def view_labels(labels: list[str]) -> list[str]:
    """:func:`view_text` of each point label."""
    return [view_text(t) for t in labels]


def text_options() -> dict:
    """Keyword arguments for PyVista's ``add_text`` and ``add_point_labels``: the merged
    font in a right-to-left language, nothing otherwise (or when it cannot be made)."""
    if not is_right_to_left():
        return {}
    font = view_font()
    return {"font_file": str(font)} if font is not None else {}


def bar_title(plotter, title: str) -> None:
    """Set the colour bar titled ``title`` (already :func:`view_text`) in the view's font."""
    opts = text_options()
    bar = plotter.scalar_bars[title] if opts and title in plotter.scalar_bars.keys() else None
    if bar is not None:
        prop = bar.GetTitleTextProperty()
        prop.SetFontFamilyAsString("File")
        prop.SetFontFile(opts["font_file"])


@functools.lru_cache(maxsize=1)
def view_font() -> Path | None:
    """The merged font file (built on first use), or None with a warning when a source font
    is missing or the merge fails: the view then draws in VTK's font."""
    try:
        from matplotlib import font_manager

        latin = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"),
                                      fallback_to_default=False)
        arabic = font_manager.findfont(font_manager.FontProperties(family=ARABIC_FAMILY),
                                       fallback_to_default=False)
    except Exception as exc:  # noqa: BLE001 - matplotlib raises ValueError for a missing font
        log.warning("the 3D view's Urdu text needs the %s font (Debian: fonts-noto-core): %s",
                    ARABIC_FAMILY, exc)
        return None
    stamp = "-".join(f"{os.stat(p).st_size}-{int(os.stat(p).st_mtime)}" for p in (latin, arabic))
    from prosthetics.cache import cache_dir

    folder = cache_dir()
    folder = (folder / "fonts") if folder is not None else Path(tempfile.gettempdir())
    out = folder / f"view-urdu-{stamp}.ttf"
    if out.is_file():
        return out
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _merge(latin, arabic, out)
    except Exception as exc:  # noqa: BLE001 - fontTools raises many kinds for a bad font
        log.warning("could not make the 3D view's Urdu font from %s and %s: %s", latin, arabic,
                    exc)
        return None
    return out


def _subset(path: str, codes: list[int]):
    """``path``'s glyphs for ``codes``, without layout tables (the text comes shaped)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    opts = subset.Options()
    opts.layout_features = []
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "BASE", "JSTF", "MATH", "FFTM"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=codes)
    sub.subset(font)
    return font


def _merge(latin: str, arabic: str, out: Path) -> None:
    """DejaVu Sans's Latin and the Arabic font's letters (scaled to DejaVu's units per em) as
    one TrueType file at ``out``, written to a temporary name and renamed."""
    from fontTools.merge import Merger
    from fontTools.ttLib.scaleUpem import scale_upem

    # (fontTools tells of the tables and cmap formats it leaves out: expected here)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    lat = _subset(latin, _LATIN_CODES)
    ara = _subset(arabic, _ARABIC_CODES)
    scale_upem(ara, lat["head"].unitsPerEm)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        parts = [str(Path(tmp) / "latin.ttf"), str(Path(tmp) / "arabic.ttf")]
        lat.save(parts[0])
        ara.save(parts[1])
        merged = Merger().merge(parts)
        part = Path(tmp) / out.name
        merged.save(str(part))
        os.replace(part, out)
