"""The socket's report page: one self-contained HTML file built from ``report.json`` and the
pictures, and the atomic write of a page.

The pictures are drawn in :mod:`prosthetics.reports.pictures`; the page's building blocks
(escaping, formatting, tables, figures, the style sheet) are in
:mod:`prosthetics.reports.page`, and the sections the insole report shares with this one in
:mod:`prosthetics.reports.sections`.

All lengths are millimetres in the limb frame: +Z proximal along the long axis with the
distal end at z = 0, +Y anterior, +X completing a right-handed frame.
"""

from __future__ import annotations

from typing import Any

from prosthetics.fileio import atomic_write_text
from prosthetics.limb.landmarks import LANDMARK_WORDS, TRIM_WORDS
from prosthetics.reports.page import (
    CSS,
    MISSING,
    as_number,
    esc,
    figure_html,
    fmt,
    kv_table,
    pictures_html,
    table,
    value_at,
)
from prosthetics.reports.sections import (
    section_checks,
    section_input,
    section_outputs,
    section_template,
    section_timings,
    section_warnings,
    title_name,
    transform_html,
)

__all__ = ["write_report_html", "write_html_text"]


def _levels_rows(meas: dict, socket: dict) -> tuple[list[list[str]], bool]:
    """One row per level: z, circumference, AP, ML, socket inner circumference (mm)."""
    levels: dict[float, dict[str, Any]] = {}

    def put(items: Any, fields: dict[str, str]) -> None:
        for it in items if isinstance(items, list) else []:
            z = as_number(value_at(it, "z_mm"))
            if z is None:
                continue
            row = levels.setdefault(round(z, 3), {})
            for src, dst in fields.items():
                row[dst] = value_at(it, src)

    put(value_at(meas, "circumferences"), {"mm": "c"})
    put(value_at(meas, "widths"), {"ap_mm": "ap", "ml_mm": "ml"})
    put(value_at(socket, "inner_circumferences"), {"mm": "si"})
    has_si = any("si" in r for r in levels.values())
    rows = []
    for z in sorted(levels):
        r = levels[z]
        row = [fmt(z, 1), fmt(r.get("c"), 1), fmt(r.get("ap"), 1), fmt(r.get("ml"), 1)]
        if has_si:
            row.append(fmt(r.get("si"), 1))
        rows.append(row)
    return rows, has_si


def _section_measurements(report: dict, chart: bytes | None = None) -> str:
    """Length, volume, trim and holes, then the table by level (with the circumference
    ``chart`` PNG beside it, when given)."""
    meas = report.get("measurements") if isinstance(report.get("measurements"), dict) else {}
    sock = report.get("socket") if isinstance(report.get("socket"), dict) else {}
    vol = fmt(meas.get("volume_ml"), 1, "ml")
    if as_number(meas.get("volume_top_z_mm")) is not None:
        vol += f' <span class="muted">(up to z = {fmt(meas["volume_top_z_mm"], 0, "mm")})</span>'
    rows = [("Length", fmt(meas.get("length_mm"), 1, "mm")), ("Volume", vol)]
    if sock:
        trim = fmt(sock.get("trim_anterior_z_mm"), 1, "mm")
        if as_number(sock.get("trim_lowest_z_mm")) is not None:
            trim += f' anterior, {fmt(sock["trim_lowest_z_mm"], 1, "mm")} posterior'
        rows += [("Trim height", trim),
                 ("Limb volume below the posterior trim",
                  fmt(sock.get("limb_volume_below_trim_ml"), 1, "ml")),
                 ("Socket inner volume below it",
                  fmt(sock.get("inner_volume_below_trim_ml"), 1, "ml"))]
        fen = sock.get("fenestrations")
        if isinstance(fen, dict):
            rows.append(("Ventilation holes",
                         f"{fmt(fen.get('placed'), 0)} of {fmt(fen.get('asked'), 0)} asked, "
                         f"{fmt(fen.get('diameter_mm'), 1, 'mm')}; open "
                         f"{fmt(fen.get('open_area_cm2'), 1, 'cm²')} "
                         f"({fmt(fen.get('open_fraction_percent'), 1, '%')} of the outer wall)"))
    out = kv_table(rows)
    level_rows, has_si = _levels_rows(meas, sock)
    if level_rows:
        headers = ["z", "circumference", "AP width", "ML width"]
        if has_si:
            headers.append("socket inner circ.")
        levels_html = ("<h3>By level: height z above the distal end; all in mm</h3>"
                       + table(headers, level_rows, numeric=set(range(len(headers)))))
    else:
        levels_html = '<p class="muted">No circumferences or widths measured.</p>'
    if chart:
        out += (f'<div class="levels"><div class="levels-table">{levels_html}</div>'
                f'<div class="levels-chart">{figure_html("circumferences", chart)}</div></div>')
    else:
        out += levels_html
    return out


