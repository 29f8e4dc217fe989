"""The insole pipeline: one foot scan to one insole, for the CLI, the GUI and batch alike.

    load -> clean and foot frame -> plantar height map -> insole template -> check

:func:`run_insole` computes everything in memory and returns an :class:`InsoleDesign`;
:func:`write_insole` writes its STL, 3MF (with PrusaSlicer's settings inside) and reports.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
from prosthetics.design.presets import product_of, resolve_template
from prosthetics.design.registry import (
    Builder,
    Product,
    register_builder,
    register_product,
)
from prosthetics.errors import N_, ParameterError
from prosthetics.insoles.foot import Foot, FootParams, process_foot
from prosthetics.insoles.template import (
    InsoleExportParams,
    InsoleParams,
    InsoleResult,
    LengthKind,
    OutlineFrom,
    build_insole,
    measure_insole,
)
from prosthetics.params import apply_settings, param_infos
from prosthetics.printing.checks import solid_checks
from prosthetics.printing.orientation import orientation_check
from prosthetics.printing.profiles import get_material, get_printer
from prosthetics.printing.slicer import slice_options
from prosthetics.printing.threemf import write_3mf
from prosthetics.reports.helper import ReportHelper, beside
from prosthetics.reports.insole import insole_pictures, write_insole_report_html
from prosthetics.reports.templating import check_templates
from prosthetics.scan.loaders import Units, load_scan


def insole_parameter_groups(preset=None, settings: dict | None = None) -> dict:
    """Parameter groups of the insole pipeline: ``foot``, ``template``, ``export``, with a
    preset's values and then ``settings`` applied (unknown keys are errors)."""
    groups = {"foot": FootParams(), "template": InsoleParams(), "export": InsoleExportParams()}
    if preset is not None:
        groups = apply_settings(groups, preset.parameters)
    return apply_settings(groups, settings or {})


def resolve_insole_preset(template=None):
    """An insole preset by name (templates/) or path; default "insole"."""
    preset = resolve_template(template or "insole")
    if product_of(preset) != "insole":
        raise ParameterError.of(N_("preset %(name)s is a %(builder)s socket; pick an insole preset "
                                   "(prosthetics templates list)"), name=repr(preset.name),
                                builder=preset.builder)
    return preset


@dataclass(kw_only=True)
class InsoleDesign:
    """Everything an insole run produced, in memory."""

    report: dict
    foot: Foot
    insole: InsoleResult
    groups: dict
    scan_to_design: np.ndarray
    scan: object
    #: How the print files stand on the bed (:class:`prosthetics.printing.orientation.OrientationChoice`).
    orientation: object = None


