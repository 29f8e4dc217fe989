"""Throughput of `prosthetics batch` with 1 and 2 worker processes.

    .venv/bin/python bench/bench_batch.py [--cases 6] [--runs 2] [--insoles]

A manifest of phone-like socket cases (the shipped sample scan, sides and presets varied;
no slicing, which is PrusaSlicer's own time) is run with 1 worker, then with 2, each
``--runs`` times from scratch (``--force``).  Prints cases per minute (median over the runs),
the speed-up of 2 workers over the 1-worker baseline measured in the same process, and the
peak memory of each worker process.  ``--insoles`` mixes in insole cases from the sample
foot scan when the installation has them.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prosthetics.batch.runner import RUNNERS, run_batch  # noqa: E402

PRESETS = ("transtibial", "transtibial_ptb", "transtibial_active")


def make_manifest(folder: Path, n: int, insoles: bool) -> Path:
    shutil.copy(ROOT / "scans" / "transtibial_phone.ply", folder / "limb.ply")
    rows = []
    foot = next(iter(sorted((ROOT / "scans").glob("*foot*.ply"))), None)
    for i in range(n):
        if insoles and foot is not None and "insole" in RUNNERS and i % 2:
            shutil.copy(foot, folder / "foot.ply")
            rows.append({"case_id": f"case{i + 1:02d}", "scan": "foot.ply", "kind": "insole",
                         "template": "", "side": ("left", "right")[i % 2], "slice": "false"})
        else:
            rows.append({"case_id": f"case{i + 1:02d}", "scan": "limb.ply", "kind": "socket",
                         "template": PRESETS[i % len(PRESETS)], "side": ("right", "left")[i % 2],
                         "slice": "false"})
    path = folder / "manifest.csv"
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=6)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--insoles", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        manifest = make_manifest(folder, args.cases, args.insoles)
        rate, peaks = {}, {}
        for workers in (1, 2):
            runs = []
            for r in range(args.runs):
                res = run_batch(manifest, folder / f"out{workers}", workers=workers, force=True)
                bad = [e for e in res.entries if e["status"] != "ok"]
                if bad:
                    raise SystemExit(f"case {bad[0]['case_id']} failed: {bad[0]['error']}")
                runs.append(len(res.entries) / res.wall_time_s * 60.0)
                peaks.setdefault(workers, []).extend(e.get("worker_peak_mb", 0.0)
                                                     for e in res.entries)
                print(f"workers {workers} run {r + 1}: {res.wall_time_s:.1f} s for "
                      f"{len(res.entries)} cases = {runs[-1]:.2f} cases/min", flush=True)
            rate[workers] = statistics.median(runs)
        print()
        print(f"cases per minute (median of {args.runs}): 1 worker {rate[1]:.2f}, "
              f"2 workers {rate[2]:.2f}")
        print(f"speed-up of 2 workers over 1: {rate[2] / rate[1]:.2f}x")
        for w in (1, 2):
            print(f"peak memory per worker process, {w} worker(s): max {max(peaks[w]):.0f} MB")


if __name__ == "__main__":
    main()
