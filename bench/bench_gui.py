"""Start-up and the speed of the hand on the model, in the desktop application (X / Xvfb).

    .venv/bin/python bench/bench_gui.py [--launches 3] [--repeats 20] [--json]

Without a display it runs itself again under ``xvfb-run``.  Measures, on the sample scan:

- ``window_ready_s``: process start -> the sample's socket drawn on the Template step,
  median over separate launches of ``python -m prosthetics_gui --exit-when-drawn``;
- ``landmark_drag_preview_ms``, ``trim_drag_preview_ms``, ``brush_stroke_preview_ms``: from
  a mouse-move event sent to the 3D view to the frame rendered with the moved landmark
  (and its zones), the moved trim line, or the cavity with one more brush dab; the median
  of ``--repeats`` moves of one drag each, on the Rectify step of an idle design;
- ``full_update_s``: from the release of a drag to the checked socket (the model current
  again), median of 5 releases;
- ``section_plane_drag_ms``: from a mouse-move event on the section plane (Section and
  tape panel, Template step) to the frame rendered with the plane at its new level, the
  median of ``--repeats`` moves of 1 mm; ``section_release_ms``: from the release to the
  whole section shown at the level reached;
- baselines in the same process: a trim-height edit in the form, from the edit to the
  previewed socket drawn (``form_trim_preview_ms``), and ``session.update()`` of the
  template and the checks (``session_full_update_s``), with the ratios of the above to them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def launches(n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.time()
        r = subprocess.run([sys.executable, "-m", "prosthetics_gui", "--exit-when-drawn"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
        if r.returncode:
            raise SystemExit(r.stderr)
        words = r.stdout.split()
        out.append(float(words[words.index("drawn") + 1]) - t0)
    return out


def hand_speed(repeats: int) -> dict:
    from prosthetics_gui.mainwindow import MainWindow, qapp
    from prosthetics_gui.shaping import timed_drag
    from prosthetics_gui.worker import run_until

    app = qapp()
    win = MainWindow(headless=True)
    win.resize(1400, 900)
    win.show()
    win.start(None)

    def spin_until(pred, timeout=300.0):
        if not run_until(pred, timeout):
            raise SystemExit("timed out")

    spin_until(win.is_ready)
    m, sh = win.model, win.shaper
    spin_until(m.is_current)
    win.select_step("rectify")
    spin_until(m.is_current)
    app.processEvents()
    q = sh.limb_query()
    res: dict = {}
    releases = []

    def drag(tool, start, path):
        t = timed_drag(sh, start, path, tool)
        t_release = time.perf_counter()
        spin_until(m.is_current)
        releases.append(time.perf_counter() - t_release)
        return t

    def on_limb(points):
        return list(q.closest_points(np.asarray(points, dtype=float))[0])

    fib = sh.landmark_points()["fibular_head"]
    res["landmark_drag_preview_ms"] = statistics.median(drag(
        "landmarks", fib, on_limb([fib + [0.0, 0.0, -0.5 * (k + 1)] for k in range(repeats)])))
    a = sh.trim_points()["anterior"]
    res["trim_drag_preview_ms"] = statistics.median(drag(
        "trim", a, on_limb([a + [0.0, 0.0, 0.5 * (k + 1)] for k in range(repeats)])))
    # Brush dabs round the limb at mid height, each a radius apart (one dab per move).
    z = 0.5 * float(sh.trim_points()["anterior"][2])
    ang = np.radians(60.0 + 7.0 * np.arange(repeats + 1))
    ring = on_limb(np.column_stack([80 * np.cos(ang), 80 * np.sin(ang), np.full_like(ang, z)]))
    res["brush_stroke_preview_ms"] = statistics.median(drag("push", ring[0], ring[1:]))
    m2 = sh.landmark_points()["mid_patellar_tendon"]
    for k in range(2):
        drag("landmarks", m2, on_limb([m2 + [0.0, 0.0, -1.0 - k]]))
    res["full_update_s"] = statistics.median(releases)
    sh.set_tool("view")
    res.update(plane_speed(win, repeats, spin_until))

    # Baselines in the same process (the panel closed: the template's redraws as before).
    win.section_tape.close()
    marks: dict = {}
    win.select_step("template")
    spin_until(m.is_current)
    win.viewport.rendered.connect(lambda what: marks.setdefault("t", time.perf_counter())
                                  if what == "preview" else None)
    form = []
    for i in range(5):
        marks.clear()
        t0 = time.perf_counter()
        m.edit({"trim_height_mm": 200.0 + 2.0 * i})
        spin_until(lambda: "t" in marks, 120)
        form.append(marks["t"] - t0)
        spin_until(m.is_current)
    res["form_trim_preview_ms"] = 1000.0 * statistics.median(form)
    s = m.session
    base = []
    for i in range(5):
        s.set({"wall_thickness_mm": 5.0 + 0.3 * (i % 2 + 1)})
        t0 = time.perf_counter()
        s.update()
        base.append(time.perf_counter() - t0)
    res["session_full_update_s"] = statistics.median(base)
    m.undo_stack.setClean()          # closing asks to save the shaped design otherwise
    win.close()
    app.processEvents()
    return res


def plane_speed(win, repeats: int, spin_until) -> dict:
    """The section plane dragged up the limb on the Template step (see the module notes)."""
    from prosthetics_gui.measuretools import show_panel, timed_plane_drag

    win.select_step("template")
    spin_until(win.model.is_current)
    win.set_view("three_quarter")
    panel = show_panel(win).panel
    panel.set_level(90.0)
    spin_until(lambda: panel.wait_idle() and panel.section is not None
               and panel.section.z_mm == 90.0, 60)
    vp = win.viewport
    ox, oy, _ = vp.section_widget.GetOrigin()
    b = vp._limb_poly().bounds
    x = ox + 0.5 * (b[1] - b[0]) + 12.0
    shown: list = []
    panel.sectionShown.connect(lambda s: shown.append((time.perf_counter(), s.z_mm)))
    moves = timed_plane_drag(vp, (x, oy, 90.0), [(x, oy, 90.0 + k + 1.0)
                                                 for k in range(repeats)], pause_s=0.02)
    t_release = time.perf_counter()
    level = panel.level_mm
    spin_until(lambda: shown and shown[-1][1] == level and panel.wait_idle(), 60)
    return {"section_plane_drag_ms": statistics.median(moves),
            "section_release_ms": 1000.0 * (shown[-1][0] - t_release)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launches", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable,
                                __file__, *(argv if argv is not None else sys.argv[1:])])
    ready = launches(args.launches)
    res = hand_speed(args.repeats)
    res["window_ready_s"] = statistics.median(ready)
    res["window_ready_all_s"] = [round(v, 2) for v in ready]
    for k in ("landmark_drag", "trim_drag", "brush_stroke"):
        res[f"{k}_vs_form_preview"] = res[f"{k}_preview_ms"] / res["form_trim_preview_ms"]
    res["full_update_vs_session"] = res["full_update_s"] / res["session_full_update_s"]
    if args.json:
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                          for k, v in res.items()}, indent=2))
        return 0
    print(f"window ready (launch -> sample socket drawn), median of {args.launches}: "
          f"{res['window_ready_s']:.2f} s  {res['window_ready_all_s']}")
    print(f"previews, median of {args.repeats} moves (mouse event -> frame rendered):")
    for k, label in (("landmark_drag", "landmark drag"), ("trim_drag", "trim point drag"),
                     ("brush_stroke", "brush dab")):
        print(f"    {label:16s} {res[f'{k}_preview_ms']:6.1f} ms   = "
              f"{res[f'{k}_vs_form_preview']:.3f} x a trim edit in the form "
              f"({res['form_trim_preview_ms']:.0f} ms)")
    print(f"full update (release -> checked socket), median of 5: {res['full_update_s']:.2f} s"
          f"  = {res['full_update_vs_session']:.2f} x session.update() of template + check "
          f"({res['session_full_update_s']:.2f} s)")
    print(f"section plane, median of {args.repeats} moves (mouse event -> frame rendered): "
          f"{res['section_plane_drag_ms']:.1f} ms; release -> whole section shown: "
          f"{res['section_release_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
