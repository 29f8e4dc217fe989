"""How well the design pipeline finds a transtibial limb's anatomy by itself, against truth.

    .venv/bin/python bench/anatomy.py [--seeds 12] [--first-seed 0] [--groups openlimb bodies]
                                      [--workers 2] [--points 150000] [--quick] [--json FILE]
    .venv/bin/python bench/anatomy.py --case openlimb 3 [--quick]      # one case, as JSON

The cases are those of ``bench/anatomy_cases.py``: limbs of the OpenLimbTT shape model with
their bones ("openlimb"), and legs cropped from the Visible Human skins ("bodies", anterior
truth only; the design's leg templates, cropped from the same two bodies, are left one body
out: a case of one body is fitted with the other's).  Each becomes a seeded phone-like scan (metres, random pose, floor, hand,
strays, noise, a hole), written to a temporary PLY and run through
:class:`prosthetics.design.session.DesignSession` with the transtibial template (and
``limb_side=left`` for a left leg); the truth is laid into the design frame with
``scan_to_design @ truth_to_file``.  Figures, per case and per group:

- ``ant``: the truth anterior's signed angle from the design's +Y, deg, in the XY plane
  (positive: the truth lies counter-clockwise of +Y seen from above, i.e. toward -X);
- ``mpt``: the template's mid-patellar tendon height minus the truth's, mm;
- ``fib``: the fit's fibular head to the truth's, 3D distance, mm;
- ``trim``: the anterior trim height minus the truth's mid-patella height, mm, with the truth
  patella's inferior pole (``pole``) and the scan's top (``rim``, the cleaned limb's open
  edge), design frame z, mm (the JSON also holds ``skin_top_z``, the lowest point of the
  truth skin's top edge: the rim lies below it where cleaning cut the top off);
- ``plane``: the share of the limb's points within the floor clearance of (or beyond) the
  planes the cleaning removed, %;
- the fit's method and confidence and whether it saw the knee (``knee fit``; the truth's
  ``knee`` beside it), the case's run time;
- ``tilt``: the angle between the truth frame's long axis and the tibia's principal axis,
  along which :func:`prosthetics.limb.bones.bony_landmarks` measures heights (deg); short
  residual tibiae tilt it by 20-46 degrees, and their truth landmarks are then less sure.

Targets: anterior within 15 deg in every case, MPT height within 8 mm, fibular head within
12 mm, anterior trim within 10 mm of the mid-patella (counted where the knee is in the
scan).  "-" is a figure the case has no truth for, or the pipeline did not report.  A case
that fails prints its one-line error; the figures of the stages before it still count.

Cases run in ``--workers`` Python processes at a time, each replaced by a fresh one after
``--cases-per-process`` cases (so memory stays bounded) or when it dies (which costs the
case it was running); ``--case GROUP SEED`` runs one case here and prints its figures as
JSON.  ``--quick`` runs only the stages the figures need (up to the template);
without it the checks of a whole design run as well, so a failure there shows.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import trimesh

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from anatomy_cases import GROUPS, make_case  # noqa: E402

from prosthetics.design.session import STAGES, DesignSession  # noqa: E402
from prosthetics.limb import align as align_module  # noqa: E402
from prosthetics.limb.measure import proximal_rim_z  # noqa: E402
from prosthetics.scan.phonescan import write_ply  # noqa: E402

#: Targets: |anterior| deg, |MPT height| mm, fibular head mm, |trim - mid-patella| mm.
TARGETS = {"ant_deg": 15.0, "mpt_mm": 8.0, "fib_mm": 12.0, "trim_mm": 10.0}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:160]


def _z(T: np.ndarray, p) -> float:
    return float((T[:3, :3] @ np.asarray(p, dtype=float) + T[:3, 3])[2])


def anterior_error_deg(T: np.ndarray, anterior: np.ndarray) -> float:
    """Signed angle (deg) from the design's +Y to the truth anterior, in the XY plane.

    ``T`` maps truth coordinates to the design frame; ``anterior`` is a unit vector in truth
    coordinates.  Positive when the truth lies counter-clockwise of +Y seen from +Z.
    """
    a = T[:3, :3] @ anterior
    return float(np.degrees(np.arctan2(-a[0], a[1])))


def plane_loss_percent(cleaned, limb_mm: np.ndarray, clearance_mm: float) -> float | None:
    """Share (%) of the limb's points a removed plane took: within ``clearance_mm`` of it or
    beyond it (the rule of :func:`prosthetics.scan.floor.remove_floors`), from the planes
    the cleaning reports; None when it reports none."""
    planes = [p for step in getattr(cleaned, "steps", []) for p in step.get("planes", [])]
    if not planes:
        return None
    lost = np.zeros(len(limb_mm), bool)
    for nx, ny, nz, off in planes:
        lost |= limb_mm @ np.array([nx, ny, nz]) + off <= clearance_mm
    return float(100.0 * lost.mean())


@contextlib.contextmanager
def _held_out(case):
    """Leave one body out: while a case cropped from a Visible Human body runs, the design's
    leg templates (:mod:`prosthetics.limb.crop_models`, cropped from both bodies) are the
    other body's only, so no case is fitted with a template of its own skin."""
    if case.group != "bodies":
        yield
        return
    other = {"VH_M": "VH_F", "VH_F": "VH_M"}[case.source]
    original = align_module.fit_limb_templates
    align_module.fit_limb_templates = functools.partial(original, templates=(other,))
    try:
        yield
    finally:
        align_module.fit_limb_templates = original


