"""Time and memory of `prosthetics design` on a phone-like scan, against a baseline commit.

    .venv/bin/python bench/bench_design.py [--points 600000] [--runs 5] [--baseline 1f882fb]
                                           [--slice] [--json]

Each run is a fresh process running the command line, ``python -m prosthetics design SCAN
--out DIR --set slice=false`` (so its imports, and its peak memory, are that run's own), on
a scan made by the seeded generator from the shipped clean limb.  Three variants, run in
turn (A, B, C, A, B, C, ...) so a change in the machine's load falls on all of them:

- ``baseline``: the pipeline of an earlier commit (default 1f882fb), checked out with
  ``git worktree`` into a temporary folder and run with this environment;
- ``cold``: this checkout with an empty geometry cache (a first run on a new machine);
- ``warm``: this checkout with the cache filled by one untimed run (every later run).

The project's modules are compiled to bytecode first in each variant's folder, as ``make
setup`` leaves them (and the packages), so that no run compiles its imports again where
Python does not write its .pyc files itself (``PYTHONDONTWRITEBYTECODE``).

Prints, per stage, the median over the runs of what each run's report.json records, the
command's wall time and peak resident memory, and the ratio of each to the baseline.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGES = ("load", "clean", "align", "measure", "template", "check", "export", "report", "slice")


def run_once(code_root: Path, scan: Path, slice_: bool, cache: Path | None) -> dict:
    """One fresh ``prosthetics design`` process; its report's timings, wall and peak memory."""
    env = dict(os.environ, PYTHONPATH=str(code_root), OMP_NUM_THREADS="2")
    env["PROSTHETICS_CACHE_DIR"] = str(cache) if cache is not None else "off"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "prosthetics", "design", str(scan), "--out", str(out),
               "--set", f"slice={'true' if slice_ else 'false'}"]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=code_root, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        # wait4 gives this child's own peak resident set, not the largest of all children.
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        stdout, stderr = proc.stdout.read(), proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{stdout}\n{stderr}")
        report = json.loads((out / "report.json").read_text())
    timings = {k: v for k, v in report["timings_s"].items() if "." not in k and k != "total"}
    return {"timings": timings, "pipeline_s": sum(timings.values()), "wall_s": wall,
            "peak_mb": usage.ru_maxrss / 1024.0,
            "triangles": report["checks"]["triangles"],
            "volume_ml": report["checks"].get("volume_ml"),
            "min_wall_mm": report["checks"]["min_wall_mm"]}


def summarise(results: list[dict]) -> dict:
    stages = {k: statistics.median(r["timings"].get(k, 0.0) for r in results)
              for k in STAGES if any(k in r["timings"] for r in results)}
    return {"stages": stages,
            "pipeline_s": statistics.median(r["pipeline_s"] for r in results),
            "wall_s": statistics.median(r["wall_s"] for r in results),
            "peak_mb": statistics.median(r["peak_mb"] for r in results),
            "peak_mb_max": max(r["peak_mb"] for r in results),
            "runs": len(results), "triangles": results[0]["triangles"],
            "volume_ml": results[0]["volume_ml"], "min_wall_mm": results[0]["min_wall_mm"]}


def baseline_checkout(ref: str, into: Path) -> Path:
    """The code of commit ``ref`` in a temporary worktree (needs this folder to be a git
    checkout holding that commit)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        raise SystemExit("the baseline needs a git checkout of the project; use --baseline none")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), ref],
                   check=True)
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=600_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline", default="1f882fb",
                    help="commit to compare with (default 1f882fb); 'none' to skip")
    ap.add_argument("--slice", action="store_true", help="also slice with PrusaSlicer")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()

    import trimesh

    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    tmp = Path(tempfile.mkdtemp(prefix="bench-design-"))
    worktree = None
    try:
        # The scan's name is the label's text (the case ID).  The baseline commit refused a
        # design whose default label found no place, as it does for "phone_600000" on this
        # scan: the name is one whose label it places.
        scan = tmp / f"phone{args.points // 1000}k.ply"
        truth = trimesh.load(ROOT / "scans" / "source" / "transtibial_scan_a.stl", process=False)
        ps = make_phone_scan(truth, seed=600, n_points=args.points)
        write_ply(scan, ps.points, ps.colors)

        variants: dict[str, tuple[Path, Path | None, bool]] = {}
        if args.baseline.lower() != "none":
            worktree = baseline_checkout(args.baseline, tmp / "baseline")
            variants["baseline"] = (worktree, None, False)
        variants["cold"] = (ROOT, tmp / "cache-cold", True)
        variants["warm"] = (ROOT, tmp / "cache-warm", False)
        for code in {v[0] for v in variants.values()}:
            # as installed (``make setup`` compiles the project and its packages), so no
            # variant compiles its own modules in every run where .pyc files are not written
            compileall.compile_dir(code / "prosthetics", quiet=1, workers=0)
        run_once(ROOT, scan, args.slice, tmp / "cache-warm")           # fills the warm cache
        results: dict[str, list[dict]] = {k: [] for k in variants}
        for i in range(args.runs):
            for name, (code, cache, empty) in variants.items():
                if empty and cache is not None:
                    shutil.rmtree(cache, ignore_errors=True)
                results[name].append(run_once(code, scan, args.slice, cache))
                print(f"run {i + 1}/{args.runs} {name:<8} "
                      f"{results[name][-1]['wall_s']:6.2f} s", file=sys.stderr, flush=True)
        summary = {k: summarise(v) for k, v in results.items()}
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(worktree)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        print(json.dumps({"points": args.points, "runs": args.runs, "cores": os.cpu_count(),
                          "baseline": args.baseline, "variants": summary}, indent=2))
        return
    names = list(summary)
    base = summary.get("baseline")
    print(f"prosthetics design on a {args.points:,}-point phone-like scan, median of "
          f"{args.runs} fresh processes, {os.cpu_count()} cores"
          f"{', with slicing' if args.slice else ', slicing off'}"
          + (f"; ratios against {args.baseline}" if base else ""))
    head = "".join(f"{n:>10}" for n in names)
    ratios = "".join(f"{n + '/base':>11}" for n in names if n != "baseline") if base else ""
    print(f"{'stage s':<22}{head}{ratios}")

    def row(label: str, values: list[float], fmt: str = "10.2f") -> None:
        line = f"{label:<22}" + "".join(format(v, fmt) for v in values)
        if base:
            b = values[0]
            line += "".join(f"{(v / b if b else float('nan')):11.2f}" for v in values[1:])
        print(line)

    for k in STAGES:
        if any(k in s["stages"] for s in summary.values()):
            row(k, [s["stages"].get(k, 0.0) for s in summary.values()])
    row("pipeline (in process)", [s["pipeline_s"] for s in summary.values()])
    row("command wall", [s["wall_s"] for s in summary.values()])
    row("peak MB", [s["peak_mb"] for s in summary.values()], "10.0f")
    for n, s in summary.items():
        print(f"{n}: socket {s['triangles']} triangles, {s['volume_ml']} ml, thinnest wall "
              f"{s['min_wall_mm']} mm; peak memory up to {s['peak_mb_max']:.0f} MB")


if __name__ == "__main__":
    main()
