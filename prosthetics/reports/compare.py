"""The comparison of two scans of one limb as files: compare.json, deviation.png,
compare.html (the page ``compare.html`` of the report templates) and compare.pdf."""

from __future__ import annotations

import json
import os

from prosthetics.fileio import Staging
from prosthetics.limb.compare import Comparison, signed_distance_to
from prosthetics.reports.context import Fmt, compare_context
from prosthetics.reports.i18n import N_
from prosthetics.reports.pictures import deviation_png
from prosthetics.reports.templating import render, write_pdf


def write_comparison(comp: Comparison, out_dir: str | os.PathLike, *, lang: str = "en",
                     templates_dir: str | os.PathLike | None = None,
                     pdf: bool = True) -> list[str]:
    """Write compare.json, deviation.png, compare.html and compare.pdf into ``out_dir``,
    atomically.

    ``lang`` and ``templates_dir`` are those of the report pages
    (:func:`prosthetics.reports.templating.render`).  The PDF never fails the comparison:
    when it cannot be made, compare.json's ``warnings`` say why and the rest is written.
    """
    with Staging(out_dir) as st:
        tmp = st.tmp
        r = comp.report
        f = Fmt(lang)
        title = f.gettext(N_("B against A: volume %(volume)s (%(plies)s sock plies)"),
                          volume=f.iso(f"{r['volume_change_percent']:+.2f} %"),
                          plies=f.iso(f"{r['sock_ply_equivalent']:+.2f}"))
        png = deviation_png(comp.b, lambda p: signed_distance_to(comp.a, p), title=title,
                            lang=lang)
        (tmp / "deviation.png").write_bytes(png)
        (tmp / "compare.json").write_text(json.dumps(r, indent=2), encoding="utf-8")
        page = render("compare.html", compare_context(r, png, lang), lang=lang,
                      templates_dir=templates_dir)
        (tmp / "compare.html").write_text(page, encoding="utf-8")
        if pdf:
            try:
                write_pdf(tmp / "compare.html", tmp / "compare.pdf")
            except Exception as exc:  # noqa: BLE001 - the PDF is never the comparison
                (tmp / "compare.pdf").unlink(missing_ok=True)
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                r.setdefault("warnings", []).append(f"compare.pdf not written: {why}")
                (tmp / "compare.json").write_text(json.dumps(r, indent=2), encoding="utf-8")
        return [str(p) for p in st.publish()]
