"""Writing a socket design: print files (STL, 3MF), CAD (STEP), AAOP shape files and reports.

The STEP file is the socket's smooth B-rep (:mod:`prosthetics.sockets.brep_socket`), built
and checked against the written STL in a process of its own, importing CadQuery there only.

The steps every product shares (staging, the STL read back, reports, the atomic move, then
slicing and the reports rewritten with its figures) are
:func:`prosthetics.design.output.write_outputs`; this module adds the socket's own files
and pictures.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from prosthetics import __version__
from prosthetics.design.output import (
    OutputPlan,
    bed_transforms,
    design_name,
    parameter_labels,
    prusaslicer,
    record_block,
    stl_row,
    write_outputs,
)
from prosthetics.design.registry import Product, register_product
from prosthetics.design.session import Design, run_design, socket_parameter_groups
from prosthetics.errors import ProstheticsError
from prosthetics.limb.measure import proximal_rim_z
from prosthetics.printing.profiles import get_material, get_printer
from prosthetics.printing.slicer import slice_options
from prosthetics.printing.threemf import write_3mf
from prosthetics.reports.helper import ReportHelper, beside
from prosthetics.reports.html import write_report_html
from prosthetics.reports.pictures import (
    anatomy_png,
    circumference_chart,
    decimate,
    print_bed_png,
    sections_png,
    socket_on_limb_png,
)
from prosthetics.reports.templating import check_templates
from prosthetics.resources import exports_dir, sample_scan
from prosthetics.scan.aaop import shape_from_mesh, write_aop

#: Bony landmarks named in the report's anatomy picture.
ANATOMY_SHOWN = ("patella_centre", "mid_patellar_tendon", "tibial_tuberosity", "fibular_head",
                 "distal_tibia")


def _write_aop_files(design: Design, folder: Path, stem: str) -> list[dict]:
    """AAOP files of the limb and of the rectified cavity, in the limb frame, with the
    landmarks; each records how its grid's axis sits in the limb frame."""
    res = design.socket_result
    lm = res.landmarks
    points = dict(lm.points) if lm is not None else {}
    side = lm.side.value.upper() if lm is not None else "RIGHT"
    out = []
    # The cavity's grid stops at the lowest point of its trim line, where its rim is still
    # closed all round; the limb's at the scan's top.
    for name, mesh, what, top in (
            (f"{stem}_limb.aop", design.limb, "limb as scanned",
             proximal_rim_z(design.limb) - 0.5),
            (f"{stem}_cavity.aop", res.cavity, "rectified cavity (the positive model)",
             min(proximal_rim_z(design.limb), res.trim_lowest_z_mm) - 0.5)):
        shape, offset = shape_from_mesh(mesh, landmarks=points, side=side, top_mm=top)
        note = (f"{what}; limb frame (+Z proximal, +Y anterior, mm); grid axis at "
                f"x = {offset[0]:.2f}, y = {offset[1]:.2f} mm")
        shape = dataclasses.replace(shape, comments=(note,))
        path = write_aop(folder / name, shape)
        out.append({"path": path.name, "format": "aop", "frame": "design", "what": what,
                    "levels": int(shape.radii_mm.shape[0]),
                    "angles": int(shape.radii_mm.shape[1]),
                    "axis_offset_mm": [round(float(v), 3) for v in offset],
                    "bytes": path.stat().st_size})
    return out


#: Seconds the STEP's own process may take before the STEP is given up (with a warning).
STEP_TIMEOUT_S = 600.0


def _step_case_id(design: Design) -> str:
    """The name the STEP header gives the part: the case ID, else the label's, else the
    scan's anonymous ID."""
    report = design.report
    label_id = getattr(design.socket_result.params, "label_case_id", "")
    return str(report.get("case") or label_id or report["input"]["scan_id"])


