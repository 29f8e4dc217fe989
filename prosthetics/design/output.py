"""The one writer of a design's files, for sockets and insoles alike.

A run's outputs are written in one piece (:class:`prosthetics.fileio.Staging`): the print
part as binary STL, read back and checked; the product's other files (3MF, STEP, AAOP);
the slicer's result when slicing is on; the pictures, ``report.html`` and
``report.json``.  Only when all of them succeeded are they moved into the output folder,
so a failure leaves no partial output and the previous files untouched.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from prosthetics.fileio import Staging
from prosthetics.printing.bed import bed_placement

Progress = Callable[[str, float], None] | None


def _step(progress: Progress, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


@dataclass(kw_only=True)
class OutputPlan:
    """What one product writes, as callbacks over the staging folder.

    Attributes
    ----------
    stem
        File name stem of the print files ("socket", "insole_left").
    part
        The part as the print files hold it (print orientation, mm).
    keep_stl
        Whether the STL is one of the outputs (it is always written: the checks and the
        slicer read it).
    files
        ``files(folder, stl_path) -> [output row, ...]``: the product's other files.
    slice
        ``slice(stl_path) -> SliceResult``, or None when slicing is off.
    pictures
        ``pictures() -> {name: PNG bytes}`` for the human report.
    write_html
        ``write_html(report, pictures, path)``: the human report.
    """

    stem: str
    part: trimesh.Trimesh
    keep_stl: bool = True
    files: Callable[[Path, Path], list[dict]]
    slice: Callable[[Path], Any] | None
    pictures: Callable[[], dict[str, bytes]]
    write_html: Callable[[dict, dict, Path], None]


def stl_row(path: Path, mesh: trimesh.Trimesh, fmt: str = "stl", frame: str = "print",
            **extra) -> dict:
    """The ``outputs`` row of a mesh file: name, format, frame, triangles, volume, bytes."""
    return {"path": path.name, "format": fmt, "frame": frame,
            "triangles": int(len(mesh.faces)),
            "volume_ml": round(float(mesh.volume) / 1000.0, 3),
            "bytes": path.stat().st_size, **extra}


def bed_transforms(report: dict, part: trimesh.Trimesh, printer,
                   orientation=None) -> tuple[np.ndarray, np.ndarray]:
    """Where the print files put the part on the printer's bed.

    Returns
    -------
    part_to_bed : (4, 4) float
        From the part as it prints to the bed: turned about z as the printer fit in
        ``report["checks"]["printer"]`` asks, in the middle of the bed (mm).
    design_to_bed : (4, 4) float
        From the design frame to the bed, through the print orientation, for the report.
    """
    part_to_bed = bed_placement(part, printer,
                                report["checks"]["printer"].get("rotation_deg") or 0.0)
    if orientation is None:
        return part_to_bed, part_to_bed
    return part_to_bed, part_to_bed @ orientation.transform


def slicer_record(result, warnings: list[str]) -> dict:
    """The slicer's result for ``checks.slicer``; a failure or a skip is also a warning."""
    if result is None:
        return {"ran": False, "ok": None, "message": "slicing turned off (slice=false)"}
    if result.ran and not result.ok:
        warnings.append(f"PrusaSlicer could not slice the STL: {result.message}")
    elif not result.ran:
        warnings.append(f"not sliced: {result.message}")
    return result.as_dict()


def write_outputs(report: dict, out_dir: str | os.PathLike, plan: OutputPlan, *,
                  progress: Progress = None) -> dict:
    """Write ``plan``'s files and the reports into ``out_dir`` atomically; returns ``report``
    with ``outputs``, ``checks.stl_file``, ``checks.slicer`` and the timings filled in."""
    timings = report["timings_s"]
    with Staging(out_dir) as st:
        t = time.perf_counter()
        _step(progress, "export", 0.82)
        stl = st.tmp / f"{plan.stem}.stl"
        plan.part.export(stl, file_type="stl")
        # Check the file that ships, not only the mesh in memory: STL readers weld vertices
        # by position, which is where float32 rounding can open a seam.
        back = trimesh.load(stl, file_type="stl")
        report["checks"]["stl_file"] = {"watertight": bool(back.is_watertight),
                                        "volume_ml": round(float(back.volume) / 1000.0, 3)}
        if not back.is_watertight:
            report["warnings"].append("the written STL is not watertight when read back; "
                                      "a slicer will have to repair it")
        outputs = [stl_row(stl, plan.part)] if plan.keep_stl else []
        outputs += plan.files(st.tmp, stl)
        timings["export"] = round(time.perf_counter() - t, 3)

        result = None
        if plan.slice is not None:
            t = time.perf_counter()
            _step(progress, "slice", 0.85)
            result = plan.slice(stl)
            timings["slice"] = round(time.perf_counter() - t, 3)
        report["checks"]["slicer"] = slicer_record(result, report["warnings"])
        report["outputs"] = outputs

        t = time.perf_counter()
        _step(progress, "report", 0.95)
        pictures = plan.pictures()
        timings["report"] = round(time.perf_counter() - t, 3)
        plan.write_html(report, pictures, st.tmp / "report.html")
        (st.tmp / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        if not plan.keep_stl:
            stl.unlink()
        st.publish()
        for o in report["outputs"]:
            o["path"] = str(st.out / o["path"])
    _step(progress, "done", 1.0)
    return report