def run_insole(scan_path, *, template=None, settings: dict | None = None, units=None,
               progress=None, case_id: str | None = None) -> InsoleDesign:
    """Load, clean, align and measure a foot scan, fit the insole and check it, in memory.

    Parameters
    ----------
    scan_path : path-like
    template : str or path, optional
        Insole preset (default "insole").
    settings : dict, optional
        ``KEY=VALUE`` overrides (strings are converted).
    units : "mm", "cm", "m", optional
    progress : callable(stage, fraction), optional
    case_id : str, optional
        Names the report and the print files instead of the scan's anonymous ID.
    """
    def step(name, frac):
        if progress is not None:
            progress(name, frac)

    preset = resolve_insole_preset(template)
    groups = insole_parameter_groups(preset, settings)
    if units is not None:
        try:
            units = Units(units)
        except ValueError:
            raise ParameterError.of(N_("--units %(units)s is not one of mm, cm, m"),
                                    units=repr(units)) from None
    timings = {}
    t = time.perf_counter()
    step("load", 0.0)
    scan = load_scan(scan_path, units=units)
    timings["load"] = time.perf_counter() - t
    t = time.perf_counter()
    step("foot", 0.1)
    foot = process_foot(scan, groups["foot"])
    timings["foot"] = time.perf_counter() - t
    t = time.perf_counter()
    step("template", 0.4)
    ins = build_insole(foot, groups["template"])
    timings["template"] = time.perf_counter() - t
    t = time.perf_counter()
    step("check", 0.7)
    solid = solid_checks(ins.mesh)
    meas = measure_insole(ins, foot)
    exp = groups["export"]
    printer, material = get_printer(exp.printer), get_material(exp.material)
    orientation, fit, lines = orientation_check(
        ins.mesh, printer, names={"+X": "the toes", "-X": "the heel"},
        preferred_face="the insole's bottom")
    timings["check"] = time.perf_counter() - t
    warnings = [*foot.warnings, *ins.warnings, *lines]
    tp = groups["template"]
    # The design frame is the foot frame (plantar plane at z = 0, the insole's bottom at
    # -base), mirrored about y = 0 for the other foot.
    mirror = np.diag([1.0, -1.0, 1.0, 1.0]) if ins.mirrored else np.eye(4)
    scan_to_design = mirror @ foot.transform @ scan.file_to_mm
    fm = foot.measurements.as_dict()
    report = {
        "schema": "prosthetics.report/1",
        "tool": {"name": "prosthetics", "version": __version__},
        "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": "insole",
        **({"case": case_id} if case_id else {}),
        "input": {"scan_id": scan.scan_id, "sha256": scan.sha256, "units": scan.units.value,
                  "units_source": scan.units_source, "point_count": scan.n_input_points,
                  "is_mesh": scan.is_mesh, "notes": list(scan.notes)},
        "transform_scan_to_design": np.round(scan_to_design, 9).tolist(),
        "frame": "foot frame: +X heel to toe, +Z up, plantar plane at z = 0, +Y to the foot's "
                 "left" + ("; mirrored about y = 0 for the other foot" if ins.mirrored else ""),
        "cleaning": {"steps": foot.steps, "floor_found": foot.floor_found},
        "foot": {"scanned_side": foot.side.value, "side_source": foot.side_source,
                 "side_evidence": foot.side_evidence},
        "measurements": {k: fm[k] for k in ("foot_length_mm", "ball_width_mm",
                                             "heel_width_mm", "arch_height_mm")},
        "landmarks": {k: fm[k] for k in ("met_heads_x_mm", "arch_x_mm", "heel_centre_y_mm",
                                          "ball_centre_y_mm")},
        "template": {"name": "insole", "preset": preset.name, "label": preset.label,
                     "parameters": tp.as_dict(),
                     "units": {k: i.unit for k, (_f, i) in param_infos(tp).items()},
                     "pipeline_parameters": {g: groups[g].as_dict() for g in ("foot", "export")}},
        "insole": {"side": ins.side.value, "mirrored": ins.mirrored, **ins.metrics,
                   "measured": meas,
                   "outline_xy_mm": np.round(ins.outline_xy, 2).tolist(),
                   "print_orientation": orientation.as_dict()},
        "checks": {**solid, "printer": fit, "material": material.name,
                   "length_mm": meas["length_mm"],
                   "length_expected_mm": round(fm["foot_length_mm"] + tp.length_margin_mm, 2)
                   if tp.outline_from is OutlineFrom.FOOTPRINT
                   and tp.length_kind is LengthKind.FULL else None},
        "outputs": [],
        "warnings": warnings,
        "timings_s": {**{k: round(v, 3) for k, v in timings.items()},
                      **{f"template.{k}": v for k, v in ins.timings_s.items()}},
    }
    step("done", 0.8)
    return InsoleDesign(report=report, foot=foot, insole=ins, groups=groups,
                        scan_to_design=scan_to_design, scan=scan, orientation=orientation)