def run_case(group: str, seed: int, quick: bool, n_points: int) -> dict:
    """Make one case, run the design on its phone-like scan, and measure it (a worker's job)."""
    t0 = time.perf_counter()
    row: dict = {"group": group, "seed": seed, "name": f"{group}-{seed:02d}", "error": None}
    where = "case"
    s = None
    try:
        case = make_case(group, seed)
        row.update(name=case.name, source=case.source, side=case.side,
                   knee_truth=case.knee_in_view, bony_truth=bool(case.landmarks),
                   info=case.info)
        where = "scan"
        ps = case.phone_scan(n_points)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{group}_{seed:02d}.ply"
            write_ply(path, ps.points, ps.colors)
            s = DesignSession(path, template="transtibial",
                              settings={"limb_side": "left"} if case.side == "left" else {})
            with _held_out(case):
                for until in ("align", "template", *(() if quick else ("check",))):
                    where = "design"
                    s.update(until=until)
                    where = f"figures after {until}"
                    if until == "align":
                        _align_figures(row, s, case, ps)
                    elif until == "template":
                        _template_figures(row, s, case)
    except Exception as exc:  # one case's failure is a figure; the others go on
        if where == "design":
            where = next((st for st in STAGES if st not in s.results), "design")
        row["error"] = f"{where}: {_one_line(exc)}"
    row["timings_s"] = {k: round(v, 2) for k, v in s.timings.items()} if s is not None else {}
    row["time_s"] = time.perf_counter() - t0
    return row


def _align_figures(row: dict, s, case, ps) -> None:
    T = s.scan_to_design @ ps.truth_to_file
    row["truth_to_design"] = T.tolist()
    row["ant_deg"] = anterior_error_deg(T, case.anterior)
    # The truth skin's top edge in the design frame: how much of it the cleaning kept.
    edges = case.skin.edges_sorted
    rows_once = trimesh.grouping.group_rows(edges, require_count=1)
    if len(rows_once):
        top = case.skin.vertices[np.unique(edges[rows_once])]
        top = top[top[:, 2] > np.median(case.skin.vertices[:, 2])]
        if len(top):
            row["skin_top_z"] = float(trimesh.transform_points(top, T)[:, 2].min())
    limb = ps.points[ps.labels == 0]
    limb_mm = limb @ s.results["load"].file_to_mm[:3, :3].T
    row["plane_loss_pct"] = plane_loss_percent(s.results["clean"], limb_mm,
                                               s.groups["clean"].floor_clearance_mm)
    details = s.results["align"].details
    anatomy = details.get("anatomy", {}) or {}
    template = details.get("template", {}) or {}
    # Where the anterior came from: the shape model, the leg templates (when the model fits
    # poorly) or the sections' shape; the confidence of the fit that was used.
    row["method"] = details.get("anterior_method")
    row["confidence"] = (template if template.get("used") else anatomy).get("confidence")
    row["model_fit"] = {k: anatomy.get(k) for k in ("method", "residual_mean_mm", "rival_ratio")}
    if template:
        row["template_fit"] = {k: template.get(k) for k in (
            "model", "anterior_deg", "template_anteriors_deg", "residual_mean_mm", "rival_ratio",
            "confidence", "elbow_bend_deg")}
    row["knee_fit"] = anatomy.get("knee_in_view")
    fib = (anatomy.get("points_mm") or {}).get("fibular_head")
    marks = case.landmarks
    if fib is not None and "fibular_head" in marks:
        truth = T[:3, :3] @ marks["fibular_head"] + T[:3, 3]
        row["fib_mm"] = float(np.linalg.norm(np.asarray(fib, dtype=float) - truth))