def _section_rectification(report: dict) -> str:
    """What the rectification did to the limb: reduction, zones, landmarks (and where each
    came from), trim points and brush strokes set by hand, and the volume change in % and
    sock plies."""
    rec = report.get("rectification") if isinstance(report.get("rectification"), dict) else {}
    if not rec:
        return f'<p class="muted">{MISSING}</p>'
    glob = rec.get("global") if isinstance(rec.get("global"), dict) else {}
    vol = rec.get("volume_below_trim_ml") if isinstance(rec.get("volume_below_trim_ml"),
                                                        dict) else {}
    change = as_number(rec.get("volume_change_percent"))
    plies = as_number(rec.get("sock_ply_equivalent"))
    change_txt = MISSING if change is None else (
        f"{fmt(vol.get('cavity'), 1, 'ml')} against the limb's {fmt(vol.get('limb'), 1, 'ml')}: "
        f"{change:+.1f} % ({plies:+.1f} sock plies)" if plies is not None else f"{change:+.1f} %")
    rows = [("Reduction", f"{fmt(glob.get('reduction_percent'), 1, '%')} of the cross-section "
                          f"area, {esc(glob.get('taper') or MISSING)}"),
            ("Liner / clearance", fmt(glob.get("liner_offset_mm"), 1, "mm")),
            ("Cavity volume below the trim line", change_txt)]
    out = kv_table(rows)
    zones = [z for z in rec.get("zones") or [] if isinstance(z, dict)]
    if zones:
        out += "<h3>Zones (push-in: load; relief: room over bone)</h3>" + table(
            ["zone", "kind", "depth", "size", "fall-off", "over"],
            [[esc(str(z.get("zone", "")).replace("_", " ")), esc(z.get("kind")),
              fmt(z.get("depth_mm"), 1, "mm"), fmt(z.get("size_mm"), 0, "mm"),
              fmt(z.get("falloff_mm"), 0, "mm"),
              esc(", ".join(LANDMARK_WORDS.get(n, n) for n in z.get("landmarks") or []))]
             for z in zones], numeric={2, 3, 4})
    else:
        out += '<p class="muted">No push-in or relief zones.</p>'
    marks = rec.get("landmarks") if isinstance(rec.get("landmarks"), dict) else {}
    hand = rec.get("hand") if isinstance(rec.get("hand"), dict) else {}
    points = marks.get("points_mm") if isinstance(marks.get("points_mm"), dict) else {}
    source = marks.get("source") if isinstance(marks.get("source"), dict) else {}
    confirmed = set(marks.get("confirmed") or []) | set(hand.get("confirmed") or [])
    moved = set((hand.get("landmarks") or {}).keys())
    if points:
        def origin(name: str) -> str:
            if name in moved:
                return "placed by hand"
            text = esc(source.get(name) or MISSING)
            return text + (" · confirmed by a person" if name in confirmed else " · a guess")
        out += (f"<h3>Landmarks ({esc(marks.get('side') or MISSING)} side; x, y, z in mm)"
                "</h3>" + table(["landmark", "x", "y", "z", "where from"],
                                [[esc(LANDMARK_WORDS.get(k, k)),
                                  *(fmt(c, 1) for c in (v if isinstance(v, list) else [])),
                                  origin(k)] for k, v in points.items()],
                                numeric={1, 2, 3}))
    trim = hand.get("trim_points") if isinstance(hand.get("trim_points"), dict) else {}
    if trim:
        out += "<h3>Trim line points set by hand (mm)</h3>" + table(
            ["point", "x", "y", "z"],
            [[esc(TRIM_WORDS.get(k, k)), *(fmt(c, 1) for c in v)] for k, v in trim.items()],
            numeric={1, 2, 3})
    strokes = [s for s in hand.get("strokes_described") or [] if isinstance(s, str)]
    protect = hand.get("protect") or []
    if strokes:
        out += "<h3>Brush strokes, in order</h3><ol>" + "".join(
            f"<li>{esc(s)}</li>" for s in strokes) + "</ol>"
    if protect:
        out += f"<p>{len(protect)} protected region(s) left alone by the strokes.</p>"
    if not (trim or strokes or protect or moved):
        out += '<p class="muted">Nothing was shaped by hand.</p>'
    return out


