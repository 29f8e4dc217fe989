"""Pictures of the shaping tools in use on the sample, for gui/README.md.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/shaping_pictures.py

Opens the sample, sets a patellar-tendon push zone, drags the MPT landmark, raises the
medial wing of the trim line, makes a push stroke and saves the Rectify step as
docs/images/gui_shaping.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from prosthetics_gui.mainwindow import MainWindow, qapp
    from prosthetics_gui.shaping import timed_drag
    from prosthetics_gui.worker import run_until

    app = qapp()
    win = MainWindow(headless=True)
    win.resize(1500, 950)
    win.show()
    win.start(None)

    run_until(win.is_ready, 300.0)
    m, sh = win.model, win.shaper
    run_until(m.is_current, 300.0)
    m.edit({"patellar_tendon_depth_mm": 4.0, "fibular_head_depth_mm": -3.0})
    win.select_step("rectify")
    run_until(m.is_current, 300.0)
    q = sh.limb_query()
    mpt = sh.landmark_points()["mid_patellar_tendon"]
    timed_drag(sh, mpt, list(q.closest_points(np.array([mpt + [0.0, 0.0, -8.0]]))[0]),
               "landmarks")
    run_until(m.is_current, 300.0)
    win.viewport.set_view("three_quarter")
    app.processEvents()
    a = sh.trim_points()["lateral_wing"]
    timed_drag(sh, a, list(q.closest_points(np.array([a + [0.0, 0.0, 12.0]]))[0]), "trim")
    run_until(m.is_current, 300.0)
    z = 0.45 * float(sh.trim_points()["anterior"][2])
    ang = np.radians([35.0, 42.0, 49.0])
    ring = q.closest_points(np.column_stack([80 * np.cos(ang), 80 * np.sin(ang),
                                             np.full(3, z)]))[0]
    win.pages["rectify"].brush["depth_mm"].setValue(3.0)
    timed_drag(sh, ring[0], list(ring[1:]), "push")
    run_until(m.is_current, 300.0)
    sh.set_tool("push")
    app.processEvents()
    out = ROOT / "docs" / "images" / "gui_shaping.png"
    win.grab().save(str(out))
    print(out)
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