def _template_figures(row: dict, s, case) -> None:
    T = np.asarray(row["truth_to_design"])
    sock = s.results["template"]
    rim = s._template_cache.rim_z
    row["rim_z"] = float(rim if rim is not None else proximal_rim_z(s.results["align"].mesh))
    row["trim_z"] = float(sock.trim_anterior_z_mm)
    marks = case.landmarks
    lm = getattr(sock, "landmarks", None)
    if "mid_patellar_tendon" in marks and lm is not None:
        row["mpt_mm"] = float(lm["mid_patellar_tendon"][2]) - _z(T, marks["mid_patellar_tendon"])
        # Landmarks above the scan's top cannot be placed on it: scored apart.
        row["mpt_in_scan"] = bool(_z(T, marks["mid_patellar_tendon"]) <= row["rim_z"] - 3.0)
    if "fibular_head" in marks:
        row["fib_in_scan"] = bool(_z(T, marks["fibular_head"]) <= row["rim_z"] - 3.0)
    if "patella_centre" in marks:
        row["trim_mm"] = row["trim_z"] - _z(T, marks["patella_centre"])
        row["pole_z"] = _z(T, marks["patella_inferior_pole"])
        # A brim at mid-patella needs the scan to reach that high all round.
        row["mid_patella_in_scan"] = bool(_z(T, marks["patella_centre"]) <= row["rim_z"] - 2.0)
    row["knee_warned"] = any("knee is not in the scan" in w for w in sock.warnings)


# ------------------------------------------------------------------------------ printing


def _f(v, fmt: str, width: int) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-".rjust(width)
    if isinstance(v, bool):
        return ("yes" if v else "no").rjust(width)
    return format(v, fmt).rjust(width)


HEADER = (f"{'case':<34} {'side':>5} {'knee':>4} | {'ant':>6} {'mpt':>6} {'fib':>5} "
          f"{'trim':>6} {'pole':>6} {'rim':>6} | {'plane%':>6} | {'knee fit':>8} "
          f"{'method':<24} {'conf':>5} | {'tilt':>5} {'s':>5}")


def format_row(r: dict) -> str:
    conf = r.get("confidence")
    line = (f"{r['name'][:34]:<34} {r.get('side', '-'):>5} {_f(r.get('knee_truth'), '', 4)} | "
            f"{_f(r.get('ant_deg'), '+6.1f', 6)} {_f(r.get('mpt_mm'), '+6.1f', 6)} "
            f"{_f(r.get('fib_mm'), '5.1f', 5)} {_f(r.get('trim_mm'), '+6.1f', 6)} "
            f"{_f(r.get('pole_z'), '6.1f', 6)} {_f(r.get('rim_z'), '6.1f', 6)} | "
            f"{_f(r.get('plane_loss_pct'), '6.2f', 6)} | {_f(r.get('knee_fit'), '', 8)} "
            f"{str(r.get('method') or '-')[:24]:<24} "
            f"{_f(conf if isinstance(conf, (int, float)) else None, '5.2f', 5)} | "
            f"{_f((r.get('info') or {}).get('tibia_axis_tilt_deg'), '5.1f', 5)} "
            f"{_f(r.get('time_s'), '5.0f', 5)}")
    if r.get("error"):
        line += f"\n{'':<34}   ! {r['error']}"
    return line