def _build_step(result, stl_path: str, design_to_print, step_path: str, case_id: str,
                program: str) -> dict:
    """In the STEP's own process: the socket's B-rep from its design, checked against the
    STL as written (moved back into the design frame), then the file; raises
    GeometryError (and writes nothing) when a check fails."""
    # CadQuery and OCP load here, in the STEP's process only (see the module docstring).
    from prosthetics.errors import GeometryError
    from prosthetics.geometry.step import write_solid_step
    from prosthetics.sockets.brep_socket import check_against_mesh, label_region, socket_brep

    stl = trimesh.load(stl_path, file_type="stl")
    stl.apply_transform(np.linalg.inv(np.asarray(design_to_print, dtype=float)))
    t = time.perf_counter()
    try:
        solid, made = socket_brep(result)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        check = check_against_mesh(solid, stl, exclude=label_region(result.label, stl))
        check_s = time.perf_counter() - t
        if not check["ok"]:
            raise GeometryError(f"it does not match the STL: {check['why']}")
    except Exception as exc:  # noqa: BLE001 - OCC raises its own types (Standard_Failure...)
        # The smooth model is not the printed part: the STEP holds the printed part itself,
        # its triangles as flat faces (what STEP files of sockets were before), and says why.
        return _faceted_step(stl, step_path, case_id, program, str(exc))
    written = write_solid_step(solid, step_path, case_id=case_id, program=program)
    faces: dict[str, int] = {}
    for f in solid.Faces():
        faces[f.geomType().lower()] = faces.get(f.geomType().lower(), 0) + 1
    return {"kind": "smooth", "faces": faces, "build_s": round(build_s, 3),
            "check_s": round(check_s, 3), "write_s": written["seconds"], "check": check,
            "made": made}


def _faceted_step(stl: trimesh.Trimesh, step_path: str, case_id: str, program: str,
                  why: str) -> dict:
    """The STL's own triangles as one STEP solid of flat faces (the same part, exactly)."""
    from prosthetics.geometry.step import mesh_to_solid, write_solid_step

    t = time.perf_counter()
    stl.merge_vertices()
    solid = mesh_to_solid(stl)
    build_s = time.perf_counter() - t
    written = write_solid_step(solid, step_path, case_id=case_id, program=program,
                               surface_curves=False, share_geometry=False)
    vol = round(solid.Volume() / 1000.0, 3)
    return {"kind": "faceted", "faces": {"plane": int(len(stl.faces))},
            "build_s": round(build_s, 3), "write_s": written["seconds"],
            "check": {"ok": True, "volume_brep_ml": vol, "why_not_smooth": why},
            "made": {"warnings": [f"socket.step holds the printed part as {len(stl.faces)} flat "
                                  f"faces, not the smooth model: {why}"],
                     "left_off": [], "timings_s": {}}}


def limb_pictures(limb: trimesh.Trimesh, socket: trimesh.Trimesh, anatomy: dict | None, *,
                  side: str | None, lang: str) -> dict[str, bytes]:
    """The report's views of the socket on the limb and, when ``anatomy`` is given (the
    fitted bones, landmarks, trim height and brim), of the anatomy: a job for the report
    helper (its arguments are plain meshes and arrays)."""
    limb, socket = decimate(limb), decimate(socket)
    pics = {"socket_on_limb": socket_on_limb_png(limb, socket, side=side, lang=lang)}
    if anatomy is not None:
        pics["anatomy"] = anatomy_png(limb, anatomy["bones"], anatomy["landmarks"],
                                      trim_z_mm=anatomy["trim_z_mm"], side=side,
                                      brim=anatomy["brim"], lang=lang)
    return pics


