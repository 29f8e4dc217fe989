"""A stand-in for PrusaSlicer's command line, for tests of what happens around slicing.

:func:`install` writes an executable script and points ``PROSTHETICS_SLICER`` at it.  Like
PrusaSlicer 2.5 it answers ``--help`` with its version, prints ``--info`` lines and progress
lines ("20 => Generating perimeters", not in order of their percentages) and writes G-code
ending in the statistics comments; it takes ``delay_s`` per step.  ``mode`` makes it fail
("fail": an error line on stderr, exit 1), hang after its steps ("hang"), or send Ctrl+C
(SIGINT, "sigint") or a request to stop (SIGTERM, "sigterm") to the process that started
it after its third step.  Each run appends
its process id to ``pids.txt`` beside the script.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: What the fake G-code says: 37.7 g of filament, 2h 3m 4s.
FILAMENT_G = 37.7
PRINT_TIME_TEXT = "2h 3m 4s"

_SCRIPT = '''#!{python}
import os, signal, sys, time

args = sys.argv[1:]
if "--help" in args:
    print("PrusaSlicer-2.5.0+fake based on Slic3r (with GUI support)")
    sys.exit(0)
mode, delay = {mode!r}, {delay_s!r}
with open({pids!r}, "a") as fh:
    fh.write(f"{{os.getpid()}}\\n")
out = next(a.split("=", 1)[1] for a in args if a.startswith("--output="))
print("[2026-01-01 00:00:00.000001] [0x00007f0000000000] [trace]   Initializing "
      "StaticPrintConfigs")
print(f"[{{os.path.basename(args[-1])}}]")
print("manifold = yes")
print("number_of_parts =  1")
sys.stdout.flush()
steps = [(10, "Processing triangulated mesh"), (20, "Generating perimeters"),
         (70, "Infilling layers"), (30, "Preparing infill"),
         (90, f"Exporting G-code to {{out}}")]
for i, (pct, step) in enumerate(steps):
    print(f"{{pct}} => {{step}}")
    sys.stdout.flush()
    if mode in ("sigint", "sigterm") and i == 2:
        os.kill(os.getppid(), signal.SIGINT if mode == "sigint" else signal.SIGTERM)
    time.sleep(delay)
if mode in ("hang", "sigint", "sigterm"):
    time.sleep(120)
if mode == "fail":
    print("[2026-01-01 00:00:00.000002] [0x00007f0000000000] [error]   Empty layers "
          "detected, the output would not be printable.", file=sys.stderr)
    sys.exit(1)
with open(out, "w") as fh:
    fh.write("G1 X10 Y10 E1\\n"
             "; filament used [mm] = 12345.6\\n; filament used [cm3] = 29.69\\n"
             "; filament used [g] = {filament_g}\\n; filament cost = 0.83\\n"
             "; total filament used [g] = {filament_g}\\n; total filament cost = 0.83\\n"
             "; estimated printing time (normal mode) = {print_time}\\n")
print("Slicing result exported to " + out)
'''


def install(folder: Path, monkeypatch, *, mode: str = "ok", delay_s: float = 0.3) -> Path:
    """Write the fake slicer into ``folder`` and make it the slicer; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "prusa-slicer"
    script.write_text(_SCRIPT.format(python=sys.executable, mode=mode, delay_s=delay_s,
                                     pids=str(folder / "pids.txt"), filament_g=FILAMENT_G,
                                     print_time=PRINT_TIME_TEXT))
    script.chmod(0o755)
    monkeypatch.setenv("PROSTHETICS_SLICER", str(script))
    return script


def pids(script: Path) -> list[int]:
    """Process ids of the runs of the fake slicer at ``script``."""
    path = script.parent / "pids.txt"
    return [int(x) for x in path.read_text().split()] if path.exists() else []
