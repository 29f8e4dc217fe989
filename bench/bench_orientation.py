"""Time to choose the print orientation of each part, and what it chose.

    .venv/bin/python bench/bench_orientation.py [--runs 5]

Per socket template's default preset on its shipped clean scan, and for the default insole
on the sample foot (built once, outside the timing): the median time of
:func:`prosthetics.printing.orientation.orientation_check` on a printer the part fits as designed
(``large_300``) and on one it is too tall for (``prusa_mk4``, 220 mm: the tilt search runs),
its ratio to the plain printer-fit check (:func:`prosthetics.printing.bed.bed_fit` on the
vertices, the check it replaced) in the same process, and the way up chosen with its support
estimate.  Median of ``--runs`` runs; the machine's cores as they are (2 here).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchutil import median_s  # noqa: E402

SCANS = {"transtibial": ROOT / "scans" / "source" / "transtibial_scan_a.stl",
         "transfemoral": ROOT / "scans" / "source" / "transfemoral_vh_f.stl",
         "transradial": ROOT / "scans" / "source" / "transradial_vh_m.stl"}


def parts():
    """(name, mesh) of each default part."""
    from prosthetics.design.insole import run_insole
    from prosthetics.design.registry import builders
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan

    SOCKET_BUILDERS = {n: (b.params, b.build) for n, b in builders("socket").items()}

    out = []
    for name, path in SCANS.items():
        limb = align_limb(clean_scan(load_scan(path))).mesh
        pclass, build = SOCKET_BUILDERS[name]
        out.append((name, build(limb, pclass())))
    out.append(("insole", run_insole(ROOT / "scans" / "foot_phone.ply").insole))
    return [(n, r.mesh) for n, r in out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from prosthetics.printing.bed import bed_fit
    from prosthetics.printing.orientation import orientation_check
    from prosthetics.printing.profiles import get_printer

    printers = [get_printer("large_300"), get_printer("prusa_mk4")]
    print(f"{'part':<13}{'faces':>8}  {'printer':<10}{'orient s':>9}{'fit s':>8}{'ratio':>7}  "
          f"chosen (height mm, support ml)")
    for name, mesh in parts():
        orientation_check(mesh, printers[0])            # warm up: imports, caches
        for pr in printers:
            t_or = median_s(lambda: orientation_check(mesh, pr), args.runs)
            t_fit = median_s(lambda: bed_fit(mesh.extents, pr,
                                                footprint_xy=mesh.vertices[:, :2]), args.runs)
            choice, fit, _w = orientation_check(mesh, pr)
            c = choice.chosen
            print(f"{name:<13}{len(mesh.faces):>8}  {pr.name:<10}{t_or:>9.3f}{t_fit:>8.3f}"
                  f"{t_or / t_fit:>7.1f}  {fit['orientation']} ({c.height_mm:.0f} mm, "
                  f"{c.support_ml:.0f} ml{'' if c.fits else ', does not fit'})")


if __name__ == "__main__":
    main()