def _write_step(design: Design, path: Path, stl: Path) -> tuple[dict | None, str | None]:
    """The socket's STEP file, built in a process of its own; returns its figures, or None
    and the one-line warning that says why it was not written.

    The B-rep is built with OpenCascade, which can crash the process it runs in: a spawned
    process keeps that away from the desktop application and the batch worker, and the
    STL path never waits on it (it is only started when a STEP is asked for).
    """
    to_print = design.orientation.transform if design.orientation is not None else np.eye(4)
    ctx = multiprocessing.get_context("spawn")
    t = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            job = pool.submit(_build_step, design.socket_result, str(stl), to_print,
                              str(path), _step_case_id(design), f"prosthetics {__version__}")
            info = job.result(timeout=STEP_TIMEOUT_S)
    except BrokenProcessPool:
        return None, "STEP not written: the CAD kernel (OpenCascade) crashed building it"
    except FuturesTimeout:
        return None, f"STEP not written: building it took over {STEP_TIMEOUT_S:.0f} s"
    except ProstheticsError as exc:
        return None, f"STEP not written: {exc}"
    except Exception as exc:  # noqa: BLE001 - OCC raises its own types (Standard_Failure...)
        return None, f"STEP not written: building it failed ({type(exc).__name__}: {exc})"
    info["seconds"] = round(time.perf_counter() - t, 3)
    return info, None