def _without_total(report: dict) -> dict:
    """The report's timings without a recorded ``total``: the timings table adds the
    stages up itself, and would count it twice."""
    tim = report.get("timings_s")
    if isinstance(tim, dict):
        tim = {k: v for k, v in tim.items() if k != "total"}
    return {"timings_s": tim}


def _build_html(report: dict, pictures: dict[str, bytes]) -> str:
    """The whole page as text (see :func:`write_report_html`)."""
    report = report if isinstance(report, dict) else {}
    pictures = pictures if isinstance(pictures, dict) else {}
    chart = pictures.get("circumferences")
    chart = bytes(chart) if isinstance(chart, (bytes, bytearray)) and chart else None
    name = title_name(report)
    created = report.get("created_utc")
    kind = report.get("kind")
    tool = report.get("tool") if isinstance(report.get("tool"), dict) else {}
    tool_txt = " ".join(str(t) for t in (tool.get("name"), tool.get("version")) if t)
    sub = [f"{esc(str(kind).replace('_', ' '))}" if kind else None,
           f"created {esc(created)}" if created else None]
    sub_html = " · ".join(s for s in sub if s) or MISSING
    body = [
        f"<h1>{esc(name)}</h1>",
        f'<p class="sub">{sub_html}</p>',
        "<h2>Warnings</h2>", section_warnings(report),
        "<h2>Pictures</h2>", pictures_html(pictures, skip=("circumferences",)),
        "<h2>Measurements</h2>", _section_measurements(report, chart),
        "<h2>Rectification</h2>", _section_rectification(report),
        "<h2>Template</h2>", section_template(report),
        "<h2>Checks</h2>", section_checks(report),
        "<h2>Outputs</h2>", section_outputs(report),
        "<h2>Input and processing</h2>", section_input(report), transform_html(report),
        "<h2>Timings</h2>", section_timings(_without_total(report)),
        f"<footer>{esc(tool_txt or 'prosthetics')} · report schema "
        f"{fmt(report.get('schema'))}</footer>",
    ]
    title = f"{name} — {str(kind).replace('_', ' ')}" if kind else name
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def write_report_html(report: dict, pictures: dict[str, bytes], path) -> None:
    """Write the report as one self-contained HTML file.

    The pictures are embedded as base64 data URIs and the style is inline, so the file needs
    no other file, network or JavaScript, and prints on A4.  Every missing value shows as "—".

    Parameters
    ----------
    report : dict
        Report in the ``prosthetics.report/1`` shape; any key may be missing.
    pictures : dict[str, bytes]
        PNG bytes by name (``"socket_on_limb"``, ``"sections"``, ``"circumferences"``, ...).
    path : str or os.PathLike
        Destination.  Written to a temporary file in the same folder, then renamed over it,
        so a reader never sees half a file.  The folder is created if needed.

    Raises
    ------
    OutputError
        The folder or the file cannot be written.
    """
    write_html_text(_build_html(report, pictures), path, what="report")


def write_html_text(text: str, path, *, what: str = "page") -> None:
    """Write HTML text to ``path`` atomically (:func:`prosthetics.fileio.atomic_write_text`).

    Raises
    ------
    OutputError
        The folder or the file cannot be written; the message names ``what`` and the path.
    """
    atomic_write_text(path, text, what=what)
