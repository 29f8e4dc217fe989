"""Copy the foot reference data into scans/source/ and make the phone-like foot sample.

    python scripts/make_foot_samples.py [--shared /work/shared/data] [--seed 2026]

1. ``scans/source/plantar_scan.obj``: the Techmed3D plantar scan, copied as it is (mm).
2. ``scans/source/foot_template_decimated.ply``: the FIND foot template (metres, 44,393
   vertices) decimated by quadric decimation (Open3D) to 20,000 triangles and kept in
   metres, as a binary PLY mesh (about 0.4 MB instead of 3 MB).  Skipped with ``--no-copy``
   (CI has no access to the shared data: the copies are in the repository).
3. ``scans/foot_phone.ply``: a phone-like scan of the plantar scan (binary PLY point cloud
   in metres: floor, 2 % stray points, 0.5 mm noise, a random pose; no hole: the sole must
   be seen) and ``scans/foot_phone.truth.json`` (the 4x4 transform laying the source, mm,
   onto the PLY).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import trimesh

from prosthetics.scan.phonescan import make_phone_scan, write_ply

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "scans" / "source"
PLANTAR = SOURCE_DIR / "plantar_scan.obj"
TEMPLATE = SOURCE_DIR / "foot_template_decimated.ply"

#: The settings every phone-like foot scan uses (the sample and the tests).
FOOT_PHONE = {"n_points": 150_000, "noise_mm": 0.5, "stray_fraction": 0.02,
              "hole_fraction": 0.0, "hand": False, "floor": True, "units": "m"}


def copy_sources(shared: Path) -> None:
    feet = shared / "feet"
    SOURCE_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(feet / "plantar_scan.obj", PLANTAR)
    shutil.copyfile(shared / "licenses" / "insoleTilter-MIT.txt",
                    SOURCE_DIR / "insoleTilter-LICENSE.txt")
    shutil.copyfile(shared / "licenses" / "FOCUS-MIT.txt", SOURCE_DIR / "FOCUS-LICENSE.txt")
    import open3d as o3d

    m = trimesh.load(feet / "foot_template_metres.obj", process=False)
    om = o3d.geometry.TriangleMesh(o3d.utility.Vector3dVector(m.vertices),
                                   o3d.utility.Vector3iVector(m.faces))
    om = om.simplify_quadric_decimation(target_number_of_triangles=20_000)
    dec = trimesh.Trimesh(np.asarray(om.vertices), np.asarray(om.triangles), process=True)
    dec.export(TEMPLATE, file_type="ply", encoding="binary")
    print(f"wrote {TEMPLATE} ({len(dec.faces)} triangles, watertight {dec.is_watertight}, "
          f"volume {dec.volume * 1e6:.1f} ml against {m.volume * 1e6:.1f} ml)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared/data")
    ap.add_argument("--no-copy", action="store_true")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    if not args.no_copy:
        copy_sources(Path(args.shared))
    truth = trimesh.load(PLANTAR, process=False)
    ps = make_phone_scan(truth, seed=args.seed, **FOOT_PHONE)
    out = ROOT / "scans" / "foot_phone.ply"
    write_ply(out, ps.points, ps.colors)
    meta = {"source": "scans/source/plantar_scan.obj", "seed": args.seed, **FOOT_PHONE,
            "points": len(ps.points), "truth_to_file": ps.truth_to_file.tolist()}
    out.with_suffix(".truth.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out} ({len(ps.points)} points) and {out.with_suffix('.truth.json').name}")


if __name__ == "__main__":
    main()
