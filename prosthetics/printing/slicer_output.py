"""What PrusaSlicer says: the statistics in its G-code, its ``--info`` lines and its log.

PrusaSlicer (checked against 2.5.0) writes filament use, cost and the estimated print time
as comments after the moves of the G-code; ``--info`` prints ``key = value`` lines about
the mesh (from which repairs are read, as slicing itself says nothing about them); its log
lines carry a ``[time] [thread] [level]`` prefix, and progress lines read
``"<percent> => <step>"`` (``"20 => Generating perimeters"``), not always in order of their
percentages.  Lengths are millimetres, volumes cm³, masses grams, times seconds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["read_gcode_stats", "parse_info", "parse_progress", "was_repaired", "failure_message"]

_TIME_PART = re.compile(r"(\d+)\s*([dhms])")
_TIME_UNITS_S = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def _parse_duration_s(text: str) -> float | None:
    """``"1d 2h 3m 4s"`` -> seconds."""
    parts = _TIME_PART.findall(text)
    if not parts:
        return None
    return float(sum(int(n) * _TIME_UNITS_S[u] for n, u in parts))


def _sum_numbers(text: str) -> float | None:
    """Sum of a PrusaSlicer per-extruder list ``"12.3, 4.5"``; ``None`` if unparsable."""
    try:
        return float(sum(float(v) for v in text.split(",") if v.strip()))
    except ValueError:
        return None


_GCODE_STATS = {
    "filament_mm": re.compile(r"^; filament used \[mm\] = (.+)$", re.M),
    "filament_cm3": re.compile(r"^; filament used \[cm3\] = (.+)$", re.M),
    "filament_g_total": re.compile(r"^; total filament used \[g\] = (.+)$", re.M),
    "filament_g": re.compile(r"^; filament used \[g\] = (.+)$", re.M),
    "cost_total": re.compile(r"^; total filament cost = (.+)$", re.M),
    "cost": re.compile(r"^; filament cost = (.+)$", re.M),
    "time": re.compile(r"^; estimated printing time \(normal mode\) = (.+)$", re.M),
}


def read_gcode_stats(gcode: Path) -> dict[str, Any]:
    """Statistics from the comment block PrusaSlicer writes after the moves.

    Returns
    -------
    dict
        ``filament_mm``, ``filament_cm3``, ``filament_g``, ``cost`` (summed over
        extruders), ``print_time_s`` and ``print_time_text`` (e.g. ``"1h 5m 3s"``); each
        ``None`` when the G-code does not give it.
    """
    size = gcode.stat().st_size
    with open(gcode, "rb") as fh:
        fh.seek(max(0, size - 512 * 1024))
        text = fh.read().decode("utf-8", errors="replace")
    if "; filament used [mm]" not in text:  # unusually long config block: read it all
        text = gcode.read_text(encoding="utf-8", errors="replace")

    def grab(key: str) -> str | None:
        m = _GCODE_STATS[key].search(text)
        return m.group(1).strip() if m else None

    out: dict[str, Any] = {}
    out["filament_mm"] = _sum_numbers(grab("filament_mm") or "")
    out["filament_cm3"] = _sum_numbers(grab("filament_cm3") or "")
    g = grab("filament_g_total") or grab("filament_g")
    out["filament_g"] = _sum_numbers(g) if g else None
    c = grab("cost_total") or grab("cost")
    out["cost"] = _sum_numbers(c) if c else None
    t = grab("time")
    out["print_time_text"] = t
    out["print_time_s"] = _parse_duration_s(t) if t else None
    return out


_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*\[0x[0-9a-fA-F]+\]\s*\[(\w+)\]\s*")
_PROGRESS = re.compile(r"^\d+ => ")
_PROGRESS_LINE = re.compile(r"^(\d{1,3}) => (.*)$")
_INFO_LINE = re.compile(r"^([a-z_]+)\s*=\s*(\S+)\s*$")
_REPAIR_KEYS = ("degenerate_facets", "edges_fixed", "facets_removed", "facets_added",
                "facets_reversed", "backwards_edges")


def parse_info(stdout: str) -> dict[str, Any]:
    """The ``key = value`` lines PrusaSlicer's ``--info`` prints for the (first) model."""
    stats: dict[str, Any] = {}
    for line in stdout.splitlines():
        m = _INFO_LINE.match(line.strip())
        if not m:
            continue
        key, value = m.groups()
        if key in stats:  # a second model; keep the first
            continue
        if value in ("yes", "no"):
            stats[key] = value == "yes"
        else:
            try:
                number = float(value)
            except ValueError:
                stats[key] = value
            else:
                stats[key] = int(number) if number.is_integer() and "." not in value else number
    return stats


def parse_progress(line: str) -> tuple[int, str] | None:
    """(percent, step) of one of PrusaSlicer's progress lines, or None for any other line.

    ``"90 => Exporting G-code to /tmp/x/part.gcode"`` gives ``(90, "Exporting G-code")``:
    the temporary path says nothing to a reader.
    """
    m = _PROGRESS_LINE.match(line.strip())
    if m is None:
        return None
    step = m.group(2).strip()
    if step.startswith("Exporting G-code to "):
        step = "Exporting G-code"
    return min(int(m.group(1)), 100), step


def was_repaired(stats: dict[str, Any]) -> bool | None:
    if "manifold" not in stats:
        return None
    if stats["manifold"] is False:
        return True
    return any(stats.get(k, 0) for k in _REPAIR_KEYS)


def _meaningful_lines(text: str) -> list[tuple[str, str]]:
    """(level, message) for each line worth showing; progress and trace lines dropped."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _PROGRESS.match(line):
            continue
        level = ""
        m = _LOG_PREFIX.match(line)
        if m:
            level = m.group(1).lower()
            line = line[m.end():].strip()
            if level in ("trace", "debug", "info"):
                continue
        out.append((level, line))
    return out


def failure_message(stdout: str, stderr: str, returncode: int) -> str:
    """One line saying why PrusaSlicer failed: its last error, at most 200 characters."""
    err = _meaningful_lines(stderr)
    logged = [(lv, ln) for lv, ln in _meaningful_lines(stdout) if lv in ("error", "fatal")]
    picked = err[-1][1] if err else (logged[-1][1] if logged else "")
    if not picked:
        return f"PrusaSlicer exited with code {returncode} and no message; run it by hand " \
               "on the STL to see why"
    if len(picked) > 200:
        picked = picked[:197] + "..."
    return f"PrusaSlicer failed: {picked}"

