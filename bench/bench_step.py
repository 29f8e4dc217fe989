"""The socket's STEP file (smooth B-rep) per preset: size, faces, build, read-back, match.

    .venv/bin/python bench/bench_step.py [--runs 3] [--presets transtibial,transradial]

Per preset, on the phone scan of its limb shipped in scans/ (transtibial: the sample;
transradial: the forearm; transfemoral: the thigh), the design is run once (no slicing) and
its STL written; then the STEP is made as ``prosthetics design --format step`` makes it
(:func:`prosthetics.design.socket_writer._write_step`: its own process, the B-rep checked
against the STL) and the file read back with CadQuery (``cadquery.importers.importStep``,
median of ``--runs``).  Printed per preset: whether the STEP was written (or why not), its
size, its faces by kind, the B-rep's build time inside its process (median of ``--runs``
builds in this process, and the whole STEP step with its process start, check and write
once), the read-back time, the volume difference and the surface distances both ways.
``--no-fillet`` sets ``distal_blend_radius_mm = 0`` (every preset has a distal fillet ring).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchutil import median_s  # noqa: E402

LIMB_OF = {"transtibial": "transtibial_phone.ply", "transradial": "transradial_phone.ply",
           "transfemoral": "transfemoral_phone.ply"}
PRESETS = ("transtibial", "transtibial_active", "transtibial_ptb", "transtibial_skin",
           "transtibial_child", "transradial", "transradial_child", "transradial_ventilated",
           "transfemoral", "transfemoral_quadrilateral", "transfemoral_child")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--no-fillet", action="store_true",
                    help="set distal_blend_radius_mm = 0 (no distal fillet ring)")
    args = ap.parse_args(argv)

    import cadquery as cq

    from prosthetics.design.session import run_design
    from prosthetics.design.socket_writer import _write_step
    from prosthetics.sockets.brep_socket import socket_brep

    rows = []
    for preset in args.presets.split(","):
        scan = ROOT / "scans" / LIMB_OF[preset.split("_")[0]]
        settings = {"slice": "false"}
        if args.no_fillet:
            settings["distal_blend_radius_mm"] = "0"
        design = run_design(scan, template=preset, settings=settings)
        with tempfile.TemporaryDirectory() as tmp:
            stl = Path(tmp) / "socket.stl"
            design.print_part.export(stl)
            step = Path(tmp) / "socket.step"
            t = time.perf_counter()
            info, why = _write_step(design, step, stl)
            whole = time.perf_counter() - t
            if info is None:
                rows.append((preset, scan.name, why))
                print(f"{preset}: {why}", flush=True)
                continue
            if info["kind"] == "faceted":
                why = f"faceted STEP: {info['check']['why_not_smooth']}"
                rows.append((preset, scan.name, why))
                print(f"{preset}: {why}", flush=True)
                continue
            build = median_s(lambda: socket_brep(design.socket_result), args.runs)
            read = median_s(lambda: cq.importers.importStep(str(step)), args.runs)
            size = step.stat().st_size
        c = info["check"]
        rows.append((preset, scan.name, None))
        print(f"{preset} ({scan.name}): {size / 1e6:.2f} MB, faces {info['faces']}, build "
              f"{build:.2f} s (median of {args.runs}; parts {info['made']['timings_s']}), "
              f"whole STEP step {whole:.1f} s (process, build, check {info['check_s']:.1f} s, "
              f"write {info['write_s']:.2f} s), read back {read:.2f} s; volume "
              f"{c['volume_brep_ml']:.2f} ml vs STL {c['volume_mesh_ml']:.2f} ml "
              f"({c['volume_difference_percent']:+.3f} %); B-rep to STL mean "
              f"{c['brep_to_mesh_mean_mm']:.3f} / p99 {c['brep_to_mesh_p99_mm']:.3f} / max "
              f"{c['brep_to_mesh_max_mm']:.3f} mm; STL to B-rep mean "
              f"{c['mesh_to_brep_mean_mm']:.3f} / p99 {c['mesh_to_brep_p99_mm']:.3f} / max "
              f"{c['mesh_to_brep_max_mm']:.3f} mm; left off: "
              f"{[x['feature'] for x in info['made']['left_off']] or 'nothing'}", flush=True)
    written = sum(1 for r in rows if r[2] is None)
    print(f"{written} of {len(rows)} presets written"
          + (" (distal_blend_radius_mm = 0)" if args.no_fillet else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