def insole_slice_settings(groups: dict, *, supports: bool = False) -> dict:
    """The insole's :class:`~prosthetics.printing.slicer_settings.SliceSettings` keywords:
    those of its own slice and of its 3MF print job."""
    exp = groups["export"]
    return dict(layer_height_mm=exp.layer_height_mm, perimeters=exp.perimeters,
                infill_percent=exp.infill_percent, infill_pattern=exp.infill_pattern,
                supports=supports, brim_width_mm=3.0)


def write_insole(design: InsoleDesign, out_dir, *, stem: str | None = None,
                 progress=None, slice_progress=None, cancel=None,
                 record: dict | None = None, lang: str | None = None,
                 templates_dir=None, pdf: bool = True,
                 helper: ReportHelper | None = None) -> dict:
    """Write STL, 3MF, report.json, report.html and report.pdf atomically; slice the STL
    when asked.

    ``record`` gives the reports' clinic, clinician and scan date (the scan file's
    modification date when not given); ``lang`` their language (default
    ``record["language"]``, else "en"), ``templates_dir`` a clinic's report templates;
    ``pdf`` false leaves report.pdf out; ``helper``
    (:class:`~prosthetics.reports.helper.ReportHelper`) draws the pictures and lays out
    the PDF in a second process.

    Everything is written to a temporary folder beside ``out_dir`` and moved in only when
    all of it succeeded; then PrusaSlicer slices and both reports are rewritten with its
    result (:func:`prosthetics.design.output.write_outputs`, which also says what
    ``slice_progress`` and ``cancel`` are).  Returns the report, once the slicer's figures
    are in.
    """
    stem = stem or f"insole_{design.insole.side.value}"
    report = design.report
    report["record"] = record_block(record, getattr(design.scan, "path", None) or None)
    lang = lang or report["record"].get("language") or "en"
    check_templates(lang, templates_dir, pages=("insole.html",))   # before any work
    report.setdefault("template", {})["labels"] = parameter_labels(design.groups)
    mesh = design.insole.mesh
    turned = design.orientation is not None and not design.orientation.is_preferred
    if turned:                              # the print files stand as they print
        mesh = design.orientation.apply(mesh)
    exp = design.groups["export"]
    printer = get_printer(exp.printer)

    material = get_material(exp.material)
    settings = insole_slice_settings(design.groups, supports=turned)

    def files(folder: Path, stl: Path) -> list[dict]:
        tmf = folder / f"{stem}.3mf"
        # The 3MF is a print job: the part stands on the bed's middle (PrusaSlicer refuses
        # a part off the bed), with the very settings of the insole's own slice; the STL
        # keeps the print orientation's coordinates.
        cfg = slice_options(printer, material, **settings)
        to_bed, design_to_bed = bed_transforms(report, mesh, printer, design.orientation)
        name = mesh.metadata.get("name") or design_name(report)
        write_3mf(tmf, mesh.copy().apply_transform(to_bed), title=name,
                  application=f"prosthetics {__version__}", slicer_options=cfg,
                  metadata={"Description": f"insole ({design.insole.side.value}) {name}"})
        return [stl_row(tmf, mesh, "3mf", slicer_settings=cfg,
                        transform_design_to_file=np.round(design_to_bed, 9).tolist())]

    slice_ = prusaslicer(printer, material, **settings) if exp.slice else None
    plan = OutputPlan(stem=stem, part=mesh, files=files, slice=slice_,
                      pictures=lambda helper: beside(helper, insole_pictures, design, lang),
                      write_html=lambda rep, pics, path: write_insole_report_html(
                          rep, pics, path, lang=lang, templates_dir=templates_dir),
                      pdf=pdf)
    return write_outputs(report, out_dir, plan, progress=progress,
                         slice_progress=slice_progress, cancel=cancel, helper=helper)


register_builder(Builder(name="insole", product="insole", params=InsoleParams,
                         build=build_insole))
register_product(Product(name="insole", default_template="insole",
                         side_parameter="side", run=run_insole,
                         write=write_insole, parameter_groups=insole_parameter_groups))
