"""Time and memory of `prosthetics design` on a phone-like scan of 600,000 points.

    .venv/bin/python bench/bench_design.py [--points 600000] [--runs 3] [--slice]

Each run is a fresh process (so peak memory is that run's own), on a scan made by the seeded
generator from the shipped clean limb.  Prints the per-stage median over the runs, and the
ratio to a baseline run in the same process of this script: the 150,000-point sample.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from prosthetics.design.session import run_design, write_design
t_import = time.perf_counter() - t0
scan, out, slice_ = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
t = time.perf_counter()
d = run_design(scan, settings={"slice": str(slice_)})
r = write_design(d, out)
wall = time.perf_counter() - t
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({"timings": r["timings_s"], "wall_s": wall, "import_s": t_import,
                  "peak_mb": peak_mb, "triangles": r["checks"]["triangles"],
                  "min_wall_mm": r["checks"]["min_wall_mm"]}))
"""


def run_once(scan: Path, slice_: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(scan), out, "1" if slice_ else "0"],
                              capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            raise SystemExit(proc.stderr)
        return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(scan: Path, runs: int, slice_: bool) -> dict:
    results = [run_once(scan, slice_) for _ in range(runs)]
    stages = results[0]["timings"].keys()
    return {"stages": {k: statistics.median(r["timings"][k] for r in results) for k in stages},
            "wall_s": statistics.median(r["wall_s"] for r in results),
            "import_s": statistics.median(r["import_s"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results),
            "runs": runs, "triangles": results[0]["triangles"],
            "min_wall_mm": results[0]["min_wall_mm"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=600_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slice", action="store_true", help="also slice with PrusaSlicer")
    args = ap.parse_args()

    import trimesh

    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"phone_{args.points}.ply"
        truth = trimesh.load(ROOT / "scans" / "source" / "transtibial_scan_a.stl", process=False)
        ps = make_phone_scan(truth, seed=600, n_points=args.points)
        write_ply(big, ps.points, ps.colors)
        base = bench(ROOT / "scans" / "transtibial_phone.ply", args.runs, args.slice)
        res = bench(big, args.runs, args.slice)

    print(f"prosthetics design, median of {args.runs} runs, {os.cpu_count()} cores"
          f"{' (with slicing)' if args.slice else ' (slicing off)'}")
    print(f"{'stage':<12} {'150k sample s':>14} {f'{args.points // 1000}k scan s':>14} {'ratio':>7}")
    for k in res["stages"]:
        if k == "total":
            continue
        b, v = base["stages"].get(k, float("nan")), res["stages"][k]
        print(f"{k:<12} {b:14.2f} {v:14.2f} {v / b if b else float('nan'):7.2f}")
    print(f"{'pipeline':<12} {base['wall_s']:14.2f} {res['wall_s']:14.2f} "
          f"{res['wall_s'] / base['wall_s']:7.2f}   (run_design + write_design)")
    print(f"{'imports':<12} {base['import_s']:14.2f} {res['import_s']:14.2f}")
    print(f"{'peak MB':<12} {base['peak_mb']:14.0f} {res['peak_mb']:14.0f} "
          f"{res['peak_mb'] / base['peak_mb']:7.2f}   (max resident set of the process)")
    print(f"socket: {res['triangles']} triangles, thinnest wall {res['min_wall_mm']} mm")


if __name__ == "__main__":
    main()
