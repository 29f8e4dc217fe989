"""The socket pipeline: one scan to one socket, for the CLI, the GUI and batch alike.

    load -> clean -> align -> measure -> rectify + fit template -> check

:class:`DesignSession` keeps a design in memory and recomputes only the stages a change
invalidates; :func:`run_design` runs it once and returns a :class:`Design`;
:func:`prosthetics.design.socket_writer.write_design` writes it.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from prosthetics import __version__
from prosthetics.design.presets import parameter_groups, product_of, resolve_template
from prosthetics.design.registry import Builder, get_builder, register_builder
from prosthetics.errors import N_, ParameterError, ProstheticsError
from prosthetics.limb.align import AlignParams, align_limb
from prosthetics.limb.compare import SOCK_PLY_PERCENT
from prosthetics.limb.measure import MeasureParams, measure_limb, sections, volume_below
from prosthetics.params import Params, apply_settings, param, param_infos
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.printing.orientation import orientation_check
from prosthetics.printing.profiles import get_material, get_printer
from prosthetics.scan.clean import CleanParams, clean_scan
from prosthetics.scan.loaders import Units, load_scan
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.label import case_id_from_name
from prosthetics.sockets.rectification import Rectification
from prosthetics.sockets.strength import fenestration_warnings, strength_warnings
from prosthetics.sockets.transfemoral import TransfemoralParams, build_transfemoral
from prosthetics.sockets.transradial import TransradialParams, build_transradial
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial

for _name, _params, _build in (("transtibial", TranstibialParams, build_transtibial),
                               ("transradial", TransradialParams, build_transradial),
                               ("transfemoral", TransfemoralParams, build_transfemoral)):
    register_builder(Builder(name=_name, product="socket", params=_params, build=_build))

#: Files ``design`` can write (``--format``, or the ``formats`` parameter), each with its
#: writer; STL is always made (the checks and the slicer read it) and kept when asked for.
#: ``aop`` writes two AAOP shape files: the limb and the rectified cavity.
EXPORT_FORMATS = ("stl", "3mf", "step", "aop")
DEFAULT_FORMATS = frozenset({"stl", "3mf"})


def parse_formats(text: str | None) -> frozenset[str]:
    """``"stl,3mf,step"`` -> the set of formats; unknown names are a ParameterError."""
    if text is None:
        return DEFAULT_FORMATS
    names = {w.strip().lower().lstrip(".") for w in str(text).split(",") if w.strip()}
    unknown = sorted(names - set(EXPORT_FORMATS))
    if unknown or not names:
        if unknown:
            raise ParameterError.of(N_("formats %(text)s: unknown %(unknown)s; give a comma list "
                                       "of %(formats)s"), text=repr(text),
                                    unknown=", ".join(unknown), formats=", ".join(EXPORT_FORMATS))
        raise ParameterError.of(N_("formats %(text)s: empty; give a comma list of %(formats)s"),
                                text=repr(text), formats=", ".join(EXPORT_FORMATS))
    return frozenset(names)


@dataclass(frozen=True, kw_only=True)
class ExportParams(Params):
    printer: str = param("large_300", label="Printer",
                         help="A printer profile in templates/printers.toml (sockets are often "
                              "taller than the 250 mm of the smaller class)")
    material: str = param("petg", label="Material",
                          help="A material preset in templates/materials.toml")
    slice: bool = param(True, label="Slice with PrusaSlicer",
                        help="Slice the STL to prove it prints and estimate filament and time")
    layer_height_mm: float = param(0.2, label="Layer height", unit="mm", min=0.05, max=0.6)
    formats: str = param("stl,3mf", label="File formats",
                         help="Comma list of the files to write: stl and 3mf (print files), "
                              "step (CAD), aop (AAOP shape files of the limb and the rectified "
                              "cavity, for other O&P CAD and carving systems)")

    def __post_init__(self) -> None:
        super().__post_init__()
        parse_formats(self.formats)

    @property
    def format_set(self) -> frozenset:
        return parse_formats(self.formats)


@dataclass(kw_only=True)
class Design:
    """Everything a design run produced, in memory."""

    report: dict
    limb: trimesh.Trimesh
    socket: trimesh.Trimesh
    socket_result: Any
    groups: dict
    scan_to_design: np.ndarray
    warnings: list = field(default_factory=list)
    #: How the print files stand on the bed (:class:`prosthetics.printing.orientation.OrientationChoice`).
    orientation: Any = None
    #: The shape model fitted to the limb, design frame (:class:`prosthetics.limb.anatomy.AnatomyFit`), or None.
    anatomy: Any = None
    #: What was set by hand (:class:`prosthetics.sockets.rectification.Rectification`), or None.
    rectification: Any = None
    #: The scan file the design was made from (its date is the reports' scan date).
    scan_path: Path | None = None

    @property
    def print_part(self) -> trimesh.Trimesh:
        """The socket as the print files hold it: in the chosen print orientation (the
        design frame itself when the part prints as designed)."""
        return self.orientation.apply(self.socket) if self.orientation is not None \
            else self.socket


def _progress(cb, stage: str, fraction: float) -> None:
    if cb is not None:
        cb(stage, fraction)


class Cancelled(ProstheticsError):
    """The run was cancelled between two stages."""


#: Stages in order, and which parameter groups each one reads.
STAGES = ("load", "clean", "align", "measure", "template", "check")
_STAGE_OF_GROUP = {"clean": "clean", "align": "align", "measure": "measure",
                   "template": "template", "export": "check"}
_FRACTION = {"load": 0.0, "clean": 0.05, "align": 0.35, "measure": 0.45, "template": 0.55,
             "check": 0.75}


class DesignSession:
    """A design kept in memory, recomputing only the stages a change invalidates.

    The CLI runs it once (:func:`run_design`); the desktop application keeps one per open
    case and calls :meth:`set` and :meth:`update` as the user edits parameters, so both run
    exactly the same code.

    Parameters
    ----------
    scan_path
        The scan file.
    template
        Preset name or path (default "transtibial").
    settings
        ``KEY=VALUE`` overrides of any parameter (strings are converted).
    units
        Force the scan's unit ("mm", "cm", "m").
    """

    def __init__(self, scan_path: str | os.PathLike, *, template: str | os.PathLike | None = None,
                 settings: dict[str, Any] | None = None, units: Units | str | None = None,
                 landmarks: dict | None = None, rectification: Rectification | None = None,
                 case_id: str | None = None):
        self.scan_path = Path(scan_path)
        #: The case the design is for (names the report, the print files and the label;
        #: without it they carry the scan's anonymous ID).
        self.case_id = case_id or None
        self.preset = resolve_template(template)
        if product_of(self.preset) != "socket":
            raise ParameterError.of(N_("%(preset)s is an insole preset; run 'prosthetics insole "
                                       "--template %(name)s'"), preset=repr(self.preset.name),
                                    name=self.preset.name)
        self.groups: dict[str, Params] = parameter_groups(self.preset, settings)
        if units is not None:
            try:
                units = Units(units)
            except ValueError:
                raise ParameterError.of(N_("--units %(units)s is not one of mm, cm, m"),
                                        units=repr(units)) from None
        self.units = units
        self.results: dict[str, Any] = {}
        self.timings: dict[str, float] = {}
        self._template_cache = TemplateCache()
        self._fits = None
        self.rectification = Rectification()
        self.set_rectification((rectification or Rectification()).with_landmarks_under(
            landmarks))

    def set_landmarks(self, points: dict) -> None:
        """Landmarks set by the user (name -> (3,) mm, design frame), over the guesses."""
        self.set_rectification(self.rectification.replace(
            landmarks={k: tuple(np.asarray(v, dtype=float)) for k, v in points.items()}))

    def set_rectification(self, hand: Rectification) -> None:
        """Landmarks, trim points and strokes set by hand (design frame, mm); the socket
        and its checks are built again."""
        self.rectification = hand
        self._template_cache.rectification = hand
        self._template_cache.landmark_overrides = {k: np.asarray(v, dtype=float)
                                                   for k, v in hand.landmarks.items()}
        for stage in STAGES[STAGES.index("template"):]:
            self.results.pop(stage, None)

    # -- parameters ------------------------------------------------------------------
    def set(self, settings: dict[str, Any]) -> str | None:
        """Change parameters; returns the first stage that must run again (or None)."""
        before = self.groups
        self.groups = apply_settings(self.groups, settings)
        changed = [g for g in self.groups if self.groups[g] != before[g]]
        first = min((STAGES.index(_STAGE_OF_GROUP[g]) for g in changed), default=None)
        # The side picks which of the shape model's fits (right or left leg) aligns the limb.
        if getattr(self.groups["template"], "limb_side", None) != \
                getattr(before["template"], "limb_side", None):
            first = min(first, STAGES.index("align"))
        if first is None:
            return None
        for stage in STAGES[first:]:
            self.results.pop(stage, None)
        return STAGES[first]

    def stale(self) -> list[str]:
        """Stages that have not run with the current parameters."""
        return [s for s in STAGES if s not in self.results]

    # -- running ---------------------------------------------------------------------
    def update(self, progress: Callable[[str, float], None] | None = None,
               cancel: Callable[[], bool] | None = None, until: str = "check") -> None:
        """Run the stale stages up to and including ``until``.

        Raises
        ------
        Cancelled
            When ``cancel()`` turns true between two stages.
        """
        last = STAGES.index(until)
        for stage in STAGES[:last + 1]:
            if stage in self.results:
                continue
            if cancel is not None and cancel():
                raise Cancelled(f"cancelled before {stage}")
            _progress(progress, stage, _FRACTION[stage])
            t = time.perf_counter()
            self.results[stage] = getattr(self, f"_run_{stage}")()
            self.timings[stage] = time.perf_counter() - t
        _progress(progress, "done", 0.8 if until == "check" else _FRACTION[until] + 0.05)

    def _run_load(self):
        return load_scan(self.scan_path, units=self.units)

    def _run_clean(self):
        return clean_scan(self.results["load"], self.groups["clean"])

    def _run_align(self):
        side = getattr(getattr(self.groups["template"], "limb_side", None), "value", "right")
        cleaned = self.results["clean"]
        # The shape model's fit depends only on the cleaned limb: reused when the side or
        # the anterior turn changes.
        fits = self._fits[1] if self._fits is not None and self._fits[0] is cleaned else None
        res = align_limb(cleaned, self.groups["align"], anatomy=self.preset.builder,
                         side=side, fits=fits)
        self._fits = (cleaned, res.fits) if res.fits is not None else None
        return res

    def _run_measure(self):
        return measure_limb(self.results["align"].mesh, self.groups["measure"])

    def _run_template(self):
        self._template_cache.anatomy = self.results["align"].anatomy
        build = get_builder(self.preset.builder).build
        return build(self.results["align"].mesh, self._template_params(), self._template_cache)

    def file_landmarks(self) -> dict:
        """Landmarks that came with the scan file (AAOP), in the design frame (mm)."""
        marks = self.results["load"].landmarks
        if not marks:
            return {}
        # Scan landmarks are already in millimetres: only the alignment applies.
        pts = trimesh.transform_points(np.array(list(marks.values())),
                                       self.results["align"].transform)
        return dict(zip(marks, pts))

    def _template_params(self):
        """The template group as built: the label's case ID defaulting to the scan's
        anonymous ID (never its file name, often the patient's), and the MPT height from the scan file's own landmarks when the file has one and no
        height was set."""
        tp = self.groups["template"]
        if getattr(tp, "label", False) and not tp.label_case_id:
            load = self.results.get("load")
            tp = tp.replace(label_case_id=case_id_from_name(
                self.case_id or (load.scan_id if load is not None else "CASE")))
        mpt = self.file_landmarks().get("mid_patellar_tendon")
        if mpt is not None and getattr(tp, "mpt_height_mm", 0.0) is None:
            tp = tp.replace(mpt_height_mm=round(float(mpt[2]), 2))
        return tp

    #: Grid of the live preview (the export uses the template's own grid).
    PREVIEW_GRID = {"grid_rows": 48, "grid_columns": 64}

    def preview(self):
        """The socket for the current template parameters, fast, on a coarser grid.

        For live feedback while a parameter is edited: the same builder and parameters
        on a 48 x 64 grid, reusing the limb's ray scene and the adapter parts; no checks
        and no label.  Runs the stages before the template first if they are stale.
        """
        self.update(until="measure")
        self._template_cache.anatomy = self.results["align"].anatomy
        build = get_builder(self.preset.builder).build
        tp = self._template_params()
        params = tp.replace(**{k: min(v, getattr(tp, k)) for k, v in self.PREVIEW_GRID.items()},
                            **({"label": False} if getattr(tp, "label", False) else {}))
        return build(self.results["align"].mesh, params, self._template_cache)

    def _run_check(self) -> dict:
        sock = self.results["template"]
        warnings = []
        solid = solid_checks(sock.mesh)
        wall = measure_wall(sock.mesh, sock.inner_surface,
                            above_z_mm=max(sock.adapter.pedestal_top_z_mm + 1.0,
                                           getattr(sock, "wall_check_above_z_mm", 0.0)),
                            brim_clearance_mm=float(sock.wall_target_mm.max()) + 0.5,
                            openings=getattr(sock, "fenestrations", None))
        required = float(self.groups["template"].wall_thickness_mm)
        wall_ok = wall["min_wall_mm"] is not None and wall["min_wall_mm"] >= required - 0.1
        if not wall_ok:
            warnings.append(f"thinnest wall measured {wall['min_wall_mm']} mm, below the "
                            f"{required:g} mm asked")
        printer = get_printer(self.groups["export"].printer)
        material = get_material(self.groups["export"].material)
        warnings.extend(strength_warnings(self.groups["template"], material))
        warnings.extend(fenestration_warnings(getattr(sock, "fenestrations", None),
                                              getattr(sock.params, "LOAD_BEARING", True)))
        # The template's way up is the distal interface's own axis (tilted under a socket
        # set in flexion or adduction), so that its face is the one on the bed.
        orientation, fit, lines = orientation_check(
            sock.mesh, printer, preferred_up=getattr(sock.adapter, "axis", (0.0, 0.0, 1.0)),
            names=_limb_axis_words(self.groups["template"]),
            preferred_face="the distal interface's face")
        warnings.extend(lines)
        return {"checks": {**solid, **wall, "wall_required_mm": required,
                           "wall_ok": bool(wall_ok), "printer": fit, "material": material.name},
                "warnings": warnings, "orientation": orientation}

    # -- results ---------------------------------------------------------------------
    @property
    def scan_to_design(self) -> np.ndarray:
        """(4, 4) from the scan file's coordinates to the design frame (mm)."""
        return self.results["align"].transform @ self.results["load"].file_to_mm

    def design(self) -> Design:
        """The complete design (runs what is stale)."""
        self.update()
        return _make_design(self)


def _limb_axis_words(tp) -> dict:
    """Words for the limb frame's axes (+Y anterior; +X lateral on a right limb)."""
    side = getattr(getattr(tp, "limb_side", None), "value", "right")
    lateral = "+X" if side == "right" else "-X"
    medial = "-X" if lateral == "+X" else "+X"
    return {"+Y": "anterior", "-Y": "posterior", lateral: "lateral", medial: "medial",
            "+Z": "proximal", "-Z": "distal"}


def _make_design(session: DesignSession) -> Design:
    res, groups, preset = session.results, session.groups, session.preset
    scan, cleaned, aligned, meas, sock = (res[k] for k in ("load", "clean", "align", "measure",
                                                           "template"))
    check = res["check"]
    warnings = [*cleaned.warnings, *aligned.warnings, *sock.warnings, *check["warnings"]]
    scan_to_design = session.scan_to_design
    zt = sock.trim_lowest_z_mm
    spacing = groups["measure"].circumference_spacing_mm
    inner_secs = [s for s in sections(sock.inner_surface, np.arange(spacing, zt, spacing))
                  if s is not None]
    tp = groups["template"]
    rectification = _rectification_record(sock, aligned.mesh, zt)
    side = getattr(getattr(tp, "limb_side", None), "value", None)
    hand = session.rectification
    rectification["hand"] = hand.as_dict(side)
    rectification["hand"]["strokes_described"] = [s.describe() for s in hand.strokes]
    if rectification.get("landmarks"):
        rectification["landmarks"]["confirmed"] = sorted(
            set(hand.confirmed) | set(hand.landmarks))
    from_file = (getattr(tp, "mpt_height_mm", 0.0) is None
                 and getattr(session._template_params(), "mpt_height_mm", None) is not None)
    if from_file and rectification.get("landmarks"):
        rectification["landmarks"]["source"]["mid_patellar_tendon"] = \
            "the scan file's MPT landmark (its height)"
    report = {
        "schema": "prosthetics.report/1",
        "tool": {"name": "prosthetics", "version": __version__},
        "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": f"{preset.builder}_socket",
        **({"case": session.case_id} if session.case_id else {}),
        "input": {"scan_id": scan.scan_id, "sha256": scan.sha256, "units": scan.units.value,
                  "units_source": scan.units_source, "point_count": scan.n_input_points,
                  "is_mesh": scan.is_mesh, "notes": list(scan.notes),
                  "landmarks_mm": {k: np.round(v, 2).tolist()
                                   for k, v in session.file_landmarks().items()}},
        "transform_scan_to_design": np.round(scan_to_design, 9).tolist(),
        "cleaning": {"steps": cleaned.steps, "reconstructed": cleaned.reconstructed,
                     "triangles": int(len(cleaned.mesh.faces))},
        "alignment": {"anterior_rotation_deg": groups["align"].anterior_rotation_deg,
                      "anterior_guess_deg": round(aligned.anterior_guess_deg, 2),
                      "anterior_source": "automatic guess" if groups["align"].auto_anterior
                      else "scan axes", **aligned.details},
        "measurements": {**meas.as_dict(), "trim_z_mm": round(sock.trim_anterior_z_mm, 2)},
        "template": {"name": preset.builder, "preset": preset.name, "label": preset.label,
                     "parameters": tp.as_dict(),
                     "units": {k: i.unit for k, (_f, i) in param_infos(tp).items()},
                     "pipeline_parameters": {g: groups[g].as_dict()
                                             for g in ("clean", "align", "measure", "export")}},
        "rectification": rectification,
        "socket": {"trim_anterior_z_mm": round(sock.trim_anterior_z_mm, 2),
                   "trim_lowest_z_mm": round(zt, 2),
                   "inner_volume_below_trim_ml": rectification["volume_below_trim_ml"]["cavity"],
                   "limb_volume_below_trim_ml": rectification["volume_below_trim_ml"]["limb"],
                   "inner_circumferences": [{"z_mm": round(s.z_mm, 2), "mm": round(s.perimeter_mm, 2)}
                                            for s in inner_secs],
                   "adapter": {"bottom_z_mm": round(sock.adapter.bottom_z_mm, 2),
                               "pedestal_top_z_mm": round(sock.adapter.pedestal_top_z_mm, 2),
                               "hole_centres_mm": np.round(sock.adapter.hole_centres(), 3).tolist()},
                   "alignment": getattr(sock.adapter, "alignment", None),
                   "print_orientation": check["orientation"].as_dict(),
                   "label": getattr(sock, "label", None)},
        "checks": dict(check["checks"]),
        "outputs": [],
        "warnings": warnings,
        "timings_s": {k: round(v, 3) for k, v in session.timings.items()},
    }
    fen = getattr(sock, "fenestrations", None)
    report["socket"]["fenestrations"] = fen.as_dict() if fen is not None else None
    if getattr(sock, "brim", None):
        report["socket"]["brim"] = sock.brim
    return Design(report=report, limb=aligned.mesh, socket=sock.mesh, socket_result=sock,
                  groups=groups, scan_to_design=scan_to_design, warnings=warnings,
                  orientation=check["orientation"], anatomy=aligned.anatomy,
                  rectification=hand, scan_path=session.scan_path)


def run_design(scan_path: str | os.PathLike, *, template: str | os.PathLike | None = None,
               settings: dict[str, Any] | None = None, units: Units | str | None = None,
               progress: Callable[[str, float], None] | None = None,
               landmarks: dict | None = None,
               rectification: Rectification | None = None,
               case_id: str | None = None) -> Design:
    """Run the pipeline on one scan, in memory (see :class:`DesignSession`).

    ``landmarks`` (name -> (3,) mm in the design frame) replace the guessed ones;
    ``rectification`` replays what was set by hand (landmarks, trim points, strokes);
    ``case_id`` names the design (report, print files, label) instead of the scan's
    anonymous ID."""
    session = DesignSession(scan_path, template=template, settings=settings, units=units,
                            landmarks=landmarks, rectification=rectification,
                            case_id=case_id)
    session.update(progress)
    return _make_design(session)


def _rectification_record(sock, limb: trimesh.Trimesh, z_trim: float) -> dict:
    """What the rectification did: every modification with its values, and the volume change."""
    tp = sock.params
    v_limb = volume_below(limb, z_trim) / 1000.0
    v_cavity = sock.inner_volume_below_ml(z_trim)
    change = 100.0 * (v_cavity / v_limb - 1.0)
    return {"global": {"reduction_percent": tp.reduction_percent,
                       "taper": "full at the anterior trim height, linear to 0 at the distal end",
                       "liner_offset_mm": tp.liner_offset_mm},
            "zones": sock.zones,
            "landmarks": sock.landmarks.as_dict() if sock.landmarks is not None else None,
            "volume_below_trim_ml": {"limb": round(v_limb, 2), "cavity": round(v_cavity, 2)},
            "volume_change_percent": round(change, 3),
            "sock_ply_equivalent": round(change / SOCK_PLY_PERCENT, 2)}


def socket_parameter_groups(preset, settings: dict[str, Any] | None = None) -> dict[str, Params]:
    """The socket pipeline's groups (clean, align, measure, template, export) with a
    preset's values, then ``settings``, applied."""
    pclass = get_builder(preset.builder).params
    groups: dict[str, Params] = {"clean": CleanParams(), "align": AlignParams(),
                                 "measure": MeasureParams(), "template": pclass(),
                                 "export": ExportParams()}
    groups = apply_settings(groups, preset.parameters)
    return apply_settings(groups, settings or {})
