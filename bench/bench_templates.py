"""Build time of every socket template's default preset, and a picture of each.

    .venv/bin/python bench/bench_templates.py [--runs 5] [--pictures docs/images]

Per template, on its shipped clean scan (aligned once, outside the timing): the build of the
default preset cold (a fresh template cache: CadQuery interface parts made and tessellated)
and warm (cache kept, as the desktop application rebuilds), the STEP export (build, write,
size) and the ratio of each median to the transtibial template's in the same process.
Median of ``--runs`` runs; the machine's cores as they are (2 here).  With ``--pictures``
(needs a display: run under xvfb-run) it also renders each socket to
``DIR/template_<name>.png``.

Presets in ``WITH_HOLES`` (ventilation holes) are timed too, each against the same preset
with ``fenestration_count = 0`` in the same process: the cost of placing and cutting the
holes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCANS = {"transtibial": ROOT / "scans" / "source" / "transtibial_scan_a.stl",
         "transfemoral": ROOT / "scans" / "source" / "transfemoral_vh_f.stl",
         "transradial": ROOT / "scans" / "source" / "transradial_vh_m.stl"}


#: Fenestrated presets, timed against themselves without holes.
WITH_HOLES = ("transradial_ventilated",)


def aligned(path: Path):
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan

    return align_limb(clean_scan(load_scan(path))).mesh


def render(mesh, path: Path, title: str) -> None:
    """Two views (front-lateral and from below-behind) of a socket, PNG."""
    import numpy as np
    import pyvista as pv

    faces = np.hstack([np.full((len(mesh.faces), 1), 3), mesh.faces]).ravel()
    poly = pv.PolyData(mesh.vertices, faces)
    c = mesh.bounds.mean(axis=0)
    h = float(np.ptp(mesh.vertices[:, 2]))
    p = pv.Plotter(off_screen=True, shape=(1, 2), window_size=(1000, 620))
    views = [(c + [2.2 * h, -1.2 * h, 0.6 * h]), (c + [-1.0 * h, 2.0 * h, -1.3 * h])]
    for k, eye in enumerate(views):
        p.subplot(0, k)
        # Sharp edges split: the rims of holes and letters stay crisp.
        p.add_mesh(poly, color="#c9d6e3", smooth_shading=True, split_sharp_edges=True,
                   specular=0.2)
        p.camera_position = [tuple(eye), tuple(c), (0, 0, 1)]
        if k == 0:
            p.add_text(title, font_size=10)
    p.screenshot(str(path))
    p.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pictures", default=None, help="folder for template_<name>.png")
    ap.add_argument("--holes-only", action="store_true",
                    help="only the presets with ventilation holes (WITH_HOLES)")
    args = ap.parse_args()

    from prosthetics.design.registry import BUILDERS
    from prosthetics.design.session import parameter_groups, resolve_template
    from prosthetics.geometry.step import write_step
    from prosthetics.sockets.engine import TemplateCache

    print(f"cores: {os.cpu_count()}, runs: {args.runs} (median)")
    rows = {}
    for name in [] if args.holes_only else sorted(BUILDERS, key=lambda n: n != "transtibial"):
        limb = aligned(SCANS[name])
        preset = resolve_template(name)
        params = parameter_groups(preset)["template"].replace(label_case_id="BENCH-1")
        _cls, build = BUILDERS[name]
        cold, warm = [], []
        warm_cache = TemplateCache()
        build(limb, params, warm_cache)
        for _ in range(args.runs):
            t = time.perf_counter()
            sock = build(limb, params, TemplateCache())
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            build(limb, params, warm_cache)
            warm.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp:
            step = write_step(sock.mesh, Path(tmp) / "s.step")
        rows[name] = {"cold": statistics.median(cold), "warm": statistics.median(warm),
                      "triangles": len(sock.mesh.faces), "step": step}
        if args.pictures:
            out = Path(args.pictures)
            out.mkdir(parents=True, exist_ok=True)
            render(sock.mesh, out / f"template_{name}.png", f"{preset.label}")
    holes = {}
    for name in WITH_HOLES:
        preset = resolve_template(name)
        params = parameter_groups(preset)["template"].replace(label_case_id="BENCH-1")
        _cls, build = BUILDERS[preset.builder]
        limb = aligned(SCANS[preset.builder])
        plain = params.replace(fenestration_count=0)
        times = {"holes": [], "plain": []}
        cache = TemplateCache()
        build(limb, params, cache)
        for _ in range(args.runs):
            for key, prm in (("plain", plain), ("holes", params)):
                t = time.perf_counter()
                sock = build(limb, prm, cache)
                times[key].append(time.perf_counter() - t)
        fen = sock.fenestrations
        holes[name] = {k: statistics.median(v) for k, v in times.items()}
        holes[name]["placed"] = fen.placed
        holes[name]["triangles"] = len(sock.mesh.faces)
        if args.pictures:
            render(sock.mesh, Path(args.pictures) / f"template_{name}.png",
                   f"{preset.label}: {fen.placed} holes of {fen.diameter_mm:g} mm")
    base = rows.get("transtibial")
    if base:
        print(f"{'template':<13} {'build cold s':>12} {'ratio':>6} {'warm s':>7} {'ratio':>6} "
              f"{'triangles':>9} {'STEP s':>7} {'STEP MB':>8}")
    for name, r in rows.items():
        print(f"{name:<13} {r['cold']:12.2f} {r['cold'] / base['cold']:6.2f} {r['warm']:7.2f} "
              f"{r['warm'] / base['warm']:6.2f} {r['triangles']:9d} {r['step']['seconds']:7.1f} "
              f"{r['step']['bytes'] / 1e6:8.1f}")

    if holes:
        print(f"\n{'preset (warm cache)':<24} {'holes':>5} {'with holes s':>12} "
              f"{'without s':>9} {'ratio':>6} {'triangles':>9}")
        for name, r in holes.items():
            print(f"{name:<24} {r['placed']:5d} {r['holes']:12.2f} {r['plain']:9.2f} "
                  f"{r['holes'] / r['plain']:6.2f} {r['triangles']:9d}")


if __name__ == "__main__":
    main()