def write_design(design: Design, out_dir: str | os.PathLike, *, stem: str = "socket",
                 progress: Callable[[str, float], None] | None = None,
                 formats: frozenset[str] | None = None,
                 slice_progress: Callable[[Any], None] | None = None,
                 cancel: Callable[[], bool] | None = None,
                 record: dict | None = None, lang: str | None = None,
                 templates_dir: str | os.PathLike | None = None,
                 scan_path: str | os.PathLike | None = None, pdf: bool = True,
                 helper: ReportHelper | None = None) -> dict:
    """Write print files and reports atomically, then slice and add the slicer's figures.

    ``record`` gives the reports' clinic, clinician and scan date (``report["record"]``,
    :func:`~prosthetics.design.output.record_block`; the scan date defaults to the
    modification date of ``scan_path``, the scan file, when it is given).  ``lang`` is the
    reports' language (default ``record["language"]``, else "en") and ``templates_dir`` a
    clinic's report templates folder; ``report.pdf`` is made from ``report.html`` unless
    ``pdf`` is false.  ``helper`` (:class:`~prosthetics.reports.helper.ReportHelper`)
    draws the slow pictures and lays out the PDF in a second process.

    ``formats`` is a set of :data:`~prosthetics.design.session.EXPORT_FORMATS` (see
    :func:`~prosthetics.design.session.parse_formats`); default the design's ``formats``
    parameter.

    Everything is first written to a temporary folder beside ``out_dir`` and moved in only
    when all of it succeeded, so a failure leaves no partial output.  With slicing on,
    PrusaSlicer runs after that and both reports are rewritten with its result
    (``slice_progress`` and ``cancel`` as
    :func:`~prosthetics.design.output.write_outputs`).  Returns the report, once the
    slicer's figures are in.

    Raises
    ------
    ParameterError
        The slicer's settings are out of range (before anything is written).
    SliceInterrupted
        Ctrl+C while slicing (the files are written).
    """
    if formats is None:
        formats = design.groups["export"].format_set
    report = design.report
    report["record"] = record_block(record, scan_path if scan_path is not None
                                    else getattr(design, "scan_path", None))
    lang = lang or report["record"].get("language") or "en"
    check_templates(lang, templates_dir, pages=("design.html",))   # before any work
    report["template"]["labels"] = parameter_labels(design.groups)
    exp = design.groups["export"]
    printer = get_printer(exp.printer)
    material = get_material(exp.material)
    slice_settings = {"layer_height_mm": exp.layer_height_mm}
    part = design.print_part                # the print files stand as they print

    # One placement for the 3MF and the report's picture of the part on the bed.
    to_bed, design_to_bed = bed_transforms(report, part, printer, design.orientation)

    def files(folder: Path, stl: Path) -> list[dict]:
        rows = []
        if "3mf" in formats:
            # The 3MF is a print job: the part as it prints, on the middle of the bed.
            # Its settings are those of the design's own slice, so slicing the delivered
            # file gives the report's filament and time.
            path = folder / f"{stem}.3mf"
            opts = slice_options(printer, material, **slice_settings)
            write_3mf(path, part.copy().apply_transform(to_bed),
                      title=part.metadata.get("name") or design_name(report),
                      application=f"prosthetics {__version__}",
                      slicer_options=opts,
                      metadata={"Description": f"{report.get('kind', 'socket')} "
                                               f"{design_name(report)}"})
            rows.append(stl_row(path, design.socket, "3mf",
                                transform_design_to_file=np.round(design_to_bed, 9).tolist(),
                                slicer_settings=opts))
        if "step" in formats:
            # STEP is for CAD: it keeps the design frame.  It never fails the design: the
            # smooth model when it matches the STL, else the STL's own triangles as flat
            # faces (with a warning saying why), else no STEP and a warning.
            path = folder / f"{stem}.step"
            info, why = _write_step(design, path, stl)
            if info is None:
                report["warnings"].append(why)
                report["checks"]["step"] = {"written": False, "why": why}
            else:
                check = info.pop("check")
                made = info.pop("made")
                report["checks"]["step"] = {"written": True, "kind": info["kind"], **check}
                report["warnings"].extend(made["warnings"])
                rows.append({"path": path.name, "format": "step", "frame": "design",
                             "bytes": path.stat().st_size,
                             "volume_ml": check["volume_brep_ml"],
                             "left_off": [x["feature"] for x in made["left_off"]],
                             "timings_s": made["timings_s"], **info})
        if "aop" in formats:
            rows += _write_aop_files(design, folder, stem)
        return rows

    side = getattr(getattr(design.groups["template"], "limb_side", None), "value", None)

    def pictures(helper: ReportHelper | None) -> Callable[[], dict[str, bytes]]:
        # The limb views and the anatomy (the slow two) in the helper, while this process
        # writes the print files and then draws the rest.
        anatomy = None
        if design.anatomy is not None:
            parts = design.anatomy.parts()
            parts.pop("skin")
            anatomy = {"bones": parts,
                       "landmarks": {k: v for k, v in design.anatomy.landmarks.items()
                                     if k in ANATOMY_SHOWN},
                       "trim_z_mm": design.socket_result.trim_anterior_z_mm,
                       "brim": design.socket_result.grid.limb_points[-1]}
        views = beside(helper, limb_pictures, design.limb, design.socket, anatomy,
                       side=side, lang=lang)

        def made() -> dict[str, bytes]:
            socket = decimate(design.socket)
            drawn = socket if design.orientation is None else design.orientation.apply(socket)
            rest = {"sections": sections_png(design.limb, design.socket, side=side, lang=lang),
                    "on_the_bed": print_bed_png(drawn, printer, to_bed, lang=lang),
                    "circumferences": circumference_chart(
                        report["measurements"], report["socket"].get("inner_circumferences"),
                        lang=lang)}
            first = views()
            order = ("socket_on_limb", "sections", "anatomy", "on_the_bed", "circumferences")
            return {k: {**first, **rest}[k] for k in order if k in first or k in rest}

        return made

    def write_html(rep: dict, pics: dict, path: Path) -> None:
        timings = rep["timings_s"]
        total = round(sum(v for k, v in timings.items() if k != "total"), 3)
        timings.pop("total", None)      # last, also when slicing added a stage
        timings["total"] = total
        write_report_html(rep, pics, path, lang=lang, templates_dir=templates_dir)

    slice_ = prusaslicer(printer, material, **slice_settings) if exp.slice else None
    plan = OutputPlan(stem=stem, part=part, keep_stl="stl" in formats, files=files,
                      slice=slice_, pictures=pictures, write_html=write_html, pdf=pdf)
    return write_outputs(report, out_dir, plan, progress=progress,
                         slice_progress=slice_progress, cancel=cancel, helper=helper)


def design(scan_path: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None,
           **kwargs) -> dict:
    """Run and write a design; the sample scan and ``exports/<scan name>`` when not given."""
    scan_path = Path(scan_path) if scan_path is not None else sample_scan()
    out_dir = Path(out_dir) if out_dir is not None else exports_dir() / scan_path.stem
    return write_design(run_design(scan_path, **kwargs), out_dir, scan_path=scan_path)


register_product(Product(name="socket", default_template="transtibial",
                         side_parameter="limb_side", run=run_design,
                         write=write_design, parameter_groups=socket_parameter_groups))
