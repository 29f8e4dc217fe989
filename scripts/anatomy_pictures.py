"""Pictures of the shape model fitted to phone-like scans of limbs whose bones are known.

    .venv/bin/python scripts/anatomy_pictures.py [--seeds 0 5 7] [--out docs/images/anatomy_fit.png]

Each seed is a case of ``bench/anatomy_cases.py`` (a limb of an earlier OpenLimbTT release,
which the shipped model was not built from, made into a phone-like scan).  The design
pipeline cleans and aligns it and fits the model; the picture shows the fitted bones inside
the limb, from the front and the side, the fitted landmarks (dots), the same landmarks of the
limb's true bones laid into the design frame (crosses) and the anterior trim the design uses.
The sample scan that ships in ``scans/`` is drawn last, without truth.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

import numpy as np
import trimesh

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from anatomy_cases import make_case  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from prosthetics.design.session import DesignSession  # noqa: E402
from prosthetics.reports.pictures import anatomy_png, png_bytes  # noqa: E402
from prosthetics.scan.phonescan import write_ply  # noqa: E402

SHOWN = ("patella_centre", "mid_patellar_tendon", "fibular_head", "distal_tibia")
WORDS = {"patella_centre": "mid-patella", "mid_patellar_tendon": "MPT",
         "fibular_head": "fibular head", "distal_tibia": "distal tibia"}


def picture(scan: Path, title: str, settings: dict, truth_to_file=None, truth=None) -> bytes:
    s = DesignSession(scan, template="transtibial", settings=settings)
    s.update(until="template")
    fit = s.results["align"].anatomy
    sock = s.results["template"]
    if fit is None:
        raise SystemExit(f"{title}: the shape model did not fit")
    parts = fit.parts()
    parts.pop("skin")
    marks = {k: fit.landmarks[k] for k in SHOWN}
    known = None
    if truth is not None:
        t = s.scan_to_design @ truth_to_file
        known = {k: trimesh.transform_points(np.asarray(truth[k])[None], t)[0] for k in SHOWN}
        err = {k: np.linalg.norm(known[k] - marks[k]) for k in SHOWN}
        title += " — " + ", ".join(f"{WORDS[k]} {v:.0f} mm" for k, v in err.items())
    return anatomy_png(s.results["align"].mesh, parts, marks, truth=known, title=title,
                       trim_z_mm=sock.trim_anterior_z_mm)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 4, 7])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "anatomy_fit.png")
    args = ap.parse_args(argv)
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            case = make_case("openlimb", seed)
            scan = case.phone_scan()
            path = Path(tmp) / f"case{seed}.ply"
            write_ply(path, scan.points, scan.colors)
            images.append(picture(path, f"{case.source} ({case.side})",
                                  {"limb_side": case.side, "slice": "false"},
                                  scan.truth_to_file, case.landmarks))
            print(f"seed {seed}: {case.name}")
    images.append(picture(ROOT / "scans" / "transtibial_phone.ply", "sample scan", {}))
    fig = Figure(figsize=(11, 7.2 * len(images)))
    for k, png in enumerate(images):
        ax = fig.add_subplot(len(images), 1, k + 1)
        ax.imshow(imread(io.BytesIO(png), format="png"))
        ax.axis("off")
    fig.subplots_adjust(left=0, right=1, top=1, bottom=0, hspace=0.02)
    args.out.write_bytes(png_bytes(fig))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
