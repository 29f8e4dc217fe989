"""The comparison of two scans of one limb as files: compare.json, deviation.png, compare.html."""

from __future__ import annotations

import base64
import html
import json
import os

from prosthetics.fileio import Staging
from prosthetics.limb.compare import Comparison, signed_distance_to
from prosthetics.reports.pictures import deviation_png


def write_comparison(comp: Comparison, out_dir: str | os.PathLike) -> list[str]:
    """Write compare.json, deviation.png and compare.html into ``out_dir``, atomically."""
    with Staging(out_dir) as st:
        tmp = st.tmp
        r = comp.report
        png = deviation_png(comp.b, lambda p: signed_distance_to(comp.a, p),
                            title=f"B against A: volume {r['volume_change_percent']:+.2f} % "
                                  f"({r['sock_ply_equivalent']:+.2f} sock plies)")
        (tmp / "deviation.png").write_bytes(png)
        (tmp / "compare.json").write_text(json.dumps(r, indent=2), encoding="utf-8")
        rows = "".join(f"<tr><td>{c['z_mm']:.0f}</td><td>{c['a_mm']:.1f}</td><td>{c['b_mm']:.1f}"
                       f"</td><td>{c['change_mm']:+.1f}</td><td>{c['a_tape_mm']:.1f}</td>"
                       f"<td>{c['b_tape_mm']:.1f}</td><td>{c['tape_change_mm']:+.1f}</td></tr>"
                       for c in r["circumferences"])
        dev = r["deviation_mm"]
        reg = r["registration"]
        esc = html.escape
        change = reg.get("uniform_change_mm") or {}
        fitted = (f"; fitted uniform change {change['along_normals']:+.2f} mm along the skin's "
                  f"normals and {change['away_from_axis']:+.2f} mm away from the axis, B's distal "
                  f"end {reg['distal_end_rise_mm']:+.2f} mm along the axis from A's"
                  if change else "")
        distal = ("" if dev.get("distal_mean") is None else
                  f", at the distal end (within {dev['distal_within_mm']:.0f} mm of it) "
                  f"{dev['distal_mean']:+.2f} mm")
        page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Scan comparison</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto}}td,th{{padding:2px 10px;
text-align:right;border-bottom:1px solid #ddd}}img{{max-width:100%}}</style></head><body>
<h1>Scan comparison</h1>
<p>A: scan {esc(r['a']['scan_id'])}<br>B: scan {esc(r['b']['scan_id'])}</p>
<table><tr><th>volume A below z = {r['common_top_z_mm']:.0f} mm</th><td>{r['volume_a_ml']:.1f} ml</td></tr>
<tr><th>volume B below it</th><td>{r['volume_b_ml']:.1f} ml</td></tr>
<tr><th>change</th><td>{r['volume_change_ml']:+.1f} ml ({r['volume_change_percent']:+.2f} %,
{r['sock_ply_equivalent']:+.2f} sock plies)</td></tr>
<tr><th>deviation of B from A</th><td>mean {dev['mean']:+.2f} mm, 95th percentile of |d|
{dev['p95']:.2f} mm, range {dev['min']:+.2f} to {dev['max']:+.2f} mm{distal}</td></tr>
<tr><th>registration</th><td>{esc(reg['method'])}{esc(fitted)}</td></tr>
<tr><th>registration residual</th><td>{reg['residual_rms_mm']:.2f} mm RMS:
{esc(reg['residual_measures'])}</td></tr></table>
<img alt="deviation map" src="data:image/png;base64,{base64.b64encode(png).decode()}">
<h2>Circumference by level</h2>
<p>Levels from each limb's distal end. The perimeter follows every hollow of the section; a tape
measure bridges the hollows and reads the perimeter of the section's convex hull (the tape
columns), which is what a prosthetist's tape gives.</p>
<table><tr><th>z (mm)</th><th>perimeter A (mm)</th><th>perimeter B (mm)</th>
<th>change (mm)</th><th>tape A (mm)</th><th>tape B (mm)</th><th>tape change (mm)</th></tr>
{rows}</table></body></html>"""
        (tmp / "compare.html").write_text(page, encoding="utf-8")
        return [str(p) for p in st.publish()]
