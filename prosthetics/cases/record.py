"""The record of one revision for the patient file, and the measurement-trend chart.

The record is one self-contained, print-ready HTML page (A4, a print style sheet, pictures
embedded): the case ID (never a name), the scan picture, the limb's measurements and their
history across scans, the rectification, the template parameters, the checks, the print
files with their sha256, the hash chain, and a line for the prosthetist's sign-off.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from prosthetics.cases.trends import (
    at_common_level,
    circumference_change,
    measurement_entry,
    trends,
    volume_change,
)
from prosthetics.reports.html import write_html_text
from prosthetics.reports.page import CSS, esc, figure_html, fmt, kv_table, plain, table
from prosthetics.reports.pictures import png_bytes, socket_on_limb_png
from prosthetics.reports.sections import section_checks, section_warnings

__all__ = ["draw_trends", "trend_chart_png", "write_record_html", "record_html"]


def draw_trends(fig: Figure, entries: list[dict], *, highlight: str | None = None) -> None:
    """Draw the measurement history of a case into ``fig``: volume per scan below the common
    level (left) and the circumference profile of each scan (right, z up as the limb stands,
    with the common level drawn across).

    A volume that could only be had to its scan's own rim (measured before per-level volumes
    were kept) is drawn hollow and labelled with its rim's height.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure (Agg for the record, the Qt canvas's figure in the GUI).
    entries : list of dict
        :func:`prosthetics.cases.trends.trends` output, oldest first.
    highlight : str, optional
        The scan ID drawn bold (the scan of the revision being recorded).
    """
    ax_v, ax_c = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.2]})
    cmap = __import__("matplotlib").colormaps["viridis"]
    n = len(entries)
    if not n:
        for ax in (ax_v, ax_c):
            ax.text(0.5, 0.5, "no measurements yet", ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
    labels = [f"{e['scan']}\n{e['date']}" for e in entries]
    vols = [e.get("volume_ml") for e in entries]
    xs = [i for i, v in enumerate(vols) if v is not None]
    common = [i for i in xs if entries[i].get("volume_level", "common") == "common"]
    level = next((e.get("common_z_mm") for e in entries if e.get("common_z_mm") is not None),
                 None)
    if xs:
        ax_v.plot(common, [vols[i] for i in common], "-o", color="#2f4f73", linewidth=1.6,
                  markersize=5)
        own = [i for i in xs if i not in common]
        if own:
            ax_v.plot(own, [vols[i] for i in own], "o", markerfacecolor="none",
                      markeredgecolor="#8a5a00", markersize=6)
        base = vols[0] if 0 in common else None          # as in the table: from the first
        for i in xs:
            top = entries[i].get("volume_top_z_mm")
            note = (f"\nown rim z {top:.0f}" if i not in common and top is not None else
                    f"\n{100.0 * (vols[i] / base - 1.0):+.1f} %" if base and i > 0
                    else "")
            ax_v.annotate(f"{vols[i]:.0f} ml{note}", (i, vols[i]), textcoords="offset points",
                          xytext=(0, 7), ha="center", fontsize=7.5)
        lo, hi = min(vols[i] for i in xs), max(vols[i] for i in xs)
        pad = max(0.08 * (hi - lo), 0.04 * hi, 1.0)
        ax_v.set_ylim(lo - pad, hi + 2.2 * pad)
    ax_v.set_xticks(range(n), labels, fontsize=7.5)
    ax_v.set_xlim(-0.5, max(n - 0.5, 0.5))
    ax_v.set_ylabel("limb volume (ml)", fontsize=9)
    ax_v.set_title("Volume by scan" if level is None
                   else f"Volume below z = {level:.0f} mm (common level)", fontsize=10)
    for i, e in enumerate(entries):
        cs = e.get("circumferences") or []
        if not cs:
            continue
        z = np.array([c["z_mm"] for c in cs], float)
        c = np.array([c["mm"] for c in cs], float)
        bold = e["scan"] == highlight
        ax_c.plot(c, z, "-o" if bold else "-", color=cmap(i / max(n - 1, 1) * 0.85),
                  linewidth=2.2 if bold else 1.3, markersize=2.5,
                  label=f"{e['scan']} {e['date']}")
    if level is not None and n:
        ax_c.axhline(level, color="#8a5a00", linewidth=0.9, linestyle="--")
        ax_c.annotate(f"common level z = {level:.0f}", (0.02, level), xycoords=("axes fraction",
                      "data"), textcoords="offset points", xytext=(0, 3), fontsize=7,
                      color="#8a5a00")
    if n:
        ax_c.legend(fontsize=7.5, loc="lower right")
    ax_c.set_xlabel("circumference (mm)", fontsize=9)
    ax_c.set_ylabel("z above the distal end (mm)", fontsize=9)
    ax_c.set_title("Circumference by height", fontsize=10)
    for ax in (ax_v, ax_c):
        ax.grid(True, color="#e6e6e6", linewidth=0.6)
        ax.tick_params(labelsize=8)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.9, wspace=0.3)


def trend_chart_png(entries: list[dict], highlight: str | None = None) -> bytes:
    """:func:`draw_trends` as PNG bytes."""
    fig = Figure(figsize=(7.4, 3.4))
    draw_trends(fig, entries, highlight=highlight)
    return png_bytes(fig)


_RECORD_CSS = CSS + """
.idbar { display: flex; justify-content: space-between; align-items: baseline;
         border-bottom: 2px solid #2f4f73; padding-bottom: 3pt; margin-bottom: 6pt; }
.idbar .cid { font-size: 20pt; font-weight: 700; letter-spacing: 0.5pt; }
.sign { margin-top: 14pt; border: 1.5px solid #2f4f73; padding: 8pt 10pt; break-inside: avoid; }
.sign .line { display: flex; gap: 14pt; margin-top: 18pt; }
.sign .line div { flex: 1; border-top: 1px solid #1d2733; padding-top: 2pt; font-size: 9pt;
                  color: #5b6675; }
.twocol { display: flex; gap: 8pt; align-items: flex-start; }
.twocol > div { flex: 1 1 0; min-width: 0; }
.twocol table { font-size: 8.5pt; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
@media print {
  body { padding: 0; max-width: none; font-size: 9.5pt; }
  h2 { margin-top: 10pt; }
  a { color: inherit; text-decoration: none; }
  .noprint { display: none; }
  figure img { max-height: 120mm; }
}
"""


def _rectification_html(rect: dict | None) -> str:
    if not isinstance(rect, dict) or not rect:
        return '<p class="muted">No rectification recorded.</p>'
    g = rect.get("global") or {}
    vol = rect.get("volume_below_trim_ml") or {}
    rows = [("Global reduction", fmt(g.get("reduction_percent"), 1, "%")
             + (f' <span class="muted">({esc(g.get("taper"))})</span>' if g.get("taper") else "")),
            ("Liner offset", fmt(g.get("liner_offset_mm"), 1, "mm")),
            ("Volume below the trim", f"limb {fmt(vol.get('limb'), 1, 'ml')}, cavity "
                                      f"{fmt(vol.get('cavity'), 1, 'ml')}"),
            ("Volume change", f"{fmt(rect.get('volume_change_percent'), 2, '%')} = "
                              f"{fmt(rect.get('sock_ply_equivalent'), 2)} sock plies")]
    out = kv_table(rows)
    zones = rect.get("zones")
    zl = zones if isinstance(zones, list) else (
        [{"zone": k, **v} if isinstance(v, dict) else {"zone": k, "value": v}
         for k, v in zones.items()] if isinstance(zones, dict) else [])
    if zl:
        keys = [k for k in zl[0].keys() if k != "zone"]
        out += table(["zone", *keys], [[esc(z.get("zone", "")), *[esc(plain(z.get(k)))
                                                                    for k in keys]]
                                        for z in zl])
    else:
        out += '<p class="muted">No zones (push-in or relief) were set.</p>'
    lm = rect.get("landmarks")
    pts = lm.get("points_mm") if isinstance(lm, dict) else None
    if isinstance(pts, dict) and pts:
        src = lm.get("source") if isinstance(lm.get("source"), dict) else {}
        out += (f"<h3>Landmarks (design frame, mm; {esc(lm.get('side') or '')} limb)</h3>"
                + table(["landmark", "x", "y", "z", "source"],
                         [[esc(k.replace("_", " ")), *[fmt(c, 1) for c in v],
                           esc(src.get(k, ""))] for k, v in pts.items()],
                         numeric={1, 2, 3}))
    hand = rect.get("hand") if isinstance(rect.get("hand"), dict) else {}
    strokes, words = hand.get("strokes") or [], hand.get("strokes_described") or []
    if strokes:
        out += ("<h3>Strokes on the cavity, in order (design frame, mm)</h3>"
                + table(["", "stroke", "centre x", "y", "z"],
                        [[str(i), esc(words[i - 1] if i <= len(words) else s.get("kind", "")),
                          *[fmt(c, 1) for c in s.get("centre_mm", [])]]
                         for i, s in enumerate(strokes, 1)], numeric={2, 3, 4}))
    trim = hand.get("trim_points") or {}
    if trim:
        out += ("<h3>Trim line points set by hand (design frame, mm)</h3>"
                + table(["point", "x", "y", "z"],
                        [[esc(k.replace("_", " ")), *[fmt(c, 1) for c in v]]
                         for k, v in trim.items()], numeric={1, 2, 3}))
    if hand.get("protect"):
        out += f'<p>{len(hand["protect"])} region(s) protected from the strokes.</p>'
    return out


def _parameters_html(report: dict) -> str:
    """Every template parameter with its unit, in two columns to keep the record short."""
    tpl = report.get("template") or {}
    params = tpl.get("parameters") or {}
    units = tpl.get("units") or {}
    rows = [[f'<span class="mono">{esc(k)}</span>', esc(plain(v)), esc(units.get(k) or "")]
            for k, v in params.items()]
    if not rows:
        return '<p class="muted">No parameters recorded.</p>'
    half = -(-len(rows) // 2)
    cols = "".join(f"<div>{table(['parameter', 'value', 'unit'], part, numeric={1})}</div>"
                   for part in (rows[:half], rows[half:]))
    return (kv_table([("Template", fmt(tpl.get("name"))), ("Preset", fmt(tpl.get("preset")))])
            + f'<div class="twocol">{cols}</div>')


def _measurements_html(report: dict) -> str:
    m = report.get("measurements") or {}
    rows = [("Length", fmt(m.get("length_mm"), 1, "mm")),
            ("Volume", f"{fmt(m.get('volume_ml'), 1, 'ml')} "
                       f"<span class=\"muted\">(up to z = "
                       f"{fmt(m.get('volume_top_z_mm'), 0, 'mm')})"
                       f"</span>")]
    circ = m.get("circumferences") or []
    widths = {round(w["z_mm"], 2): w for w in m.get("widths") or []}
    tapes = {round(t["z_mm"], 2): t["tape_mm"] for t in m.get("tape_circumferences") or []}
    out = kv_table(rows)
    if circ:
        step = -(-len(circ) // 12)          # at most 12 rows on paper
        out += table(["z (mm)", "perimeter (mm)", "tape (mm)", "AP (mm)", "ML (mm)"],
                      [[fmt(c["z_mm"], 0), fmt(c["mm"], 1),
                        fmt(tapes.get(round(c["z_mm"], 2)), 1),
                        fmt((widths.get(round(c["z_mm"], 2)) or {}).get("ap_mm"), 1),
                        fmt((widths.get(round(c["z_mm"], 2)) or {}).get("ml_mm"), 1)]
                       for c in circ[::step]], numeric={0, 1, 2, 3, 4})
        out += ('<p class="muted">Perimeter: the section\'s true outline, every hollow '
                'followed. Tape: what a tape measure reads, bridging the hollows (the '
                'perimeter of the section\'s convex hull).</p>')
    return out


def _trend_table(entries: list[dict]) -> str:
    if not entries:
        return ""
    ch = {c["scan"]: c for c in circumference_change(entries)}
    tp = {c["scan"]: c for c in circumference_change(entries, "tape_circumferences")}
    dv = {c["scan"]: c for c in volume_change(entries)}
    rows = []
    for e in entries:
        c, t, d = ch.get(e["scan"]) or {}, tp.get(e["scan"]) or {}, dv.get(e["scan"]) or {}
        own = e.get("volume_level") == "own rim"
        rows.append([esc(e["scan"]), esc(e["date"]),
                     fmt(e.get("volume_ml"), 1) + (" *" if own else ""),
                     fmt(d.get("change_percent"), 2), fmt(d.get("sock_ply_equivalent"), 2),
                     fmt(c.get("mean_change_percent"), 2), fmt(t.get("mean_change_percent"), 2),
                     fmt(c.get("levels"), 0), fmt(e.get("own_rim_volume_ml"), 1),
                     fmt(e.get("own_rim_z_mm"), 0), esc(e["source"])])
    level = entries[0].get("common_z_mm")
    head = ("" if level is None else
            f'<p>Volumes and circumferences below the common level <strong>z = '
            f'{fmt(level, 0)} mm</strong> above the distal end, set by '
            f'{esc(entries[0].get("common_level") or "")}; changes from the first scan '
            f'(one sock ply is about 1.1 % of the volume).</p>')
    foot = ('<p class="muted">* to the scan\'s own rim: its volumes by level were not kept '
            '(measured by an older version), so it is left out of the change.</p>'
            if any(e.get("volume_level") == "own rim" for e in entries) else "")
    return head + table(["scan", "date", "volume below the level (ml)", "vol. change (%)",
                         "sock plies", "mean perimeter change (%)", "mean tape change (%)",
                         "levels", "to own rim (ml)", "own rim z (mm)", "measured in"], rows,
                        numeric={2, 3, 4, 5, 6, 7, 8, 9}) + foot


def record_html(case, record: dict, scan_picture: bytes | None, trend_png: bytes | None,
                entries: list[dict]) -> str:
    """The record page as HTML text (see :func:`write_record_html`)."""
    rep = record.get("report") or {}
    c = record.get("case") or {}
    n = record["number"]
    kind = str(record.get("kind", "design")).replace("_", " ")
    outputs = rep.get("outputs") or []
    files_rows = [[f'<span class="mono">{esc(o.get("path"))}</span>', fmt(o.get("format")),
                   fmt(o.get("triangles"), 0), fmt(o.get("volume_ml"), 1)]
                  for o in outputs]
    chain = [("Case", esc(c.get("case_id"))), ("Revision", str(n)),
             ("Scan", f"{esc(record['scan']['id'])} "
                      f"<span class=\"hash\">sha256 {esc(record['scan']['sha256'])}</span>"),
             ("Previous revision's record",
              f"<span class=\"hash\">sha256 "
              f"{esc(record.get('previous_sha256') or 'none (first revision)')}</span>")]
    body = [
        f'<div class="idbar"><span class="cid">{esc(c.get("case_id"))}</span>'
        f'<span>Revision {n} · {esc(kind)}</span></div>',
        kv_table([("Side", fmt(c.get("side"))),
                   ("Level", fmt(str(c.get("amputation_level") or "").replace("_", " "))),
                   ("Designed", f"{esc(record.get('created_utc'))} by "
                                f"{fmt(record.get('author') or None)}"),
                   ("Template", f"{fmt(record['template'].get('preset'))} "
                                f"({fmt(record['template'].get('builder'))})"),
                   ("Note", fmt(record.get("note") or None))]),
        "<h2>Warnings</h2>", section_warnings(rep),
        "<h2>Scan and socket</h2>",
        (figure_html("scan_and_socket", scan_picture, _CAPTIONS["scan_and_socket"])
         if scan_picture else '<p class="muted">No picture.</p>'),
        "<h2>Measurements of this scan</h2>", _measurements_html(rep),
        "<h2>Measurement history</h2>",
        (figure_html("trends", trend_png, _CAPTIONS["trends"]) if trend_png else ""),
        _trend_table(entries),
        "<h2>Rectification</h2>", _rectification_html(rep.get("rectification")),
        "<h2>Template parameters</h2>", _parameters_html(rep),
        "<h2>Checks</h2>", section_checks(rep),
        "<h2>Print files</h2>",
        table(["file", "format", "triangles", "volume (ml)"], files_rows, numeric={2, 3}),
        "<h2>Integrity</h2>", kv_table(chain),
        '<p class="muted">Check the case against this page with <span class="mono">'
        'prosthetics case verify</span>; the print files\' sha256 are in revision.json.</p>',
        '<div class="sign"><strong>Prosthetist\'s sign-off</strong>'
        '<div>I have checked this design against the patient and the scan named above.</div>'
        '<div class="line"><div>Name</div><div>Signature</div><div>Date</div></div>'
        '<div class="line"><div>Patient file number / label</div><div>Fitting outcome</div>'
        '</div></div>',
        f"<footer>prosthetics {esc((record.get('tool') or {}).get('version'))} · "
        f"record schema {esc(record.get('schema'))} · this page names the case by its ID "
        f"only</footer>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(c.get('case_id'))} revision {n}</title><style>{_RECORD_CSS}</style>"
            "</head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")


_CAPTIONS = {
    "scan_and_socket": "The limb as scanned (skin colour, after cleaning and alignment) with "
                       "the socket of this revision: anterior, lateral and posterior views, mm.",
    "trends": "Limb volume below the common level (the lowest of the scans' proximal rims, "
              "or the mid-patellar tendon when every scan has it) and circumference profile of "
              "every scan of the case up to this revision; this revision's scan drawn bold.",
}


def write_record_html(case, record: dict, limb, socket, path: str | Path) -> None:
    """Write the record of ``record`` (a revision being filed) for the patient file.

    Parameters
    ----------
    case : prosthetics.cases.store.Case
        The case (its earlier scans and revisions give the measurement history).
    record : dict
        The revision record being written (``number``, ``report``, ...).
    limb, socket : trimesh.Trimesh
        The aligned limb and the socket (mm, design frame), for the picture.
    path : path
        Destination (written atomically).
    """
    entries = trends(case, common=False)
    rep = record.get("report") or {}
    sid = record["scan"]["id"]
    lm = (rep.get("rectification") or {}).get("landmarks")
    mine = measurement_entry(sid, next((s.get("captured_on") or s["added_utc"][:10]
                                        for s in case.scans if s["id"] == sid), ""),
                             rep.get("measurements") or {}, f"revision {record['number']}",
                             lm.get("points_mm") if isinstance(lm, dict) else None)
    order = [s["id"] for s in case.scans]
    entries = at_common_level(sorted([e for e in entries if e["scan"] != sid] + [mine],
                                     key=lambda e: order.index(e["scan"]) if e["scan"] in order
                                     else 0))
    picture = socket_on_limb_png(limb, socket) if limb is not None else None
    trend = trend_chart_png(entries, highlight=sid)
    write_html_text(record_html(case, record, picture, trend, entries), path)

