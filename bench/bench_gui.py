"""Start-up time and preview latency of the desktop application (under X / Xvfb).

    .venv/bin/python bench/bench_gui.py [--launches 5] [--repeats 10]

Without a display it runs itself again under ``xvfb-run``.  Prints:

(a) process start -> main window shown, median over separate launches of
    ``python -m prosthetics_gui --exit-when-shown`` (and -> the interface built: 3D view, forms);
(b) the preview latency on the sample: from the model's ``edit`` call (what a form calls
    after its debounce) to the viewport drawn with the previewed socket, for a trim-height
    change and a wall-thickness change (median of ``--repeats`` each, from an idle design);
(c) a baseline in the same process: ``session.set`` + ``session.update()`` of template and
    check (what the preview saves the user from waiting for), and the ratio of (b) to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def launches(n: int) -> dict:
    shown, built = [], []
    for _ in range(n):
        t0 = time.time()
        r = subprocess.run([sys.executable, "-m", "prosthetics_gui", "--exit-when-shown"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        if r.returncode:
            raise SystemExit(r.stderr)
        words = r.stdout.split()
        shown.append(float(words[words.index("shown") + 1]) - t0)
        built.append(float(words[words.index("built") + 1]) - t0)
    return {"shown_s": statistics.median(shown), "built_s": statistics.median(built),
            "shown_all": shown}


def latency(repeats: int) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer

    from prosthetics_gui.mainwindow import MainWindow, qapp

    app = qapp()
    win = MainWindow(headless=True)
    win.resize(1400, 900)
    win.show()
    win.start(None)

    def spin_until(pred, timeout=300.0):
        """Run the event loop (idle, as in the application) until ``pred()``; a busy
        processEvents loop would compete with the worker for the GIL and the 2 cores."""
        end = time.monotonic() + timeout
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: loop.quit() if pred() or time.monotonic() > end else None)
        timer.start()
        if not pred():
            loop.exec()
        timer.stop()
        if not pred():
            raise SystemExit("timed out")

    spin_until(win.is_ready)
    m, vp = win.model, win.viewport
    spin_until(m.is_current)
    win.select_step("template")
    marks: dict = {}
    vp.rendered.connect(lambda what: marks.setdefault("rendered", time.perf_counter())
                        if what == "preview" else None)
    # Time the core's preview itself (it runs in the worker thread).
    s = m.session
    core_preview = s.preview

    def timed_preview():
        t = time.perf_counter()
        r = core_preview()
        marks["core_s"] = time.perf_counter() - t
        return r
    s.preview = timed_preview

    def measure(name: str, values: list) -> dict:
        total, core = [], []
        for v in values:
            marks.clear()
            t0 = time.perf_counter()
            m.edit({name: v})
            spin_until(lambda: "rendered" in marks, 60)
            total.append(marks["rendered"] - t0)
            core.append(marks["core_s"])
            spin_until(m.is_current, 120)         # the full socket and checks, then idle
        return {"median_s": statistics.median(total), "min_s": min(total),
                "max_s": max(total), "core_median_s": statistics.median(core)}

    trims = [200.0 + 3.0 * i for i in range(repeats)]
    walls = [5.2 + 0.2 * i for i in range(repeats)]
    res = {"trim": measure("trim_height_mm", trims),
           "wall": measure("wall_thickness_mm", walls)}

    # Baseline in the same process: the full template + check on the same session, idle.
    del s.preview
    base = []
    for i in range(5):
        s.set({"wall_thickness_mm": 5.0 + 0.3 * (i % 2 + 1)})
        t0 = time.perf_counter()
        s.update()
        base.append(time.perf_counter() - t0)
    res["full_update_s"] = statistics.median(base)
    win.close()
    app.processEvents()
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launches", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable,
                                __file__, *(argv if argv is not None else sys.argv[1:])])
    st = launches(args.launches)
    print(f"(a) start-up, median of {args.launches} launches (python -m prosthetics_gui --exit-when-shown):")
    print(f"    process start -> main window shown    {st['shown_s']:.2f} s  "
          f"(all: {', '.join(f'{v:.2f}' for v in st['shown_all'])})")
    print(f"    process start -> interface built      {st['built_s']:.2f} s  "
          f"(3D view, forms; the sample then loads in the worker)")
    lat = latency(args.repeats)
    full = lat["full_update_s"]
    print(f"(b) preview latency on the sample, median of {args.repeats} (edit -> viewport drawn):")
    for key, label in (("trim", "trim height     "), ("wall", "wall thickness  ")):
        r = lat[key]
        print(f"    {label} {r['median_s'] * 1000:6.0f} ms  (min {r['min_s'] * 1000:.0f}, max "
              f"{r['max_s'] * 1000:.0f}; of which session.preview() "
              f"{r['core_median_s'] * 1000:.0f} ms)  = {r['median_s'] / full:.2f} x the full "
              f"update")
    print(f"(c) baseline, same process: session.set + update() of template + check "
          f"{full * 1000:.0f} ms (median of 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