def summarise(rows: list[dict]) -> dict:
    """Per-figure statistics and target counts of one group's rows."""
    out = {"cases": len(rows), "failed": sum(1 for r in rows if r.get("error"))}
    figures = (("ant_deg", "anterior", lambda r: True),
               ("mpt_mm", "mpt height (in scan)",
                lambda r: r.get("bony_truth") and r.get("mpt_in_scan")),
               ("fib_mm", "fibular head (in scan)",
                lambda r: r.get("bony_truth") and r.get("fib_in_scan")),
               ("trim_mm", "trim (mid-patella in scan)",
                lambda r: r.get("bony_truth") and r.get("mid_patella_in_scan")))
    for key, label, has_truth in figures:
        vals = np.array([r[key] for r in rows if has_truth(r) and r.get(key) is not None])
        a = np.abs(vals)
        out[key] = {"label": label, "n": int(len(a)),
                    "n_truth": sum(1 for r in rows if has_truth(r)),
                    "within": int((a <= TARGETS[key]).sum()),
                    "median_abs": float(np.median(a)) if len(a) else None,
                    "max_abs": float(a.max()) if len(a) else None,
                    "mean": float(vals.mean()) if len(a) else None}
    short = [r for r in rows if r.get("mid_patella_in_scan") is False]
    out["trim_short_scan_warned"] = {"n": len(short),
                                     "warned": sum(1 for r in short if r.get("knee_warned"))}
    cut = np.array([abs(r["trim_mm"]) for r in rows
                    if r.get("knee_truth") is False and r.get("trim_mm") is not None])
    out["trim_mm_knee_cut"] = {"n": int(len(cut)),
                               "median_abs": float(np.median(cut)) if len(cut) else None}
    loss = [r["plane_loss_pct"] for r in rows if r.get("plane_loss_pct") is not None]
    out["plane_loss_pct"] = {"n": len(loss), "median": float(np.median(loss)) if loss else None,
                             "max": float(max(loss)) if loss else None}
    seen = [r for r in rows if r.get("knee_fit") is not None and r.get("knee_truth") is not None]
    out["knee_fit_agrees"] = {"n": len(seen), "agree": sum(
        1 for r in seen if bool(r["knee_fit"]) == bool(r["knee_truth"]))}
    methods: dict = {}
    for r in rows:
        methods[str(r.get("method") or "-")] = methods.get(str(r.get("method") or "-"), 0) + 1
    out["methods"] = methods
    # Cases meeting every target they have truth for.
    out["all_targets"] = sum(
        1 for r in rows if not r.get("error") and all(
            r.get(key) is not None and abs(r[key]) <= TARGETS[key]
            for key, _label, has_truth in figures if has_truth(r)))
    times = np.array([r.get("time_s", np.nan) for r in rows], dtype=float)
    out["time_s"] = {"median": float(np.nanmedian(times)) if np.isfinite(times).any() else None,
                     "total": float(np.nansum(times))}
    return out


def print_summary(group: str, s: dict) -> None:
    print(f"\n{group}: {s['cases']} cases, {s['failed']} with an error, "
          f"{s['all_targets']} meet every target they have truth for")
    for key in ("ant_deg", "mpt_mm", "fib_mm", "trim_mm"):
        f = s[key]
        unit = "deg" if key == "ant_deg" else "mm"
        if not f["n"]:
            print(f"  {f['label']:<22} -  ({f['n_truth']} cases with truth, no figures)")
            continue
        missing = "" if f["n"] == f["n_truth"] else f" (of {f['n_truth']} with truth)"
        print(f"  {f['label']:<22} within {TARGETS[key]:g} {unit}: {f['within']}/{f['n']}"
              f"{missing};  median |e| {f['median_abs']:.1f}, max |e| {f['max_abs']:.1f}, "
              f"mean {f['mean']:+.1f}")
    w = s["trim_short_scan_warned"]
    if w["n"]:
        print(f"  {'mid-patella above scan':<22} {w['n']} cases, the design warned in "
              f"{w['warned']} (trim under the scan's top)")
    c = s["trim_mm_knee_cut"]
    if c["n"]:
        print(f"  {'trim (knee cut off)':<22} median |trim - mid-patella| {c['median_abs']:.1f} mm "
              f"over {c['n']} (the patella lies above the scan)")
    if s["ant_deg"]["n"]:
        every = s["ant_deg"]["within"] == s["cases"]
        print(f"  anterior within {TARGETS['ant_deg']:g} deg in every case: "
              f"{'yes' if every else 'no'}")
    p = s["plane_loss_pct"]
    print("  limb lost to planes    " + (f"median {p['median']:.2f} %, max {p['max']:.2f} % "
                                         f"({p['n']} cases)" if p["n"] else "-"))
    k = s["knee_fit_agrees"]
    print("  knee in view (fit)     " + (f"agrees with the truth in {k['agree']}/{k['n']}"
                                         if k["n"] else "-"))
    print(f"  fit methods            {s['methods']}")
    t = s["time_s"]
    print(f"  time per case          median {_f(t['median'], '.0f', 1).strip()} s, "
          f"sum {t['total']:.0f} s")


