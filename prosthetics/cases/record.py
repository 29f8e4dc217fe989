"""The record of one revision for the patient file, and the measurement-trend chart.

The record is one self-contained, print-ready HTML page (the report template
``record.html``: A4, a print style sheet, pictures embedded) and its PDF from the same page:
the case ID (never a name), the scan picture, the limb's measurements and their history
across scans, the rectification, the trim heights, the template parameters used, the checks,
the print files with their sha256, the hash chain, and the sign-off.
"""

from __future__ import annotations

import os
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
from prosthetics.errors import OutputError
from prosthetics.reports.context import (
    Fmt,
    check_rows,
    header,
    parameter_rows,
    pictures,
    rectification,
    warnings,
)
from prosthetics.reports.html import write_html_text
from prosthetics.reports.i18n import N_
from prosthetics.reports.pictures import (
    picture_fonts,
    picture_language,
    picture_text,
    png_bytes,
    socket_on_limb_png,
    speaking,
)
from prosthetics.reports.templating import render, write_pdf

#: Past this many scans the trend chart's scan labels are set at a slant.
TREND_LABELS_LEVEL = 3

__all__ = ["draw_trends", "trend_chart_png", "write_record_html", "record_html"]


@speaking
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
    lang : str, optional
        The language of the chart's words (keyword; default English): titles, axes, notes
        from the reports' catalogue, in :data:`~prosthetics.reports.pictures.RTL_FONTS`
        when written right to left; scan IDs, dates and numbers as they are.
    """
    _t = picture_text
    ax_v, ax_c = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.2]})
    cmap = __import__("matplotlib").colormaps["viridis"]
    n = len(entries)
    if not n:
        for ax in (ax_v, ax_c):
            ax.text(0.5, 0.5, _t(N_("no measurements yet")), ha="center", va="center",
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
            note = ("\n" + _t(N_("own rim z %(z)s"), z=f"{top:.0f}")
                    if i not in common and top is not None else
                    f"\n{100.0 * (vols[i] / base - 1.0):+.1f} %" if base and i > 0
                    else "")
            ax_v.annotate(_t(N_("%(volume)s ml"), volume=f"{vols[i]:.0f}") + note, (i, vols[i]), textcoords="offset points",
                          xytext=(0, 7), ha="center", fontsize=7.5)
        lo, hi = min(vols[i] for i in xs), max(vols[i] for i in xs)
        pad = max(0.08 * (hi - lo), 0.04 * hi, 1.0)
        ax_v.set_ylim(lo - pad, hi + 2.2 * pad)
    ax_v.set_xticks(range(n), labels, fontsize=7.5)
    if n > TREND_LABELS_LEVEL:          # dates side by side would run into each other
        for label in ax_v.get_xticklabels():
            label.set(rotation=30, ha="right", rotation_mode="anchor")
    ax_v.set_xlim(-0.5, max(n - 0.5, 0.5))
    ax_v.set_ylabel(_t(N_("limb volume (ml)")), fontsize=9)
    ax_v.set_title(_t(N_("Volume by scan")) if level is None
                   else _t(N_("Volume below %(level)s (common level)"),
                           level=f"z = {level:.0f} mm"), fontsize=10)
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
        ax_c.annotate(_t(N_("common level %(level)s"), level=f"z = {level:.0f}"), (0.02, level), xycoords=("axes fraction",
                      "data"), textcoords="offset points", xytext=(0, 3), fontsize=7,
                      color="#8a5a00")
    if n:
        ax_c.legend(fontsize=7.5, loc="lower right")
    ax_c.set_xlabel(_t(N_("circumference (mm)")), fontsize=9)
    ax_c.set_ylabel(_t(N_("z above the distal end (mm)")), fontsize=9)
    ax_c.set_title(_t(N_("Circumference by height")), fontsize=10)
    for ax in (ax_v, ax_c):
        ax.grid(True, color="#e6e6e6", linewidth=0.6)
        ax.tick_params(labelsize=8)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.9, wspace=0.3)
    picture_fonts(fig)


@speaking
def trend_chart_png(entries: list[dict], highlight: str | None = None) -> bytes:
    """:func:`draw_trends` as PNG bytes (``lang``: its words' language, keyword)."""
    fig = Figure(figsize=(7.4, 3.4))
    draw_trends(fig, entries, highlight=highlight, lang=picture_language())
    return png_bytes(fig)


def _trend_context(entries: list[dict], f: Fmt) -> dict:
    """The history table: one row per scan, changes from the first."""
    if not entries:
        return {"rows": [], "level": "", "level_by": "", "own_rim": False}
    ch = {c["scan"]: c for c in circumference_change(entries)}
    tp = {c["scan"]: c for c in circumference_change(entries, "tape_circumferences")}
    dv = {c["scan"]: c for c in volume_change(entries)}
    rows = []
    for e in entries:
        c, t, d = ch.get(e["scan"]) or {}, tp.get(e["scan"]) or {}, dv.get(e["scan"]) or {}
        own = e.get("volume_level") == "own rim"
        rows.append({"scan": e["scan"], "date": e["date"],
                     "volume": f.num(e.get("volume_ml"), 1) + (" *" if own else ""),
                     "change": f.num(d.get("change_percent"), 2),
                     "plies": f.num(d.get("sock_ply_equivalent"), 2),
                     "perimeter": f.num(c.get("mean_change_percent"), 2),
                     "tape": f.num(t.get("mean_change_percent"), 2),
                     "levels": f.num(c.get("levels"), 0),
                     "own_volume": f.num(e.get("own_rim_volume_ml"), 1),
                     "own_z": f.num(e.get("own_rim_z_mm"), 0), "source": e["source"]})
    level = entries[0].get("common_z_mm")
    return {"rows": rows, "level": "" if level is None else f.num(level, 0, "mm"),
            "level_by": entries[0].get("common_level") or "",
            "own_rim": any(e.get("volume_level") == "own rim" for e in entries)}


def _record_measurements(rep: dict, f: Fmt) -> dict:
    """This scan's length and volume, and at most 12 levels of its circumferences."""
    m = rep.get("measurements") or {}
    rows = [{"label": N_("Length"), "value": f.num(m.get("length_mm"), 1, "mm")},
            {"label": N_("Volume"), "value": f.num(m.get("volume_ml"), 1, "ml"),
             "note": f"up to z = {f.num(m.get('volume_top_z_mm'), 0, 'mm')}"}]
    circ = [c for c in m.get("circumferences") or [] if isinstance(c, dict)]
    widths = {round(w["z_mm"], 2): w for w in m.get("widths") or []}
    tapes = {round(t["z_mm"], 2): t["tape_mm"] for t in m.get("tape_circumferences") or []}
    step = -(-len(circ) // 12) if circ else 1          # at most 12 rows on paper
    levels = [{"z": f.num(c["z_mm"], 0), "c": f.num(c["mm"], 1),
               "tape": f.num(tapes.get(round(c["z_mm"], 2)), 1),
               "ap": f.num((widths.get(round(c["z_mm"], 2)) or {}).get("ap_mm"), 1),
               "ml": f.num((widths.get(round(c["z_mm"], 2)) or {}).get("ml_mm"), 1)}
              for c in circ[::step]]
    return {"rows": rows, "levels": levels}


def _trim_rows(rep: dict, f: Fmt) -> list[dict]:
    """The trim heights the socket was cut at, and how the anterior one was chosen."""
    sock = rep.get("socket") or {}
    params = (rep.get("template") or {}).get("parameters") or {}
    if not sock:
        return []
    how = ("set" if params.get("trim_height_mm") is not None else
           "from the anatomy (auto)" if params.get("trim_above_mpt_mm") is not None
           or "mpt_height_mm" in params else "(auto)")
    rows = [{"label": N_("Anterior trim height"),
             "value": f"{f.num(sock.get('trim_anterior_z_mm'), 1, 'mm')} {how}".strip()},
            {"label": N_("Lowest (posterior) trim height"),
             "value": f.num(sock.get("trim_lowest_z_mm"), 1, "mm")}]
    # A brim placed from the anatomy (its posterior from the popliteal crease) did not use
    # the fixed drop; the rectification section lists its heights and their sources.
    posterior = (sock.get("brim") or {}).get("posterior") or {}
    if "landmark_z_mm" not in posterior:
        rows.append({"label": N_("Posterior trim drop"),
                     "value": f.num(params.get("posterior_trim_drop_mm"), 1, "mm")})
    return rows


def record_context(case, record: dict, scan_picture: bytes | None, trend_png: bytes | None,
                   entries: list[dict], lang: str = "en") -> dict:
    """Everything ``record.html`` shows."""
    f = Fmt(lang)
    rep = dict(record.get("report") or {})
    c = record.get("case") or {}
    rep.setdefault("case", c.get("case_id"))
    n = record["number"]
    kind = str(record.get("kind", "design")).replace("_", " ")
    page = header(rep, kind, f)
    page.update(ident=c.get("case_id") or page["ident"], ident_label=N_("Case"),
                version=f"prosthetics {(record.get('tool') or {}).get('version') or ''}".strip(),
                schema=str(record.get("schema") or ""), revision=n)
    pics = pictures({k: v for k, v in (("scan_and_socket", scan_picture), ("trends", trend_png))
                     if v})
    files = [{"path": str(o.get("path") or ""), "format": f.text(o.get("format")),
              "triangles": f.num(o.get("triangles"), 0), "volume": f.num(o.get("volume_ml"), 1)}
             for o in rep.get("outputs") or [] if isinstance(o, dict)]
    tpl = record.get("template") or {}
    about = [{"label": N_("Side"), "value": f.text(c.get("side"))},
             {"label": N_("Level"),
              "value": f.text(str(c.get("amputation_level") or "").replace("_", " "))},
             {"label": N_("Designed"), "value": f"{f.text(record.get('created_utc'))} by "
                                                 f"{f.text(record.get('author') or None)}"},
             {"label": N_("Template"), "value": f"{f.text(tpl.get('preset'))} "
                                                 f"({f.text(tpl.get('builder'))})"},
             {"label": N_("Note"), "value": f.text(record.get("note") or None)}]
    chain = [{"label": N_("Case"), "value": f.text(c.get("case_id"))},
             {"label": N_("Revision"), "value": str(n)},
             {"label": N_("Scan"), "value": f"{record['scan']['id']} sha256 "
                                             f"{record['scan']['sha256']}", "mono": True},
             {"label": N_("Previous revision's record"),
              "value": f"sha256 {record.get('previous_sha256') or 'none (first revision)'}",
              "mono": True}]
    return {"page": page, "about": about, "warnings": warnings(rep, f), "pictures": pics,
            "measurements": _record_measurements(rep, f), "history": _trend_context(entries, f),
            "rectification": rectification(rep, f), "trim": _trim_rows(rep, f),
            "parameters": parameter_rows(rep, f),
            "template": [{"label": N_("Template"), "value": f.text(
                (rep.get("template") or {}).get("label") or (rep.get("template") or {}).get(
                    "name"))}, {"label": N_("Preset"), "value": f.text(
                        (rep.get("template") or {}).get("preset"))}],
            "checks": check_rows(rep, f), "files": files, "chain": chain,
            "record": record, "report": rep}


def record_html(case, record: dict, scan_picture: bytes | None, trend_png: bytes | None,
                entries: list[dict], *, lang: str = "en",
                templates_dir: str | os.PathLike | None = None) -> str:
    """The record page as HTML text (see :func:`write_record_html`)."""
    return render("record.html", record_context(case, record, scan_picture, trend_png,
                                                entries, lang),
                  lang=lang, templates_dir=templates_dir)


def write_record_html(case, record: dict, limb, socket, path: str | Path, *,
                      lang: str | None = None,
                      templates_dir: str | os.PathLike | None = None,
                      pdf: bool = True) -> None:
    """Write the record of ``record`` (a revision being filed) for the patient file, and
    its PDF (``record.pdf`` beside it) from the same page.

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
    lang, templates_dir
        The page's language (default the report's ``record.language``, else "en") and a
        clinic's templates folder.
    pdf : bool
        Write ``record.pdf``.  A PDF that cannot be made is left out (the record names the
        reason in ``record["report"]["warnings"]``); it never stops the filing.
    """
    entries = trends(case, common=False)
    rep = record.get("report") or {}
    if lang is None:
        lang = str((rep.get("record") or {}).get("language") or "en")
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
    side = ((rep.get("template") or {}).get("parameters") or {}).get("limb_side") \
        or (record.get("case") or {}).get("side")
    picture = socket_on_limb_png(limb, socket, side=side, lang=lang) \
        if limb is not None else None
    trend = trend_chart_png(entries, highlight=sid, lang=lang)
    path = Path(path)
    write_html_text(record_html(case, record, picture, trend, entries, lang=lang,
                                templates_dir=templates_dir), path)
    if pdf:
        try:
            write_pdf(path, path.with_suffix(".pdf"))
        except OutputError as exc:
            if isinstance(rep.get("warnings"), list):
                rep["warnings"].append(f"record.pdf not written: {exc}")
