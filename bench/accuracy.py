"""Accuracy against ground truth on phone-like scans of the shipped clean limb.

    .venv/bin/python bench/accuracy.py [--seeds 1 2 3 4 5] [--points 150000]

For each seed the generator makes a phone-like scan (metres, random pose, floor, hand, 0.5 mm
noise, 2 % strays, a 10 % hole); the pipeline cleans and aligns it; the truth is laid into the
design frame with the reported transform and compared both ways:

- cleaned limb vs truth, over what both cover (below the cleaned rim);
- with reduction_percent=0 and liner_offset_mm=0, the socket's cavity vs truth below the
  posterior trim line, and the cavity volume below it vs the truth's;
- the thinnest wall measured on the final mesh.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import trimesh

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prosthetics.geometry.meshing import SurfaceQuery  # noqa: E402
from prosthetics.limb.align import align_limb  # noqa: E402
from prosthetics.limb.measure import proximal_rim_z, volume_below  # noqa: E402
from prosthetics.printing.checks import measure_wall  # noqa: E402
from prosthetics.scan.clean import clean_scan  # noqa: E402
from prosthetics.scan.loaders import load_scan  # noqa: E402
from prosthetics.scan.phonescan import make_phone_scan, write_ply  # noqa: E402
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial  # noqa: E402


def both_ways(surface, truth, z_max, n=40_000):
    a, _ = trimesh.sample.sample_surface(surface, n, seed=1)
    b, _ = trimesh.sample.sample_surface(truth, n, seed=2)
    a, b = a[a[:, 2] < z_max], b[b[:, 2] < z_max]
    return SurfaceQuery(truth).distance(a), SurfaceQuery(surface).distance(b)


def fmt(d):
    return f"{d.mean():5.2f} {np.percentile(d, 95):5.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--points", type=int, default=150_000)
    args = ap.parse_args()
    truth = trimesh.load(ROOT / "scans" / "source" / "transtibial_scan_a.stl", process=False)
    print("distances in mm as 'mean p95'; bounds: mean < 0.5, p95 < 1.5, volume within 1 %")
    print(f"{'seed':>4} | {'limb->truth':>11} {'truth->limb':>11} | {'cavity->truth':>13} "
          f"{'truth->cavity':>13} | {'vol err %':>9} | {'wall 5mm':>8}")
    rows = []
    for seed in args.seeds:
        ps = make_phone_scan(truth, seed=seed, n_points=args.points)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "phone.ply"
            write_ply(path, ps.points, ps.colors)
            scan = load_scan(path)
            aligned = align_limb(clean_scan(scan))
        t = aligned.transform @ scan.file_to_mm @ ps.truth_to_file
        tr = truth.copy().apply_transform(t)
        limb = aligned.mesh
        d1, d2 = both_ways(limb, tr, proximal_rim_z(limb))
        exact = build_transtibial(limb, TranstibialParams(reduction_percent=0.0, liner_offset_mm=0.0))
        zt = exact.trim_lowest_z_mm
        d3, d4 = both_ways(exact.inner_surface, tr, zt)
        v_err = 100 * (exact.inner_volume_below_ml(zt) / (volume_below(tr, zt) / 1000.0) - 1)
        sock = build_transtibial(limb, TranstibialParams())
        w = measure_wall(sock.mesh, sock.inner_surface, sock.adapter.pedestal_top_z_mm + 1.0,
                         float(sock.wall_target_mm.max()) + 0.5)["min_wall_mm"]
        rows.append((d1, d2, d3, d4, v_err, w))
        print(f"{seed:>4} | {fmt(d1):>11} {fmt(d2):>11} | {fmt(d3):>13} {fmt(d4):>13} | "
              f"{v_err:9.2f} | {w:8.3f}")
    worst_mean = max(max(r[i].mean() for i in range(4)) for r in rows)
    worst_p95 = max(max(np.percentile(r[i], 95) for i in range(4)) for r in rows)
    print(f"worst: mean {worst_mean:.2f} mm, p95 {worst_p95:.2f} mm, volume "
          f"{max(abs(r[4]) for r in rows):.2f} %, thinnest wall {min(r[5] for r in rows):.3f} mm")


if __name__ == "__main__":
    main()
