"""Building blocks of the HTML report pages: escaping, number formatting, tables, embedded
figures and the one style sheet.

Every page is one self-contained file: pictures are base64 data URIs and the style is inline,
so it needs no other file, network or JavaScript, and prints on A4.  Every missing value shows
as :data:`MISSING`.  Functions returning HTML return escaped text ready to concatenate.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any

import numpy as np

__all__ = [
    "CSS",
    "MISSING",
    "esc",
    "as_number",
    "fmt",
    "plain",
    "status",
    "value_at",
    "kv_table",
    "table",
    "figure_html",
    "pictures_html",
]

#: What a missing value shows as.
MISSING = "—"

#: The style sheet of every report page (A4 print, no web fonts).
CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2733;
       font-size: 10.5pt; line-height: 1.35; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 2pt 0; }
h2 { font-size: 12.5pt; margin: 16pt 0 5pt 0; padding-bottom: 2pt;
     border-bottom: 1.5px solid #5a7ca3; color: #2f4f73; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 9pt 0 3pt 0; color: #2f4f73; break-after: avoid; }
.sub { color: #5b6675; margin: 0 0 8pt 0; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0 6pt 0; break-inside: avoid; }
th, td { border: 1px solid #cfd6de; padding: 2.5pt 6pt; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
table.kv th { width: 34%; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 9pt; }
figure { margin: 6pt 0 10pt 0; break-inside: avoid; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid #e1e5ea; }
figcaption { color: #5b6675; font-size: 9pt; margin-top: 2pt; }
.ok { color: #1e7b34; font-weight: 600; }
.bad { color: #b3261e; font-weight: 600; }
.muted { color: #7a8491; }
.warnings { border: 2px solid #d99a00; background: #fff7e0; padding: 6pt 10pt; margin: 4pt 0 8pt 0;
            break-inside: avoid; }
.warnings.none { border-color: #9cc5a1; background: #f1f8f2; }
.warnings ul { margin: 2pt 0; padding-left: 16pt; }
.levels { display: flex; gap: 8pt; align-items: flex-start; }
.levels-table { flex: 1 1 auto; min-width: 0; }
.levels-table table { font-size: 9pt; }
.levels-table th { font-size: 8.5pt; }
.levels-chart { flex: 0 0 76mm; }
.levels-chart figure { margin-top: 20pt; }
footer { margin-top: 16pt; color: #7a8491; font-size: 8.5pt; border-top: 1px solid #cfd6de;
         padding-top: 4pt; }
"""

_PICTURE_CAPTIONS = {
    "socket_on_limb": "Socket (blue-grey) on the limb (skin colour): anterior, lateral and "
                      "posterior views, orthographic, mm.",
    "sections": "Sagittal and coronal sections through the limb axis; socket wall hatched.",
    "on_the_bed": "The part as it prints, on the printer's bed (front and side views, mm): "
                  "overhangs the slicer supports in orange; the dashed line is the printer's "
                  "build height.",
    "anatomy": "The bones of the statistical shape model (OpenLimbTT) fitted to the scanned "
               "skin: femur, patella (yellow), tibia, fibula (green), from the front and the "
               "side, with the bony landmarks the design uses and the anterior trim (dashed). "
               "A suggestion to check, not a measurement of this limb's bones.",
    "circumferences": "Circumference of the limb (and of the socket's inner surface) by height "
                      "above the distal end.",
}


def esc(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def as_number(value: Any) -> float | None:
    """``value`` as a finite float, or None (bools are not numbers here)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    """Escaped text of a value: numbers with ``digits`` decimals and ``unit``; "—" if missing."""
    if value is None or value == "" or (isinstance(value, (list, dict)) and not value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    f = as_number(value)
    if f is not None:
        if isinstance(value, (int, np.integer)):
            text = f"{int(value):,}".replace(",", "\u2009")  # thin space groups thousands
        else:
            text = f"{f:.{digits}f}"
        return esc(f"{text} {unit}".strip())
    if isinstance(value, (list, tuple)):
        return esc(" × ".join(plain(v) for v in value) + (f" {unit}" if unit else ""))
    return esc(f"{value} {unit}".strip())


def plain(value: Any) -> str:
    """Unescaped short text of a parameter value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    f = as_number(value)
    if f is not None and not isinstance(value, (int, np.integer)):
        return f"{f:.4g}" if abs(f) < 1e5 else f"{f:.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if value is None:
        return MISSING
    return str(value)


def status(ok: Any, good: str = "OK", bad: str = "FAIL") -> str:
    """``good`` in green when ``ok`` is True, ``bad`` in red when False, else "—"."""
    if ok is True:
        return f'<span class="ok">{esc(good)}</span>'
    if ok is False:
        return f'<span class="bad">{esc(bad)}</span>'
    return MISSING


def value_at(obj: Any, key: str) -> Any:
    """``obj[key]`` when ``obj`` is a dict, else None."""
    return obj.get(key) if isinstance(obj, dict) else None


def kv_table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of (label, HTML value) rows; labels are escaped, values not."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table with a header row.

    Parameters
    ----------
    headers : list of str
        Column titles (escaped here).
    rows : list of list of str
        Cells as HTML (not escaped here), one list per row.
    numeric : set of int
        Columns aligned right with tabular figures.
    """
    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image_mime(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or data.lstrip()[:4] == b"<svg":
        return "image/svg+xml"
    return "application/octet-stream"


def figure_html(key: str, data: bytes, caption: str | None = None) -> str:
    """A <figure> with ``data`` embedded as a base64 data URI and its caption."""
    b64 = base64.b64encode(bytes(data)).decode("ascii")
    if caption is None:
        caption = _PICTURE_CAPTIONS.get(key, key.replace("_", " "))
    return (f'<figure><img alt="{esc(key)}" src="data:{_image_mime(bytes(data))};base64,{b64}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def pictures_html(pictures: dict[str, bytes], skip: tuple[str, ...] = ()) -> str:
    """A figure per picture (image bytes by name), the socket views first, with the known
    captions; names in ``skip`` and empty pictures are left out."""
    order = [k for k in ("socket_on_limb", "sections", "anatomy") if k in pictures]
    order += [k for k in pictures if k not in order]
    parts = [figure_html(str(k), pictures[k]) for k in order
             if k not in skip and isinstance(pictures[k], (bytes, bytearray)) and pictures[k]]
    return "".join(parts) or '<p class="muted">No pictures.</p>'
