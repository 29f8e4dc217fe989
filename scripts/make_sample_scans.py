"""Make the phone-like sample scan in scans/ from the clean limb scan, with its truth.

    python scripts/make_sample_scans.py [--seed 2026] [--points 150000]

Writes scans/transtibial_phone.ply (binary PLY point cloud in metres with colours: floor,
hand, stray points, noise, a hole, a random pose) and scans/transtibial_phone.truth.json
(the 4x4 transform that lays scans/source/transtibial_scan_a.stl onto the PLY).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import trimesh

from prosthetics.scan.phonescan import make_phone_scan, write_ply

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "scans" / "source" / "transtibial_scan_a.stl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--points", type=int, default=150_000)
    ap.add_argument("--out", default=str(ROOT / "scans" / "transtibial_phone.ply"))
    args = ap.parse_args()
    truth = trimesh.load(SOURCE, process=False)
    ps = make_phone_scan(truth, seed=args.seed, n_points=args.points)
    out = Path(args.out)
    write_ply(out, ps.points, ps.colors)
    meta = {"source": "scans/source/transtibial_scan_a.stl", "seed": args.seed,
            "points": len(ps.points), "units": ps.units, "noise_mm": 0.5,
            "stray_fraction": 0.02, "hole_area_fraction": round(ps.hole_area_fraction, 4),
            "truth_to_file": ps.truth_to_file.tolist()}
    out.with_suffix(".truth.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out} ({len(ps.points)} points) and {out.with_suffix('.truth.json').name}")


if __name__ == "__main__":
    main()