class CaseProcess:
    """A Python process that runs cases one at a time (this script with ``--serve``).

    It is replaced by a fresh one after ``cases_per_process`` cases, so memory stays
    bounded, and when it dies, which costs the case it was running (reported as its error).
    Reusing it saves the imports (the design layer, Open3D, CadQuery: about 10 s) per case.
    """

    def __init__(self, quick: bool, n_points: int, env: dict, cases_per_process: int):
        self.cmd = [sys.executable, str(Path(__file__).resolve()), "--serve",
                    "--points", str(n_points), *(["--quick"] if quick else [])]
        self.env = env
        self.cases_per_process = cases_per_process
        self.proc = None
        self.stderr = None
        self.done = 0

    def _start(self) -> None:
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, cwd=ROOT, env=self.env)
        self.done = 0

    def run(self, group: str, seed: int) -> dict:
        """The figures of one case (a row of :func:`run_case`)."""
        if self.proc is None or self.done >= self.cases_per_process:
            self.close()
            self._start()
        t0 = time.perf_counter()
        try:
            self.proc.stdin.write(f"{group} {seed}\n")
            self.proc.stdin.flush()
            for line in self.proc.stdout:
                if line.startswith("{"):
                    self.done += 1
                    row = json.loads(line)
                    row["process_s"] = time.perf_counter() - t0
                    return row
        except OSError:
            pass
        code = self.proc.wait()
        self.stderr.seek(0)
        last = (self.stderr.read().strip().splitlines() or [f"exit code {code}"])[-1]
        self.close()
        return {"group": group, "seed": seed, "name": f"{group}-{seed:02d}",
                "time_s": time.perf_counter() - t0, "error": f"process: {last[:160]}"}

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.wait()
            self.stderr.close()
            self.proc = None


def serve(quick: bool, n_points: int) -> None:
    """Run the cases named on stdin (``GROUP SEED`` lines), one JSON line of figures each."""
    for line in sys.stdin:
        if line.strip():
            group, seed = line.split()
            row = run_case(group, int(seed), quick, n_points)
            row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
            print(json.dumps(row, default=_json_default), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=12, help="cases per group (seeds 0..N-1)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--groups", nargs="+", default=list(GROUPS), choices=GROUPS)
    ap.add_argument("--workers", type=int, default=2, help="cases run at once, each in its "
                                                           "own process")
    ap.add_argument("--points", type=int, default=150_000, help="points of each phone scan")
    ap.add_argument("--quick", action="store_true",
                    help="run only the stages the figures need (up to the template)")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--cases-per-process", type=int, default=6,
                    help="cases a worker process runs before a fresh one takes over")
    ap.add_argument("--case", nargs=2, metavar=("GROUP", "SEED"),
                    help="run one case here and print its figures as one JSON line")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.serve:
        serve(args.quick, args.points)
        return 0
    if args.case:
        row = run_case(args.case[0], int(args.case[1]), args.quick, args.points)
        print(json.dumps(row, default=_json_default), flush=True)
        return 0

    # Each case gets its share of the cores for Open3D's and numpy's threads.
    env = dict(os.environ)
    share = str(max(1, (os.cpu_count() or 1) // max(1, args.workers)))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, share)

    jobs = [(g, k) for g in args.groups
            for k in range(args.first_seed, args.first_seed + args.seeds)]
    print(f"{len(jobs)} cases, {args.workers} at a time, {args.points} points per scan"
          f"{', quick' if args.quick else ''}")
    print("ant deg; mpt, trim (minus the true mid-patella), pole (true patella inferior pole "
          "z), rim (scan top z) mm; fib mm (3D)")
    print(HEADER)
    t0 = time.perf_counter()
    rows: list[dict] = []
    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    lock = threading.Lock()

    def worker() -> None:
        # A thread only feeds its case process and waits on it.
        proc = CaseProcess(args.quick, args.points, env, args.cases_per_process)
        try:
            while True:
                try:
                    g, k = todo.get_nowait()
                except queue.Empty:
                    return
                r = proc.run(g, k)
                with lock:
                    rows.append(r)
                    print(format_row(r), flush=True)
        finally:
            proc.close()

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    rows.sort(key=lambda r: (args.groups.index(r["group"]), r["seed"]))
    summary = {}
    for g in args.groups:
        summary[g] = summarise([r for r in rows if r["group"] == g])
        print_summary(g, summary[g])
    print(f"\nwall time {wall:.0f} s for {len(rows)} cases, {args.workers} at a time")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"args": vars(args), "targets": TARGETS, "wall_s": wall, "summary": summary,
             "cases": rows}, indent=1, default=_json_default) + "\n")
        print(f"wrote {args.json}")
    return 0


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


if __name__ == "__main__":
    sys.exit(main())
