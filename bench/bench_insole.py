"""Time for one insole on 2 cores: `prosthetics insole` on the sample, median of several runs.

    .venv/bin/python bench/bench_insole.py [--runs 5] [--slice] [--cadquery-surface]

The process is pinned to 2 cores (and BLAS/OpenMP to 2 threads) before numpy is imported,
and its geometry cache is a temporary folder.  One warm-up run pays the imports; then each
run does the whole in-memory pipeline on scans/foot_phone.ply (load, clean, frame, height
map, measurements, template, checks) and writes STL, 3MF and the reports (no slicing
unless --slice), alternately:

- **cold cache**: an empty geometry cache, so the outline solids are built with CadQuery
  (already imported by the warm-up);
- **warm cache**: the cache the runs before filled, so the outline solids are read from it.

Prints the per-stage medians of both, and the ratio of the warm runs to a baseline in the
same process: the template on a 3 mm surface grid instead of 1.5 mm (warm cache too).  Last,
one run in a fresh process on the warm cache, as `prosthetics insole` makes it: its imports
included, and whether it loaded CadQuery (it should not).

``--cadquery-surface`` also times, once, the route the template does not take: the top as
a B-spline surface (CadQuery ``Face.makeSplineApprox``) through the same height field on a
5 mm grid (the coarsest the template allows), swept down and intersected with the outline prism (OCC), to show why.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "2"
if hasattr(os, "sched_setaffinity"):
    cores = sorted(os.sched_getaffinity(0))[:2]
    os.sched_setaffinity(0, cores)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from prosthetics.cache import CACHE_ENV_VAR  # noqa: E402

#: One run in a fresh process: wall time, stage timings and whether CadQuery was loaded.
FRESH = """
import json, sys, time
t = time.perf_counter()
from prosthetics.design.insole import run_insole, write_insole
r = write_insole(run_insole(sys.argv[1], settings=json.loads(sys.argv[3])), sys.argv[2])
print(json.dumps({"wall": time.perf_counter() - t, "timings_s": r["timings_s"],
                  "cadquery": "cadquery" in sys.modules or "OCP" in sys.modules}))
