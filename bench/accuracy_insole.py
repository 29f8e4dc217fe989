"""Insole accuracy against ground truth over several seeds (phone-like scans of both truths).

    .venv/bin/python bench/accuracy_insole.py [--seeds 5]

For the clean plantar scan (mm) and the FIND template (metres), each seed makes a phone-like
scan (floor, 0.5 mm noise, 2 % strays, random pose), runs the foot stage and builds the
insole with 5 degrees of rearfoot and -3 of forefoot posting and a 12 mm heel cup, and
measures: foot length against the truth's extent in the same frame, insole length minus
(foot length + margin), the top against the TRUE plantar surface over the contact area
(wedges off), heel cup depth and posting angles on the mesh, and the mirrored insole's
volume.
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

from prosthetics.insoles.foot import Side, process_foot  # noqa: E402
from prosthetics.insoles.template import InsoleParams, build_insole, measure_insole  # noqa: E402
from prosthetics.scan.loaders import load_scan  # noqa: E402
from prosthetics.scan.phonescan import make_phone_scan, write_ply  # noqa: E402
from tests.conftest import FOOT_PHONE, PLANTAR, TEMPLATE, plantar_from_below  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    p = InsoleParams(rearfoot_posting_deg=5.0, forefoot_posting_deg=-3.0)
    print(f"{'truth':<9} {'seed':>4} {'side':>5} {'len err':>8} {'ins-(L+m)':>9} "
          f"{'top mean':>8} {'top p95':>8} {'top max':>8} {'cup':>6} {'rear':>6} {'fore':>6} "
          f"{'L/R vol %':>9}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in (("plantar", PLANTAR), ("template", TEMPLATE)):
            clean = load_scan(path)
            truth = trimesh.Trimesh(clean.points, clean.faces, process=False)
            for seed in range(1, args.seeds + 1):
                ps = make_phone_scan(truth, seed=100 + seed, **FOOT_PHONE)
                ply = Path(tmp) / "s.ply"
                write_ply(ply, ps.points, ps.colors)
                scan = load_scan(ply)
                foot = process_foot(scan)
                t = truth.copy().apply_transform(foot.transform @ scan.file_to_mm
                                                 @ ps.truth_to_file)
                ins = build_insole(foot, p)
                m = measure_insole(ins, foot, plantar_truth=plantar_from_below(t))
                other = Side.LEFT if foot.side is Side.RIGHT else Side.RIGHT
                mir = build_insole(foot, p.replace(side=other))
                L = foot.measurements.foot_length_mm
                r = [np.ptp(t.vertices[:, 0]) - L, m["length_mm"] - (L + 6.0),
                     m["top_vs_plantar_mm"]["mean"], m["top_vs_plantar_mm"]["p95"],
                     m["top_vs_plantar_mm"]["max"], m["heel_cup_depth_mm"] - 12.0,
                     m["rearfoot_posting_deg"] - 5.0, m["forefoot_posting_deg"] + 3.0,
                     100 * (mir.mesh.volume / ins.mesh.volume - 1)]
                rows.append(r)
                print(f"{name:<9} {seed:>4} {foot.side.value:>5} {r[0]:+8.2f} {r[1]:+9.2f} "
                      f"{r[2]:8.3f} {r[3]:8.3f} {r[4]:8.3f} {r[5]:+6.2f} {r[6]:+6.2f} "
                      f"{r[7]:+6.2f} {r[8]:+9.4f}", flush=True)
    a = np.abs(np.array(rows))
    print(f"\nworst |error|: foot length {a[:, 0].max():.2f} mm, insole length {a[:, 1].max():.2f} mm, top p95 {a[:, 3].max():.3f} mm "
          f"(max {a[:, 4].max():.3f}), heel cup {a[:, 5].max():.2f} mm, rearfoot {a[:, 6].max():.2f} deg, forefoot {a[:, 7].max():.2f} deg, "
          f"L/R volume {a[:, 8].max():.4f} %")


if __name__ == "__main__":
    main()
