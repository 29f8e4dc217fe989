"""Throughput of `prosthetics batch` with 1 and 2 worker processes.

    .venv/bin/python bench/bench_batch.py [--cases 8] [--runs 3] [--insoles]

A manifest of phone-like socket cases (the shipped sample scan, sides and presets varied;
no slicing, which is PrusaSlicer's own time) is run with 1 worker and with 2, in this one
process, ``--runs`` times each from scratch (``--force``), the two alternating so that a
change in the machine's load falls on both.  One run with 2 workers comes first and is not
counted: it pays this process's imports and fills a fresh geometry cache (a temporary
folder), as a workshop's second batch finds it.

Prints, per run, the wall time and cases per minute, and the CPU time the worker processes
used (their share of the cores: a worker held up by other work on the machine shows there).
Then the median cases per minute of each, the speed-up of 2 workers over the 1-worker
baseline measured in the same process, and the peak memory of each worker process.
``--insoles`` mixes in insole cases from the sample foot scan when the installation has
them.

``--one-core`` adds a third configuration to each round: 1 worker kept to one core (this
process is, while that batch runs, and the worker inherits it).  A single worker runs
some of a case on several threads (Open3D, scipy); the speed-up of 2 workers over this one
is the pool's own scaling, without that.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prosthetics.batch.runner import RUNNERS, run_batch  # noqa: E402
from prosthetics.cache import CACHE_ENV_VAR  # noqa: E402

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


def timed_batch(manifest: Path, out: Path, workers: int) -> dict:
    """One batch from scratch: its result, wall time (s) and the workers' CPU time (s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = run_batch(manifest, out, workers=workers, force=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    bad = [e for e in res.entries if e["status"] != "ok"]
    if bad:
        raise SystemExit(f"case {bad[0]['case_id']} failed: {bad[0]['error']}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"result": res, "wall": wall, "cpu": cpu, "rate": len(res.entries) / wall * 60.0}


def one_core_batch(manifest: Path, out: Path) -> dict:
    """A 1-worker batch with this process, and so its worker, kept to its first core."""
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        return timed_batch(manifest, out, 1)
    finally:
        os.sched_setaffinity(0, allowed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--insoles", action="store_true")
    ap.add_argument("--one-core", action="store_true",
                    help="also run 1 worker kept to one core (see the module docstring)")
    args = ap.parse_args()
    if args.one_core and not hasattr(os, "sched_setaffinity"):
        raise SystemExit("--one-core needs CPU affinity (Linux)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        os.environ[CACHE_ENV_VAR] = str(folder / "geometry-cache")
        manifest = make_manifest(folder, args.cases, args.insoles)
        print(f"{args.cases} cases, {cores} cores, load average {os.getloadavg()[0]:.1f}",
              flush=True)
        warm = timed_batch(manifest, folder / "warm-up", 2)
        print(f"warm-up, 2 workers (not counted): {warm['wall']:.1f} s", flush=True)
        runs: dict[int | str, list[dict]] = {1: [], 2: []}
        configs: list[int | str] = [1, 2] + (["1 on one core"] if args.one_core else [])
        for r in range(args.runs):
            for config in configs:
                if config == "1 on one core":
                    run = one_core_batch(manifest, folder / "out1c")
                else:
                    run = timed_batch(manifest, folder / f"out{config}", config)
                runs.setdefault(config, []).append(run)
                print(f"workers {config} run {r + 1}: {run['wall']:.1f} s for {args.cases} cases "
                      f"= {run['rate']:.2f} cases/min; workers' CPU {run['cpu']:.1f} s "
                      f"({run['cpu'] / args.cases:.1f} s a case, {run['cpu'] / run['wall']:.2f} "
                      f"of {cores} cores)", flush=True)
        rate = {w: statistics.median(x["rate"] for x in runs[w]) for w in runs}
        print()
        print(f"cases per minute (median of {args.runs}): 1 worker {rate[1]:.2f}, "
              f"2 workers {rate[2]:.2f}")
        print(f"speed-up of 2 workers over 1: {rate[2] / rate[1]:.2f}x")
        if args.one_core:
            one = rate["1 on one core"]
            print(f"1 worker on one core {one:.2f} cases/min: its own threads give 1 worker "
                  f"{rate[1] / one:.2f}x; 2 workers over it: {rate[2] / one:.2f}x")
        for w in (1, 2):
            cpu = statistics.median(x["cpu"] for x in runs[w]) / args.cases
            peak = max(e.get("worker_peak_mb", 0.0) for x in runs[w]
                       for e in x["result"].entries)
            print(f"{w} worker(s): workers' CPU {cpu:.1f} s a case (median); peak memory per "
                  f"worker process {peak:.0f} MB")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