"""


def one_run(scan, out, settings, cache_dir):
    from prosthetics.design.insole import run_insole, write_insole

    os.environ[CACHE_ENV_VAR] = str(cache_dir)
    t = time.perf_counter()
    d = run_insole(scan, settings=settings)
    r = write_insole(d, out)
    return time.perf_counter() - t, r


def cadquery_surface(design, grid_mm: float = 5.0) -> dict:
    """The B-spline route for the top, timed once (see the module docstring)."""
    import cadquery as cq
    from OCP.BRepPrimAPI import BRepPrimAPI_MakePrism
    from OCP.gp import gp_Vec

    from prosthetics.insoles.template import InsoleParams, _prism, insole_outline, top_height_field

    foot = design.foot
    p = InsoleParams(surface_grid_mm=grid_mm)
    outline, _ = insole_outline(foot, p)
    top = top_height_field(foot, p, outline)
    T = np.maximum(top["z"], -2.0)
    t = time.perf_counter()
    pts = [[cq.Vector(float(x), float(y), float(T[i, j])) for j, y in enumerate(top["ys"])]
           for i, x in enumerate(top["xs"])]
    face = cq.Face.makeSplineApprox(pts, tol=0.05, minDeg=3, maxDeg=3)
    t_face = time.perf_counter() - t
    below = cq.Solid(BRepPrimAPI_MakePrism(face.wrapped, gp_Vec(0, 0, -60.0)).Shape())
    t = time.perf_counter()
    try:
        body = _prism(outline, -3.0, float(T.max()) + 5).intersect(below)
        volume, valid = body.Volume() / 1000.0, body.isValid()
    except Exception as exc:  # OCC has returned null shapes here
        volume, valid = float("nan"), f"failed: {type(exc).__name__}: {exc}"
    t_common = time.perf_counter() - t
    return {"grid_mm": grid_mm, "poles": T.shape, "surface_s": t_face, "common_s": t_common,
            "volume_ml": volume, "valid": valid,
            "mesh_route_volume_ml": design.insole.mesh.volume / 1000.0}


def _print_stages(label: str, walls: list, stages: dict) -> float:
    med = statistics.median(walls)
    print(f"\n{label}: median {med:.2f} s (min {min(walls):.2f}, max {max(walls):.2f}) over "
          f"{len(walls)} runs")
    print(f"{'stage':<28} {'median s':>9}")
    for k, v in stages.items():
        print(f"{k:<28} {statistics.median(v):9.3f}")
    return med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slice", action="store_true")
    ap.add_argument("--cadquery-surface", action="store_true")
    ap.add_argument("--scan", default=str(ROOT / "scans" / "foot_phone.ply"))
    args = ap.parse_args()
    settings = {"slice": "true" if args.slice else "false"}
    print(f"cores: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}"
          f"; scan {Path(args.scan).name}; runs {args.runs}; load average "
          f"{os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm_cache = tmp / "cache"
        t = time.perf_counter()
        _w, r = one_run(args.scan, tmp / "warm", settings, warm_cache)
        print(f"warm-up (imports and CadQuery included, cold cache): "
              f"{time.perf_counter() - t:.2f} s")
        walls = {"cold": [], "warm": []}
        stages = {"cold": {}, "warm": {}}
        base = []
        for i in range(args.runs):
            for kind in ("cold", "warm"):
                cache_dir = tmp / f"empty{i}" if kind == "cold" else warm_cache
                w, r = one_run(args.scan, tmp / f"{kind}{i}", settings, cache_dir)
                walls[kind].append(w)
                for k, v in r["timings_s"].items():
                    stages[kind].setdefault(k, []).append(v)
            w, _ = one_run(args.scan, tmp / f"b{i}", {**settings, "surface_grid_mm": "3"},
                           warm_cache)
            base.append(w)
        _print_stages("one insole, whole pipeline with files, cold cache (outline solids "
                      "built)", walls["cold"], stages["cold"])
        med = _print_stages("one insole, whole pipeline with files, warm cache",
                            walls["warm"], stages["warm"])
        mb = statistics.median(base)
        print(f"\nbaseline, 3 mm surface grid (warm cache): median {mb:.2f} s; warm 1.5 mm / "
              f"3 mm = {med / mb:.2f}")
        print(f"insole: {r['checks']['triangles']} triangles, {r['checks']['volume_ml']:.1f} ml, "
              f"top vs plantar p95 {r['insole']['measured']['top_vs_plantar_mm']['p95']} mm")
        env = {**os.environ, CACHE_ENV_VAR: str(warm_cache)}
        proc = subprocess.run([sys.executable, "-c", FRESH, args.scan, str(tmp / "fresh"),
                               json.dumps(settings)], env=env, capture_output=True, text=True,
                              check=True)
        fresh = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"\na fresh process on the warm cache (imports included): {fresh['wall']:.2f} s; "
              f"template {fresh['timings_s']['template']:.2f} s; CadQuery loaded: "
              f"{'yes' if fresh['cadquery'] else 'no'}")
    if args.cadquery_surface:
        from prosthetics.design.insole import run_insole

        d = run_insole(args.scan, settings=settings)
        res = cadquery_surface(d)
        print(f"\nCadQuery B-spline top on a {res['grid_mm']:g} mm grid ({res['poles'][0]} x "
              f"{res['poles'][1]} points): surface {res['surface_s']:.2f} s, common with the "
              f"outline {res['common_s']:.1f} s, volume {res['volume_ml']:.1f} ml (valid "
              f"{res['valid']}); the mesh route's insole: {res['mesh_route_volume_ml']:.1f} ml")


if __name__ == "__main__":
    main()
