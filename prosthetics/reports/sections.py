"""Sections of a report page that the socket and the insole reports share: warnings, the
template's parameters, the checks, the output files, the scan and its processing, and the
timings.  Each takes the ``report.json`` dict (any key may be missing) and returns HTML.

Lengths in millimetres, volumes in millilitres, areas in cm², angles in degrees, as in
``report.json``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from prosthetics.reports.page import (
    MISSING,
    as_number,
    esc,
    fmt,
    kv_table,
    plain,
    status,
    table,
    value_at,
)

__all__ = [
    "title_name",
    "section_warnings",
    "section_template",
    "orientation_row",
    "section_checks",
    "section_outputs",
    "section_input",
    "transform_html",
    "section_timings",
]


def title_name(report: dict) -> str:
    """The page's title: the case or name the report gives, else the scan's anonymous ID
    (an older report's scan file stem)."""
    for key in ("case", "case_name", "name"):
        if isinstance(report.get(key), str) and report[key]:
            return report[key]
    scan_id = value_at(report.get("input"), "scan_id")
    if isinstance(scan_id, str) and scan_id:
        return scan_id
    path = value_at(report.get("input"), "path")
    if isinstance(path, str) and path:
        return Path(path).stem
    return "unnamed scan"


def section_input(report: dict) -> str:
    """The scan file (path, hash, units, points), its cleaning steps and the alignment."""
    inp = report.get("input") if isinstance(report.get("input"), dict) else {}
    sha = inp.get("sha256")
    sha_txt = (f'<span class="mono" title="{esc(sha)}">{esc(sha[:12])}…</span>'
               if isinstance(sha, str) and sha else MISSING)
    units = inp.get("units")
    src = inp.get("units_source")
    units_txt = fmt(units)
    if src:
        units_txt += f' <span class="muted">(decided by {esc(src)})</span>'
    kind = inp.get("is_mesh")
    rows = [
        ("Scan", f'<span class="mono">{fmt(inp.get("scan_id"))}</span>'),
        *([("File in the case", f'<span class="mono">{fmt(inp.get("path"))}</span>')]
          if inp.get("path") else []),
        ("SHA-256", sha_txt),
        ("Units", units_txt),
        ("Points", fmt(inp.get("point_count"), 0)),
        ("Type", MISSING if kind is None else ("mesh" if kind else "point cloud")),
    ]
    out = "<h3>Scan file</h3>" + kv_table(rows)
    cleaning = report.get("cleaning")
    if isinstance(cleaning, dict) and cleaning:
        steps = [s for s in cleaning.get("steps") or [] if isinstance(s, dict)]
        if steps:
            out += "<h3>Cleaning</h3>" + table(
                ["step", "removed", "kept", "detail"],
                [[fmt(s.get("step")), fmt(s.get("removed"), 0), fmt(s.get("kept"), 0),
                  fmt(s.get("detail"))] for s in steps],
                numeric={1, 2},
            )
        out += kv_table([("Surface reconstructed", fmt(cleaning.get("reconstructed"))),
                         ("Triangles after cleaning", fmt(cleaning.get("triangles"), 0))])
    align = report.get("alignment")
    if isinstance(align, dict) and align:
        rot = fmt(align.get("anterior_rotation_deg"), 1, "°")
        if align.get("anterior_source"):
            rot += f' <span class="muted">({esc(align["anterior_source"])})</span>'
        axis = align.get("axis")
        out += "<h3>Alignment</h3>" + kv_table([
            ("Anterior rotation", rot),
            ("Long axis (scan frame)",
             esc(", ".join(f"{as_number(a):.3f}" if as_number(a) is not None else MISSING
                           for a in axis)) if isinstance(axis, list) and axis else MISSING),
        ])
    return out


def _guess_unit(name: str) -> str:
    """Unit of a parameter from its name's suffix (``_mm``, ``_deg``...), or ``""``."""
    for suffix, unit in (("_mm", "mm"), ("_percent", "%"), ("_pct", "%"), ("_deg", "°"),
                         ("_ml", "ml"), ("_g", "g"), ("_s", "s")):
        if name.endswith(suffix):
            return unit
    return ""


def section_template(report: dict) -> str:
    """Template and preset names, and every parameter with its value and unit."""
    tpl = report.get("template") if isinstance(report.get("template"), dict) else {}
    out = kv_table([("Template", fmt(tpl.get("name"))), ("Preset", fmt(tpl.get("preset")))])
    params = tpl.get("parameters") if isinstance(tpl.get("parameters"), dict) else {}
    units = tpl.get("units") if isinstance(tpl.get("units"), dict) else {}
    if params:
        rows = []
        for name, value in params.items():
            unit = units.get(name)
            unit = _guess_unit(str(name)) if unit is None else unit
            rows.append([f'<span class="mono">{esc(name)}</span>',
                         esc(plain(value)), esc(unit) if unit else ""])
        out += table(["parameter", "value", "unit"], rows, numeric={1})
    else:
        out += '<p class="muted">No parameters recorded.</p>'
    return out


def orientation_row(report: dict) -> tuple[str, str] | None:
    """("Print orientation", text) from the report's ``print_orientation`` (socket or
    insole), or None when the report has none."""
    part = report.get("socket") or report.get("insole") or {}
    po = part.get("print_orientation") if isinstance(part, dict) else None
    if not isinstance(po, dict):
        return None
    txt = (f"<b>{esc(po.get('description'))}</b> — {esc(po.get('reason'))}; build height "
           f"{fmt(po.get('height_mm'), 0, 'mm')}, {fmt(po.get('bed_contact_cm2'), 0, 'cm²')} "
           f"on the bed, support about {fmt(po.get('support_ml'), 0, 'ml')} "
           f"(solid columns under overhangs over 45°; the slicer prints them sparse)")
    alts = [a for a in po.get("alternatives") or [] if isinstance(a, dict)]
    if alts:
        txt += '<br><span class="muted">Compared: ' + "; ".join(
            f"{esc(a.get('description'))} {fmt(a.get('support_ml'), 0, 'ml')} of support"
            + ("" if a.get("fits_printer") else " (does not fit)") for a in alts) + "</span>"
    return ("Print orientation", txt)


def section_checks(report: dict) -> str:
    """The socket's checks: solid, minimum wall, printer fit, orientation and slicer."""
    checks = report.get("checks") if isinstance(report.get("checks"), dict) else {}
    min_wall, req = checks.get("min_wall_mm"), checks.get("wall_required_mm")
    wall = f"{fmt(min_wall, 2, 'mm')} (required ≥ {fmt(req, 2, 'mm')})"
    if "wall_ok" in checks:
        wall += " " + status(checks.get("wall_ok"))
    bodies = checks.get("bodies")
    rows = [
        ("Watertight", status(checks.get("watertight"), "yes", "no")),
        ("Bodies", fmt(bodies, 0) + ("" if bodies is None else " " + status(bodies == 1))),
        ("Volume positive", status(checks.get("volume_positive"), "yes", "no")),
        ("Minimum wall", wall),
    ]
    pr = checks.get("printer") if isinstance(checks.get("printer"), dict) else {}
    if pr:
        fits = status(pr.get("fits"), "fits", "does not fit")
        detail = [f"printer {fmt(pr.get('printer'))}", f"bed {fmt(pr.get('bed_mm'), 0, 'mm')}",
                  f"part {fmt(pr.get('part_mm'), 0, 'mm')}"]
        if as_number(pr.get("rotation_deg")):
            detail.append(f"rotated {fmt(pr.get('rotation_deg'), 0, '°')}")
        txt = f"{fits} — " + ", ".join(detail)
        if pr.get("reason"):
            txt += f'<br><span class="muted">{esc(pr["reason"])}</span>'
        rows.append(("Printer", txt))
    else:
        rows.append(("Printer", MISSING))
    if (row := orientation_row(report)) is not None:
        rows.append(row)
    sl = checks.get("slicer") if isinstance(checks.get("slicer"), dict) else {}
    if sl.get("ran"):
        txt = status(sl.get("ok"), "sliced OK", "slicing failed")
        txt += f" — {fmt(sl.get('slicer'))}, filament {fmt(sl.get('filament_g'), 1, 'g')}, "
        txt += f"print time {fmt(sl.get('print_time_text'))}"
        if sl.get("message"):
            txt += f'<br><span class="muted">{esc(sl["message"])}</span>'
    elif sl:
        reason = sl.get("message") or sl.get("reason") or "no reason given"
        txt = f'not run <span class="muted">({esc(reason)})</span>'
    else:
        txt = "not run"
    rows.append(("Slicer", txt))
    return kv_table(rows)


def section_outputs(report: dict) -> str:
    """The files written: path, format, triangles, volume (ml) and size (MB)."""
    outs = [o for o in report.get("outputs") or [] if isinstance(o, dict)]
    if not outs:
        return '<p class="muted">No output files.</p>'

    def megabytes(o: dict) -> float | None:
        size = as_number(o.get("bytes"))
        return size / 1e6 if size is not None else None

    rows = [[f'<span class="mono">{fmt(o.get("path"))}</span>', fmt(o.get("format")),
             fmt(o.get("triangles"), 0), fmt(o.get("volume_ml"), 1), fmt(megabytes(o), 2)]
            for o in outs]
    return table(["file", "format", "triangles", "volume (ml)", "size (MB)"], rows,
                 numeric={2, 3, 4})


def section_warnings(report: dict) -> str:
    """The warnings in a framed list, or a line saying there are none."""
    warns = report.get("warnings")
    warns = [w for w in warns if w not in (None, "")] if isinstance(warns, list) else []
    if not warns:
        return '<div class="warnings none">No warnings.</div>'
    items = "".join(f"<li>{esc(w)}</li>" for w in warns)
    return f'<div class="warnings"><strong>Warnings ({len(warns)})</strong><ul>{items}</ul></div>'


def section_timings(report: dict) -> str:
    """Seconds per stage and their total."""
    tim = report.get("timings_s") if isinstance(report.get("timings_s"), dict) else {}
    if not tim:
        return f"<p class=\"muted\">{MISSING}</p>"
    rows = [[esc(k), fmt(v, 2)] for k, v in tim.items()]
    total = sum(v for v in (as_number(x) for x in tim.values()) if v is not None)
    rows.append(["<strong>total</strong>", f"<strong>{fmt(total, 2)}</strong>"])
    return table(["stage", "time (s)"], rows, numeric={1})


def transform_html(report: dict) -> str:
    """The (4, 4) transform from the scan file to the design frame, or ``""`` without one."""
    m = report.get("transform_scan_to_design")
    try:
        arr = np.asarray(m, dtype=float)
    except (TypeError, ValueError):
        return ""
    if arr.shape != (4, 4):
        return ""
    text = "\n".join(" ".join(f"{v:10.4f}" for v in row) for row in arr)
    return ("<h3>Transform, scan file → design frame (mm)</h3>"
            f'<pre class="mono">{esc(text)}</pre>')
