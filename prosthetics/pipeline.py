"""The one function that turns a scan into a socket: the CLI, the GUI and batch all call it.

    load -> clean -> align -> measure -> rectify + fit template -> check -> export

:func:`run_design` computes everything in memory and returns a :class:`Design`;
:func:`write_design` writes it (print files, report.json, report.html) atomically.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import trimesh

from . import __version__
from .align import AlignParams, align_limb
from .checks import measure_wall, solid_checks
from .clean import CleanParams, clean_scan
from .errors import OutputError, ParameterError, ProstheticsError
from .loaders import Units, load_scan
from .measure import MeasureParams, measure_limb, sections, volume_below
from .params import Params, apply_settings, param, param_infos, param_type
from .printing import bed_placement, get_material, get_printer, slice_stl
from .transfemoral import TransfemoralParams, build_transfemoral
from .transradial import TransradialParams, build_transradial
from .transtibial import TranstibialParams, build_transtibial

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
SAMPLE_SCAN = ROOT / "scans" / "transtibial_phone.ply"
EXPORTS_DIR = ROOT / "exports"

#: Socket template builders by name: parameter class and build function (limb -> socket).
SOCKET_BUILDERS: dict[str, tuple[type[Params], Callable]] = {
    "transtibial": (TranstibialParams, build_transtibial),
    "transradial": (TransradialParams, build_transradial),
    "transfemoral": (TransfemoralParams, build_transfemoral),
}
# Insole presets live in templates/ too; their pipeline is prosthetics.insole.run_insole.
from .insole import InsoleParams, build_insole  # noqa: E402

#: Every builder a preset can name.
BUILDERS = {**SOCKET_BUILDERS, "insole": (InsoleParams, build_insole)}


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
        raise ParameterError(f"formats {text!r}: "
                             f"{'unknown ' + ', '.join(unknown) if unknown else 'empty'}; give "
                             f"a comma list of {', '.join(EXPORT_FORMATS)}")
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


@dataclass(frozen=True, kw_only=True)
class Preset:
    """A template preset read from ``templates/*.toml``."""

    name: str
    builder: str
    label: str
    description: str
    parameters: dict
    path: str


def list_presets(directory: Path = TEMPLATES_DIR) -> dict[str, Preset]:
    """Presets in ``directory`` by name (printer and material profiles excluded)."""
    out = {}
    for path in sorted(directory.glob("*.toml")):
        if path.stem in ("printers", "materials"):
            continue
        preset = load_preset(path)
        out[preset.name] = preset
    return out


def load_preset(path: str | os.PathLike) -> Preset:
    """Read one preset file; unknown top-level keys and builders are errors."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ParameterError(f"preset {p.name} cannot be read ({exc}); fix the TOML") from None
    allowed = {"name", "builder", "label", "description", "parameters"}
    extra = set(data) - allowed
    if extra:
        raise ParameterError(f"preset {p.name}: unknown key {sorted(extra)[0]!r}; allowed: "
                             f"{', '.join(sorted(allowed))}")
    builder = data.get("builder", "")
    if builder not in BUILDERS:
        raise ParameterError(f"preset {p.name}: builder {builder!r} is not one of "
                             f"{', '.join(BUILDERS)}")
    return Preset(name=data.get("name", p.stem), builder=builder, label=data.get("label", p.stem),
                  description=data.get("description", ""),
                  parameters=dict(data.get("parameters", {})), path=str(p))


def resolve_template(template: str | os.PathLike | None) -> Preset:
    """A preset by name (in templates/) or by path to a .toml file."""
    if template is None:
        template = "transtibial"
    t = str(template)
    if t.endswith(".toml") or os.sep in t:
        if not Path(t).exists():
            raise ParameterError(f"preset file {t!r} does not exist; check the path")
        return load_preset(t)
    presets = list_presets()
    if t not in presets:
        raise ParameterError(f"unknown template {t!r}; known: {', '.join(presets)} "
                             f"(or give a PRESET.toml path)")
    return presets[t]


def parameter_groups(preset: Preset, settings: dict[str, Any] | None = None) -> dict[str, Params]:
    """Default parameter groups with the preset's values, then ``settings``, applied."""
    if preset.builder == "insole":
        from .insole import insole_parameter_groups

        return insole_parameter_groups(preset, settings)
    pclass, _ = BUILDERS[preset.builder]
    groups: dict[str, Params] = {"clean": CleanParams(), "align": AlignParams(),
                                 "measure": MeasureParams(), "template": pclass(),
                                 "export": ExportParams()}
    groups = apply_settings(groups, preset.parameters)
    return apply_settings(groups, settings or {})


def describe_parameters(groups: dict[str, Params]) -> list[dict]:
    """Every parameter with its group, value, type, unit, range and help (for listings and GUIs).

    ``type`` is one of "float", "int", "bool", "str", "choice" (with ``choices``), and
    ``optional`` says whether the value may be empty (None: automatic).
    """
    import enum

    rows = []
    for gname, group in groups.items():
        for name, (_f, info) in param_infos(group).items():
            v = getattr(group, name)
            optional, tp = param_type(type(group), name)
            choices = None
            if isinstance(tp, type) and issubclass(tp, enum.Enum):
                kind, choices = "choice", [m.value for m in tp]
            else:
                kind = {float: "float", int: "int", bool: "bool", str: "str"}.get(tp, "str")
            rows.append({"group": gname, "name": name, "value": getattr(v, "value", v),
                         "type": kind, "choices": choices, "optional": optional,
                         "unit": info.unit, "min": info.min, "max": info.max,
                         "label": info.label, "help": info.help})
    return rows


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
    #: How the print files stand on the bed (:class:`prosthetics.orientation.OrientationChoice`).
    orientation: Any = None

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
                 landmarks: dict | None = None):
        self.scan_path = Path(scan_path)
        self.preset = resolve_template(template)
        if self.preset.builder == "insole":
            raise ParameterError(f"{self.preset.name!r} is an insole preset; run 'prosthetics "
                                 f"insole --template {self.preset.name}'")
        self.groups: dict[str, Params] = parameter_groups(self.preset, settings)
        if units is not None:
            try:
                units = Units(units)
            except ValueError:
                raise ParameterError(f"--units {units!r} is not one of mm, cm, m") from None
        self.units = units
        self.results: dict[str, Any] = {}
        self.timings: dict[str, float] = {}
        from .transtibial import TemplateCache

        self._template_cache = TemplateCache()
        self.set_landmarks(landmarks or {})

    def set_landmarks(self, points: dict) -> None:
        """Landmarks set by the user (name -> (3,) mm, design frame), over the guesses."""
        self._template_cache.landmark_overrides = {k: np.asarray(v, dtype=float)
                                                   for k, v in points.items()}
        for stage in STAGES[STAGES.index("template"):]:
            self.results.pop(stage, None)

    # -- parameters ------------------------------------------------------------------
    def set(self, settings: dict[str, Any]) -> str | None:
        """Change parameters; returns the first stage that must run again (or None)."""
        before = self.groups
        self.groups = apply_settings(self.groups, settings)
        changed = [g for g in self.groups if self.groups[g] != before[g]]
        first = min((STAGES.index(_STAGE_OF_GROUP[g]) for g in changed), default=None)
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
        return align_limb(self.results["clean"], self.groups["align"])

    def _run_measure(self):
        return measure_limb(self.results["align"].mesh, self.groups["measure"])

    def _run_template(self):
        _pclass, build = BUILDERS[self.preset.builder]
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
        """The template group as built: the label's case ID defaulting to the scan's name,
        and the MPT height from the scan file's own landmarks when the file has one and no
        height was set."""
        tp = self.groups["template"]
        if getattr(tp, "label", False) and not tp.label_case_id:
            from .label import case_id_from_name

            tp = tp.replace(label_case_id=case_id_from_name(self.scan_path.stem))
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
        _pclass, build = BUILDERS[self.preset.builder]
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
        from .strength import fenestration_warnings, strength_warnings

        warnings.extend(strength_warnings(self.groups["template"], material))
        warnings.extend(fenestration_warnings(getattr(sock, "fenestrations", None),
                                              getattr(sock.params, "LOAD_BEARING", True)))
        from .orientation import orientation_check

        orientation, fit, lines = orientation_check(
            sock.mesh, printer, names=_limb_axis_words(self.groups["template"]),
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
        "input": {"path": str(scan.path), "sha256": scan.sha256, "units": scan.units.value,
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
                   "print_orientation": check["orientation"].as_dict(),
                   "label": getattr(sock, "label", None)},
        "checks": dict(check["checks"]),
        "outputs": [],
        "warnings": warnings,
        "timings_s": {k: round(v, 3) for k, v in session.timings.items()},
    }
    fen = getattr(sock, "fenestrations", None)
    report["socket"]["fenestrations"] = fen.as_dict() if fen is not None else None
    return Design(report=report, limb=aligned.mesh, socket=sock.mesh, socket_result=sock,
                  groups=groups, scan_to_design=scan_to_design, warnings=warnings,
                  orientation=check["orientation"])


def run_design(scan_path: str | os.PathLike, *, template: str | os.PathLike | None = None,
               settings: dict[str, Any] | None = None, units: Units | str | None = None,
               progress: Callable[[str, float], None] | None = None,
               landmarks: dict | None = None) -> Design:
    """Run the pipeline on one scan, in memory (see :class:`DesignSession`).

    ``landmarks`` (name -> (3,) mm in the design frame) replace the guessed ones."""
    session = DesignSession(scan_path, template=template, settings=settings, units=units,
                            landmarks=landmarks)
    session.update(progress)
    return _make_design(session)


def _rectification_record(sock, limb: trimesh.Trimesh, z_trim: float) -> dict:
    """What the rectification did: every modification with its values, and the volume change."""
    from .compare import SOCK_PLY_PERCENT

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


def _write_aop_files(design: Design, folder: Path, stem: str) -> list[dict]:
    """AAOP files of the limb and of the rectified cavity, in the limb frame, with the
    landmarks; each records how its grid's axis sits in the limb frame."""
    from .aaop import shape_from_mesh, write_aop
    from .measure import proximal_rim_z

    res = design.socket_result
    lm = res.landmarks
    points = dict(lm.points) if lm is not None else {}
    side = lm.side.value.upper() if lm is not None else "RIGHT"
    top = proximal_rim_z(design.limb) - 0.5
    out = []
    for name, mesh, what in ((f"{stem}_limb.aop", design.limb, "limb as scanned"),
                             (f"{stem}_cavity.aop", res.cavity,
                              "rectified cavity (the positive model)")):
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


def _export_3mf(mesh: trimesh.Trimesh, path: Path, design: Design | None = None) -> dict:
    """The 3MF as a print job: the part (as it prints) turned about z as the printer fit
    asks, on the middle of the bed; the transform from the design frame goes into the
    report."""
    to_file = np.eye(4)
    if design is not None:
        fit = design.report.get("checks", {}).get("printer") or {}
        to_file = bed_placement(mesh, get_printer(design.groups["export"].printer),
                                fit.get("rotation_deg") or 0.0)
    placed = mesh.copy()
    placed.apply_transform(to_file)
    path.write_bytes(placed.export(file_type="3mf"))
    if design is not None and design.orientation is not None:
        to_file = to_file @ design.orientation.transform
    return {"transform_design_to_file": np.round(to_file, 9).tolist()}


def _export_step(mesh: trimesh.Trimesh, path: Path, design: Design | None = None) -> dict:
    from .step import write_step

    return write_step(mesh, path)


_WRITERS: dict[str, Callable] = {"3mf": _export_3mf, "step": _export_step}


def staging_folder(out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """The output folder and a fresh temporary folder beside it, where a run writes
    everything before moving it in (so a failure leaves no partial output)."""
    out = Path(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists() and not out.is_dir():
            raise OutputError(f"--out {str(out)!r} is a file; give a folder")
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"cannot write to {str(out)!r} ({exc.strerror}); choose another "
                          f"--out folder") from None
    return out, tmp


def write_design(design: Design, out_dir: str | os.PathLike, *, stem: str = "socket",
                 progress: Callable[[str, float], None] | None = None,
                 formats: frozenset[str] | None = None) -> dict:
    """Write print files, run the slicer, and write the reports, atomically.

    ``formats`` is a set of :data:`EXPORT_FORMATS` (see :func:`parse_formats`); default the
    design's ``formats`` parameter.

    Everything is first written to a temporary folder beside ``out_dir`` and moved in only
    when all of it succeeded, so a failure leaves no partial output.  Returns the report.
    """
    if formats is None:
        formats = design.groups["export"].format_set
    out, tmp = staging_folder(out_dir)
    report = design.report
    timings = report["timings_s"]
    try:
        t = time.perf_counter()
        _progress(progress, "export", 0.82)
        stl = tmp / f"{stem}.stl"
        part = design.print_part            # the print files stand as they print
        part.export(stl, file_type="stl")
        # Check the file that ships, not only the mesh in memory: STL readers weld vertices
        # by position, which is where float32 rounding can open a seam.
        back = trimesh.load(stl, file_type="stl")
        report["checks"]["stl_file"] = {
            "watertight": bool(back.is_watertight),
            "volume_ml": round(float(back.volume) / 1000.0, 3)}
        if not back.is_watertight:
            report["warnings"].append("the written STL is not watertight when read back; "
                                      "a slicer will have to repair it")
        written = [(stl, "stl", {})] if "stl" in formats else []
        for fmt in EXPORT_FORMATS:
            if fmt in formats and fmt in _WRITERS:
                path = tmp / f"{stem}.{fmt}"
                # STEP is for CAD: it keeps the design frame.
                mesh = design.socket if fmt == "step" else part
                written.append((path, fmt, _WRITERS[fmt](mesh, path, design) or {}))
        outputs = []
        for path, fmt, extra in written:
            outputs.append({"path": path.name, "format": fmt,
                            "frame": "design" if fmt == "step" else "print",
                            "triangles": int(len(design.socket.faces)),
                            "volume_ml": round(float(design.socket.volume) / 1000.0, 3),
                            "bytes": path.stat().st_size,
                            **{k: v for k, v in extra.items() if k != "bytes"}})
        if "aop" in formats:
            outputs += _write_aop_files(design, tmp, stem)
        timings["export"] = round(time.perf_counter() - t, 3)

        exp = design.groups["export"]
        slicer_result: dict = {"ran": False, "ok": None, "message": "slicing turned off (slice=false)"}
        if exp.slice:
            t = time.perf_counter()
            _progress(progress, "slice", 0.85)
            res = slice_stl(stl, get_printer(exp.printer), get_material(exp.material),
                            layer_height_mm=exp.layer_height_mm)
            slicer_result = res.as_dict()
            timings["slice"] = round(time.perf_counter() - t, 3)
            if res.ran and not res.ok:
                report["warnings"].append(f"PrusaSlicer could not slice the STL: {res.message}")
            elif not res.ran:
                report["warnings"].append(f"not sliced: {res.message}")
        report["checks"]["slicer"] = slicer_result
        report["outputs"] = outputs

        t = time.perf_counter()
        _progress(progress, "report", 0.95)
        from .report_html import (circumference_chart, print_bed_png, render_pictures,
                                  write_report_html)

        pictures = render_pictures(design.limb, design.socket)
        printer = get_printer(design.groups["export"].printer)
        pictures["on_the_bed"] = print_bed_png(
            part, printer, bed_placement(part, printer,
                                         report["checks"]["printer"].get("rotation_deg") or 0.0))
        pictures["circumferences"] = circumference_chart(
            report["measurements"], report["socket"].get("inner_circumferences"))
        timings["report"] = round(time.perf_counter() - t, 3)
        timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 3)
        write_report_html(report, pictures, tmp / "report.html")
        import json

        (tmp / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        if "stl" not in formats:
            stl.unlink()
        out.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
        for o in report["outputs"]:
            o["path"] = str(out / o["path"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _progress(progress, "done", 1.0)
    return report


def design(scan_path: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None,
           **kwargs) -> dict:
    """Run and write a design; the sample scan and ``exports/`` when not given."""
    scan_path = Path(scan_path) if scan_path is not None else SAMPLE_SCAN
    out_dir = Path(out_dir) if out_dir is not None else EXPORTS_DIR / scan_path.stem
    d = run_design(scan_path, **kwargs)
    return write_design(d, out_dir)


__all__ = ["run_design", "write_design", "design", "parse_formats", "EXPORT_FORMATS", "Design", "ExportParams", "ProstheticsError",
           "resolve_template", "list_presets", "parameter_groups", "describe_parameters"]
