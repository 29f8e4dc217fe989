"""Printing: printer and material profiles, bed fit, and slicing with PrusaSlicer.

Profiles are data in ``templates/printers.toml`` and ``templates/materials.toml`` (one
table per profile, keyed by its name).  :func:`bed_fit` decides whether an already oriented
part fits a printer, rotating it about z when that helps.  :func:`slice_stl` runs
PrusaSlicer's command line on an STL and reads filament use, cost and print time back from
the G-code it writes.

Millimetres, seconds and degrees Celsius everywhere; units are in the names.  Costs are in
the currency of ``materials.toml`` (US dollars per kilogram as shipped).

PrusaSlicer notes (checked against 2.5.0):

* The CLI never opens a window when an action such as ``--export-gcode`` is given; the
  child still runs with ``DISPLAY``/``WAYLAND_DISPLAY`` removed, to be sure.
* Its built-in defaults are not the GUI's: 0.3 mm layers with a 0.35 mm first layer,
  "stars" infill, a 200 x 200 mm bed, 200 mm height, reprap G-code, no bed heating.  Every
  value that matters is therefore passed explicitly.
* It does not check that the part fits the bed or ``--max-print-height``: a part taller
  than the printer slices without complaint.  :func:`slice_stl` checks with
  :func:`bed_fit` first.
* It says nothing about mesh repairs while slicing; ``--info`` (given in the same run)
  prints the repair statistics, from which :attr:`SliceResult.repaired` is read.
* ``--loglevel`` takes 0 (fatal) to 5 (trace); one trace line ("Initializing
  StaticPrintConfigs") is printed before the option is read, whatever its value.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from prosthetics.errors import OutputError, ParameterError
from prosthetics.resources import templates_dir

__all__ = [
    "Printer",
    "Material",
    "SliceSettings",
    "DEFAULT_SLICE_SETTINGS",
    "SliceResult",
    "load_printers",
    "load_materials",
    "get_printer",
    "get_material",
    "bed_fit",
    "bed_placement",
    "find_slicer",
    "slicer_version",
    "slice_stl",
]

#: Folder holding ``printers.toml`` and ``materials.toml`` (the repository's ``templates/``).

#: Environment variable naming the PrusaSlicer executable; overrides the PATH lookup.
SLICER_ENV_VAR = "PROSTHETICS_SLICER"

_SLICER_NAMES = ("prusa-slicer", "PrusaSlicer", "prusaslicer")
_WINDOWS_SLICER_NAMES = ("prusa-slicer-console", "prusa-slicer", "PrusaSlicer")
_MACOS_SLICER_PATH = "/Applications/PrusaSlicer.app/Contents/MacOS/PrusaSlicer"

#: PrusaSlicer ``--loglevel``: 1 = fatal and error messages only.
SLICER_LOGLEVEL = 1

# PrusaSlicer 2.5's --gcode-flavor choices.
_GCODE_FLAVORS = ("reprap", "reprapfirmware", "repetier", "teacup", "makerware", "marlin",
                  "marlin2", "sailfish", "mach3", "machinekit", "smoothie", "no-extrusion")
_INFILL_PATTERNS = ("rectilinear", "alignedrectilinear", "grid", "triangles", "stars",
                    "cubic", "line", "concentric", "honeycomb", "3dhoneycomb", "gyroid",
                    "hilbertcurve", "archimedeanchords", "octagramspiral", "adaptivecubic",
                    "supportcubic", "lightning")


# ---------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------

def _check_range(owner: str, name: str, value: float, lo: float, hi: float, unit: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
        raise ParameterError(f"{owner}: {name} = {value!r} {unit} is outside [{lo:g}, {hi:g}] "
                             f"{unit}; set a value inside it".replace("  ", " "))


@dataclass(frozen=True, kw_only=True)
class Printer:
    """An FFF printer.

    Parameters
    ----------
    name : str
        Profile key, e.g. ``"generic_220"``.
    label : str
        Text shown to the user.
    bed_x_mm, bed_y_mm : float
        Usable bed size, mm; the bed is the rectangle ``[0, x] x [0, y]``.
    max_height_mm : float
        Tallest part the printer builds, mm.
    nozzle_diameter_mm : float
        Nozzle bore, mm.
    gcode_flavor : str
        PrusaSlicer ``--gcode-flavor`` (``marlin2`` also suits Klipper).
    max_acceleration_mm_s2 : float
        Firmware acceleration, mm/s²; only feeds the slicer's print-time estimate.
    retract_length_mm, retract_speed_mm_s : float
        Retraction, mm and mm/s.
    start_gcode, end_gcode : str
        Custom G-code; empty keeps PrusaSlicer's minimal default (home, lift).
    notes : str
        Free text.
    """

    name: str
    label: str
    bed_x_mm: float
    bed_y_mm: float
    max_height_mm: float
    nozzle_diameter_mm: float
    gcode_flavor: str = "marlin2"
    max_acceleration_mm_s2: float = 1000.0
    retract_length_mm: float = 2.0
    retract_speed_mm_s: float = 40.0
    start_gcode: str = ""
    end_gcode: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        who = f"printer {self.name!r}"
        _check_range(who, "bed_x_mm", self.bed_x_mm, 10.0, 5000.0, "mm")
        _check_range(who, "bed_y_mm", self.bed_y_mm, 10.0, 5000.0, "mm")
        _check_range(who, "max_height_mm", self.max_height_mm, 10.0, 5000.0, "mm")
        _check_range(who, "nozzle_diameter_mm", self.nozzle_diameter_mm, 0.1, 2.0, "mm")
        _check_range(who, "max_acceleration_mm_s2", self.max_acceleration_mm_s2, 10.0,
                     100000.0, "mm/s²")
        _check_range(who, "retract_length_mm", self.retract_length_mm, 0.0, 20.0, "mm")
        _check_range(who, "retract_speed_mm_s", self.retract_speed_mm_s, 1.0, 300.0, "mm/s")
        if self.gcode_flavor not in _GCODE_FLAVORS:
            raise ParameterError(f"{who}: gcode_flavor = {self.gcode_flavor!r} is not one of "
                                 f"{', '.join(_GCODE_FLAVORS)}; pick one (marlin2 for Marlin 2 "
                                 "and Klipper)")

    @property
    def bed_center_mm(self) -> tuple[float, float]:
        """Centre of the bed, mm."""
        return (self.bed_x_mm / 2.0, self.bed_y_mm / 2.0)


@dataclass(frozen=True, kw_only=True)
class Material:
    """A filament preset.

    Parameters
    ----------
    name : str
        Profile key, e.g. ``"petg"``.
    label : str
        Text shown to the user.
    density_g_cm3 : float
        Density, g/cm³ (turns the slicer's filament volume into grams).
    nozzle_temp_c, bed_temp_c : float
        Temperatures after the first layer, °C.
    cost_per_kg : float
        Price of one kilogram of filament, in US dollars as shipped (any currency works
        if all presets use it).
    filament_diameter_mm : float
        Filament diameter, mm (1.75 or 2.85).
    filament_type : str
        PrusaSlicer ``--filament-type`` (``PLA``, ``PET``, ``FLEX``, ``PA``...).
    first_layer_nozzle_temp_c, first_layer_bed_temp_c : float or None
        First-layer temperatures, °C; ``None`` uses the other-layer value.
    fan_min_percent, fan_max_percent, bridge_fan_percent : float
        Part-cooling fan, % of full speed.
    disable_fan_first_layers : int
        Layers printed with the fan off.
    max_volumetric_speed_mm3_s : float
        Flow cap, mm³/s, which caps the speed (0: no cap).  Low for TPU.
    retract_length_mm : float or None
        Overrides the printer's retraction, mm (``None``: the printer's).
    socket_min_wall_mm : float
        Thinnest socket wall in this material that field reports show surviving use, mm;
        0: not a material for a definitive socket (check sockets, insoles).  Read by
        :func:`prosthetics.sockets.strength.strength_warnings`.
    notes : str
        Free text.
    """

    name: str
    label: str
    density_g_cm3: float
    nozzle_temp_c: float
    bed_temp_c: float
    cost_per_kg: float
    filament_diameter_mm: float = 1.75
    filament_type: str = "PLA"
    first_layer_nozzle_temp_c: float | None = None
    first_layer_bed_temp_c: float | None = None
    fan_min_percent: float = 35.0
    fan_max_percent: float = 100.0
    bridge_fan_percent: float = 100.0
    disable_fan_first_layers: int = 1
    max_volumetric_speed_mm3_s: float = 0.0
    retract_length_mm: float | None = None
    socket_min_wall_mm: float = 0.0
    notes: str = ""

    def __post_init__(self) -> None:
        who = f"material {self.name!r}"
        _check_range(who, "socket_min_wall_mm", self.socket_min_wall_mm, 0.0, 20.0, "mm")
        _check_range(who, "density_g_cm3", self.density_g_cm3, 0.5, 3.0, "g/cm³")
        _check_range(who, "nozzle_temp_c", self.nozzle_temp_c, 150.0, 450.0, "°C")
        _check_range(who, "bed_temp_c", self.bed_temp_c, 0.0, 150.0, "°C")
        _check_range(who, "cost_per_kg", self.cost_per_kg, 0.0, 10000.0, "per kg")
        _check_range(who, "filament_diameter_mm", self.filament_diameter_mm, 1.0, 3.5, "mm")
        if self.first_layer_nozzle_temp_c is not None:
            _check_range(who, "first_layer_nozzle_temp_c", self.first_layer_nozzle_temp_c,
                         150.0, 450.0, "°C")
        if self.first_layer_bed_temp_c is not None:
            _check_range(who, "first_layer_bed_temp_c", self.first_layer_bed_temp_c,
                         0.0, 150.0, "°C")
        for name in ("fan_min_percent", "fan_max_percent", "bridge_fan_percent"):
            _check_range(who, name, getattr(self, name), 0.0, 100.0, "%")
        _check_range(who, "disable_fan_first_layers", self.disable_fan_first_layers,
                     0, 1000, "layers")
        _check_range(who, "max_volumetric_speed_mm3_s", self.max_volumetric_speed_mm3_s,
                     0.0, 200.0, "mm³/s")
        if self.retract_length_mm is not None:
            _check_range(who, "retract_length_mm", self.retract_length_mm, 0.0, 20.0, "mm")


def _resolve_profiles_path(path: str | os.PathLike | None, default_name: str) -> Path:
    p = templates_dir() / default_name if path is None else Path(path)
    if not p.is_file():
        raise ParameterError(f"profile file {p} does not exist; pass the path of a TOML file "
                             f"like templates/{default_name}")
    return p


def _type_ok(value: Any, tp: Any) -> tuple[bool, Any]:
    """Check ``value`` against annotation ``tp`` (float, int, str, optional); coerce ints."""
    args = typing.get_args(tp)
    if type(None) in args:
        tp = next(a for a in args if a is not type(None))
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        return False, value
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        return False, value
    if tp is str:
        return isinstance(value, str), value
    if tp is bool:
        return isinstance(value, bool), value
    return True, value


def _load_profiles(path: str | os.PathLike | None, cls: type, default_name: str,
                   kind: str) -> dict[str, Any]:
    p = _resolve_profiles_path(path, default_name)
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{p} is not valid TOML ({exc}); fix the syntax") from None
    except OSError as exc:
        raise ParameterError(f"cannot read {p} ({exc.strerror}); check the path") from None

    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    required = [n for n, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                and n != "name"]
    profiles: dict[str, Any] = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise ParameterError(f"{p}: top-level key {key!r} is not a [table]; put each "
                                 f"{kind} in its own [{key}] table")
        for k in table:
            if k not in fields:
                close = difflib.get_close_matches(k, list(fields), n=1)
                hint = f"did you mean {close[0]!r}?" if close else \
                    f"known keys: {', '.join(fields)}"
                raise ParameterError(f"{p}: unknown key {k!r} in {kind} [{key}]; {hint}")
        if "name" in table and table["name"] != key:
            raise ParameterError(f"{p}: {kind} [{key}] has name = {table['name']!r}; make it "
                                 f"{key!r} or drop it")
        missing = [n for n in required if n not in table]
        if missing:
            raise ParameterError(f"{p}: {kind} [{key}] lacks {', '.join(missing)}; add "
                                 f"{'it' if len(missing) == 1 else 'them'}")
        values: dict[str, Any] = {"name": key}
        for k, v in table.items():
            if k == "name":
                continue
            ok, coerced = _type_ok(v, hints[k])
            if not ok:
                raise ParameterError(f"{p}: {kind} [{key}] {k} = {v!r} has the wrong type; "
                                     f"expected {hints[k]}")
            values[k] = coerced
        profiles[key] = cls(**values)
    if not profiles:
        raise ParameterError(f"{p} defines no {kind}; add a [name] table")
    return profiles


def load_printers(path: str | os.PathLike | None = None) -> dict[str, Printer]:
    """Read printer profiles.

    Parameters
    ----------
    path : path-like, optional
        TOML file; default ``templates/printers.toml``.

    Returns
    -------
    dict of str to Printer
        Keyed by profile name, in file order.

    Raises
    ------
    ParameterError
        The file is missing or malformed, a key is unknown (the message names it), a
        required key is missing, or a value is out of range.
    """
    return _load_profiles(path, Printer, "printers.toml", "printer")


def load_materials(path: str | os.PathLike | None = None) -> dict[str, Material]:
    """Read material presets.

    Parameters
    ----------
    path : path-like, optional
        TOML file; default ``templates/materials.toml``.

    Returns
    -------
    dict of str to Material
        Keyed by preset name, in file order.

    Raises
    ------
    ParameterError
        As :func:`load_printers`.
    """
    return _load_profiles(path, Material, "materials.toml", "material")


def _get(profiles: dict[str, Any], name: str, kind: str, file_name: str) -> Any:
    if isinstance(name, str):
        if name in profiles:
            return profiles[name]
        lowered = {k.lower(): v for k, v in profiles.items()}
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise ParameterError(f"unknown {kind} {name!r}; known {kind}s: {', '.join(profiles)} "
                         f"(or add one to templates/{file_name})")


def get_printer(name: str, path: str | os.PathLike | None = None) -> Printer:
    """The printer profile ``name`` (case-insensitive).

    Raises
    ------
    ParameterError
        ``name`` is unknown; the message lists the known names.
    """
    return _get(load_printers(path), name, "printer", "printers.toml")


def get_material(name: str, path: str | os.PathLike | None = None) -> Material:
    """The material preset ``name`` (case-insensitive).

    Raises
    ------
    ParameterError
        ``name`` is unknown; the message lists the known names.
    """
    return _get(load_materials(path), name, "material", "materials.toml")


# ---------------------------------------------------------------------------------------
# Bed fit
# ---------------------------------------------------------------------------------------

def _fmt_mm(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _convex_hull_2d(points: np.ndarray) -> np.ndarray:
    """Vertices of the convex hull of ``points`` (n, 2), in order; the points if degenerate."""
    if len(points) < 3:
        return points
    try:
        from scipy.spatial import ConvexHull
        return points[ConvexHull(points).vertices]
    except Exception:  # collinear or duplicate points: extents are still right
        return points


def bed_placement(mesh, printer: Printer, rotation_deg: float = 0.0) -> np.ndarray:
    """(4, 4) that turns ``mesh`` (as it prints) ``rotation_deg`` counter-clockwise about z
    and stands it on the middle of ``printer``'s bed (a slicer refuses a part off the bed)."""
    to_bed = np.eye(4)
    a = np.radians(float(rotation_deg or 0.0))
    to_bed[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    pts = np.asarray(mesh.convex_hull.vertices) @ to_bed[:3, :3].T
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    to_bed[:3, 3] = [printer.bed_x_mm / 2 - (lo[0] + hi[0]) / 2,
                     printer.bed_y_mm / 2 - (lo[1] + hi[1]) / 2, -lo[2]]
    return to_bed


def bed_fit(extents_mm: Any, printer: Printer, margin_mm: float = 5.0, *,
            footprint_xy: Any = None, step_deg: float = 1.0) -> dict[str, Any]:
    """Decide whether an oriented part fits a printer, rotating it about z if needed.

    The part stands on the bed as given: its z extent is the build height.  It may turn
    about z by any angle.  Angles from -90 to 90 degrees are tried every ``step_deg``,
    plus the angles that lay each edge of the footprint's convex hull along x (where the
    tightest boxes are).  The part's own orientation (0 degrees) is kept whenever it fits;
    otherwise the angle with the most room on the tighter bed axis is chosen.

    Parameters
    ----------
    extents_mm : array-like, shape (3,)
        Size of the part's axis-aligned bounding box, mm.  With ``footprint_xy`` only
        the height (z) is used.
    printer : Printer
        The printer.
    margin_mm : float
        Room kept free along every bed edge, mm.  Not applied to the height.
    footprint_xy : array-like, shape (n, 2), optional
        The part's points projected on the bed, mm (any points whose convex hull is the
        footprint, e.g. all mesh vertices).  Without it the footprint is the
        ``extents_mm[0] x extents_mm[1]`` rectangle.
    step_deg : float
        Angle step, degrees.

    Returns
    -------
    dict
        ``fits`` (bool); ``printer`` (name); ``bed_mm`` [x, y, max height];
        ``part_mm`` [x, y, z] at the chosen rotation; ``rotation_deg`` (counter-clockwise
        about z, in (-90, 90]; same sense as PrusaSlicer's ``--rotate``); ``margin_mm``;
        ``reason`` (one sentence when it does not fit, else ``""``).

    Raises
    ------
    ParameterError
        ``extents_mm`` is not three finite non-negative numbers, ``footprint_xy`` is not
        (n, 2) finite numbers, or ``margin_mm`` is negative.
    """
    ext = np.asarray(extents_mm, dtype=float).reshape(-1)
    if ext.shape != (3,) or not np.all(np.isfinite(ext)) or np.any(ext < 0):
        raise ParameterError(f"extents_mm = {extents_mm!r} must be three finite non-negative "
                             "sizes in mm (x, y, z); pass the bounding-box size")
    if not (math.isfinite(margin_mm) and margin_mm >= 0):
        raise ParameterError(f"margin_mm = {margin_mm!r} must be >= 0 mm; pass e.g. 5")
    if not (math.isfinite(step_deg) and 0 < step_deg <= 45):
        raise ParameterError(f"step_deg = {step_deg!r} must be in (0, 45] degrees; pass e.g. 1")

    if footprint_xy is None:
        hx, hy = ext[0] / 2.0, ext[1] / 2.0
        pts = np.array([[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]])
    else:
        pts = np.asarray(footprint_xy, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0 or not np.all(np.isfinite(pts)):
            raise ParameterError("footprint_xy must be an (n, 2) array of finite bed "
                                 "coordinates in mm; pass the vertices' x and y columns")
        pts = _convex_hull_2d(pts - pts.mean(axis=0))

    usable_x = printer.bed_x_mm - 2.0 * margin_mm
    usable_y = printer.bed_y_mm - 2.0 * margin_mm
    height = float(ext[2])

    # Candidate angles, smallest turn first so ties keep the part closest to as-given.
    n_steps = int(math.floor(90.0 / step_deg))
    grid = [0.0]
    for i in range(1, n_steps + 1):
        grid += [i * step_deg, -i * step_deg]
    if len(pts) >= 2:
        edges = np.roll(pts, -1, axis=0) - pts
        edge_angles = np.degrees(np.arctan2(edges[:, 1], edges[:, 0]))
        for a in edge_angles:
            for cand in (-a, 90.0 - a):  # turn the edge onto the x axis or the y axis
                cand = (cand + 90.0) % 180.0 - 90.0  # into [-90, 90)
                grid.append(float(cand))
    angles = np.array([90.0 if abs(a + 90.0) < 1e-9 else a for a in grid])

    rad = np.radians(angles)
    c, s = np.cos(rad), np.sin(rad)
    # Rotated x = c*x - s*y, y = s*x + c*y, for every angle at once: (n_angles, n_points).
    rx = c[:, None] * pts[None, :, 0] - s[:, None] * pts[None, :, 1]
    ry = s[:, None] * pts[None, :, 0] + c[:, None] * pts[None, :, 1]
    ex = rx.max(axis=1) - rx.min(axis=1)
    ey = ry.max(axis=1) - ry.min(axis=1)
    room = np.minimum(usable_x - ex, usable_y - ey)

    tol = 1e-6
    if room[0] >= -tol:
        best = 0
    else:
        best = int(np.argmax(room))  # first maximum: the smallest turn among equals
    fits_xy = bool(room[best] >= -tol)
    fits_z = height <= printer.max_height_mm + tol
    rotation = float(angles[best])
    if abs(rotation) < 1e-9:
        rotation = 0.0
    part = [float(ex[best]), float(ey[best]), height]

    reasons = []
    if not fits_z:
        reasons.append(f"part is {_fmt_mm(height)} mm tall; printer {printer.name} builds "
                       f"{_fmt_mm(printer.max_height_mm)} mm")
    if not fits_xy:
        reasons.append(
            f"part footprint is {_fmt_mm(part[0])} x {_fmt_mm(part[1])} mm even turned "
            f"{rotation:.0f} deg; usable bed is {_fmt_mm(usable_x)} x {_fmt_mm(usable_y)} mm "
            f"({_fmt_mm(printer.bed_x_mm)} x {_fmt_mm(printer.bed_y_mm)} mm less "
            f"{_fmt_mm(margin_mm)} mm margins)")
    reason = ""
    if reasons:
        reason = "; ".join(reasons) + "; choose a larger printer or split the part"
    return {
        "fits": fits_xy and fits_z,
        "printer": printer.name,
        "bed_mm": [float(printer.bed_x_mm), float(printer.bed_y_mm),
                   float(printer.max_height_mm)],
        "part_mm": part,
        "rotation_deg": round(rotation, 3),
        "margin_mm": float(margin_mm),
        "reason": reason,
    }


# ---------------------------------------------------------------------------------------
# Slicer discovery
# ---------------------------------------------------------------------------------------

def _as_executable(candidate: str) -> str | None:
    p = Path(candidate).expanduser()
    if p.is_file() and os.access(p, os.X_OK):
        return str(p)
    return shutil.which(candidate)


def find_slicer() -> str | None:
    """Path of the PrusaSlicer executable, or ``None``.

    ``$PROSTHETICS_SLICER`` (a path or a command name) wins when set and non-empty; if it
    does not name an executable the answer is ``None`` (no silent fallback).  Otherwise
    ``prusa-slicer``, ``PrusaSlicer`` and ``prusaslicer`` are looked up on ``PATH`` (on
    Windows ``prusa-slicer-console`` first; on macOS also the app bundle).
    """
    override = os.environ.get(SLICER_ENV_VAR, "").strip()
    if override:
        return _as_executable(override)
    names = _WINDOWS_SLICER_NAMES if sys.platform == "win32" else _SLICER_NAMES
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "darwin" and os.access(_MACOS_SLICER_PATH, os.X_OK):
        return _MACOS_SLICER_PATH
    return None


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(var, None)
    return env


@lru_cache(maxsize=8)
def _version_of(slicer: str) -> str | None:
    try:
        proc = subprocess.run([slicer, "--help"], capture_output=True, text=True,
                              errors="replace", timeout=60, stdin=subprocess.DEVNULL,
                              env=_child_env())
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"PrusaSlicer-(\d+(?:\.\d+)+(?:-(?:alpha|beta|rc)\d*)?)",
                  proc.stdout + proc.stderr)
    return f"PrusaSlicer-{m.group(1)}" if m else None


def slicer_version(slicer: str | None = None) -> str | None:
    """PrusaSlicer's version, e.g. ``"PrusaSlicer-2.5.0"`` (``None`` if not found).

    Parameters
    ----------
    slicer : str, optional
        Executable; default :func:`find_slicer`.
    """
    slicer = slicer or find_slicer()
    return _version_of(slicer) if slicer else None


# ---------------------------------------------------------------------------------------
# Slicing
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class SliceSettings:
    """Print settings for a socket (defaults) or another part.

    The defaults suit a transtibial socket in PETG printed distal end (adapter plate)
    down: 0.2 mm layers, 4 perimeters (the 4-6 mm walls come out almost solid anyway),
    35 % gyroid infill for the plate, automatic supports from the build plate only (no
    support scars on the skin-contact inner surface), and a 5 mm brim because the distal
    end is a small footprint under a tall part.

    Parameters
    ----------
    layer_height_mm : float
        Layer height, mm; at most 80 % of the nozzle diameter.
    first_layer_height_mm : float or None
        First layer, mm; ``None`` = ``layer_height_mm``.
    perimeters : int
        Wall loops.
    top_solid_layers, bottom_solid_layers : int
        Solid skins.
    infill_percent : float
        Infill density, %.
    infill_pattern : str
        PrusaSlicer ``--fill-pattern``.
    supports : bool
        Generate supports automatically where overhangs need them.
    supports_buildplate_only : bool
        Only supports that stand on the bed.
    brim_width_mm : float
        Brim, mm (0: none).
    skirts : int
        Skirt loops.
    """

    layer_height_mm: float = 0.2
    first_layer_height_mm: float | None = None
    perimeters: int = 4
    top_solid_layers: int = 5
    bottom_solid_layers: int = 5
    infill_percent: float = 35.0
    infill_pattern: str = "gyroid"
    supports: bool = True
    supports_buildplate_only: bool = True
    brim_width_mm: float = 5.0
    skirts: int = 1

    def __post_init__(self) -> None:
        who = "slice settings"
        _check_range(who, "layer_height_mm", self.layer_height_mm, 0.04, 1.0, "mm")
        if self.first_layer_height_mm is not None:
            _check_range(who, "first_layer_height_mm", self.first_layer_height_mm,
                         0.04, 1.0, "mm")
        for name in ("perimeters", "top_solid_layers", "bottom_solid_layers", "skirts"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ParameterError(f"{who}: {name} = {value!r} must be a whole number; "
                                     "pass e.g. 4")
        _check_range(who, "perimeters", self.perimeters, 1, 50, "")
        _check_range(who, "top_solid_layers", self.top_solid_layers, 0, 100, "")
        _check_range(who, "bottom_solid_layers", self.bottom_solid_layers, 0, 100, "")
        _check_range(who, "skirts", self.skirts, 0, 20, "")
        _check_range(who, "infill_percent", self.infill_percent, 0.0, 100.0, "%")
        _check_range(who, "brim_width_mm", self.brim_width_mm, 0.0, 50.0, "mm")
        if self.infill_pattern not in _INFILL_PATTERNS:
            raise ParameterError(f"{who}: infill_pattern = {self.infill_pattern!r} is not a "
                                 f"PrusaSlicer pattern; use one of {', '.join(_INFILL_PATTERNS)}")


#: Defaults used by :func:`slice_stl`.
DEFAULT_SLICE_SETTINGS = SliceSettings()


@dataclass(frozen=True, kw_only=True)
class SliceResult:
    """Outcome of :func:`slice_stl`.

    Attributes
    ----------
    ok : bool
        G-code was written and its statistics read.
    ran : bool
        PrusaSlicer was started (False: not installed, or the part does not fit).
    slicer : str or None
        Version, e.g. ``"PrusaSlicer-2.5.0"``.
    printer, material : str
        Profile names.
    filament_mm, filament_cm3, filament_g : float or None
        Filament used: length mm, volume cm³, mass g.
    cost : float or None
        Filament cost, in the currency of ``materials.toml`` (USD as shipped).
    print_time_s : float or None
        Estimated printing time (normal mode), s.
    print_time_text : str or None
        The same as PrusaSlicer wrote it, e.g. ``"1h 5m 3s"``.
    layer_height_mm : float
        Layer height used, mm.
    rotation_deg : float
        Turn about z applied to fit the bed, degrees counter-clockwise.
    repaired : bool or None
        PrusaSlicer reported repairing the mesh (open edges, reversed facets...), from its
        ``--info`` statistics; ``None`` when unknown.
    mesh_stats : dict
        PrusaSlicer's ``--info`` numbers (``manifold``, ``open_edges``,
        ``facets_reversed``, ``number_of_parts``, ``volume`` in mm³...).
    fit : dict or None
        :func:`bed_fit` result, when the STL could be read.
    message : str
        Empty on success; on failure one line saying why.
    seconds : float
        Wall time of the slicer run, s.
    settings : dict
        The PrusaSlicer options passed (name to value text).
    gcode_path : str or None
        Where the G-code was kept (``keep_gcode_path``), else ``None``.
    """

    ok: bool
    ran: bool
    slicer: str | None = None
    printer: str = ""
    material: str = ""
    filament_mm: float | None = None
    filament_cm3: float | None = None
    filament_g: float | None = None
    cost: float | None = None
    print_time_s: float | None = None
    print_time_text: str | None = None
    layer_height_mm: float = DEFAULT_SLICE_SETTINGS.layer_height_mm
    rotation_deg: float = 0.0
    repaired: bool | None = None
    mesh_stats: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, Any] | None = None
    message: str = ""
    seconds: float = 0.0
    settings: dict[str, str] = field(default_factory=dict)
    gcode_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """All fields as plain (JSON-serialisable) values."""
        return dataclasses.asdict(self)


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


def _read_gcode_stats(gcode: Path) -> dict[str, Any]:
    """Statistics from the comment block PrusaSlicer writes after the moves."""
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
_INFO_LINE = re.compile(r"^([a-z_]+)\s*=\s*(\S+)\s*$")
_REPAIR_KEYS = ("degenerate_facets", "edges_fixed", "facets_removed", "facets_added",
                "facets_reversed", "backwards_edges")


def _parse_info(stdout: str) -> dict[str, Any]:
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


def _was_repaired(stats: dict[str, Any]) -> bool | None:
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


def _failure_message(stdout: str, stderr: str, returncode: int) -> str:
    err = _meaningful_lines(stderr)
    logged = [(lv, ln) for lv, ln in _meaningful_lines(stdout) if lv in ("error", "fatal")]
    picked = err[-1][1] if err else (logged[-1][1] if logged else "")
    if not picked:
        return f"PrusaSlicer exited with code {returncode} and no message; run it by hand " \
               "on the STL to see why"
    if len(picked) > 200:
        picked = picked[:197] + "..."
    return f"PrusaSlicer failed: {picked}"


def _num(x: float) -> str:
    """Number as PrusaSlicer option text (no exponent, no trailing zeros)."""
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _slicer_options(printer: Printer, material: Material, s: SliceSettings,
                    rotation_deg: float) -> dict[str, str]:
    bx, by = printer.bed_x_mm, printer.bed_y_mm
    cx, cy = printer.bed_center_mm
    first_layer = s.first_layer_height_mm or s.layer_height_mm
    accel = _num(printer.max_acceleration_mm_s2)
    retract = material.retract_length_mm if material.retract_length_mm is not None \
        else printer.retract_length_mm
    opts: dict[str, str] = {
        # printer
        "bed-shape": f"0x0,{_num(bx)}x0,{_num(bx)}x{_num(by)},0x{_num(by)}",
        "max-print-height": _num(printer.max_height_mm),
        "nozzle-diameter": _num(printer.nozzle_diameter_mm),
        "gcode-flavor": printer.gcode_flavor,
        "machine-limits-usage": "time_estimate_only",
        "machine-max-acceleration-extruding": accel,
        "machine-max-acceleration-retracting": accel,
        "machine-max-acceleration-travel": accel,
        "retract-length": _num(retract),
        "retract-speed": _num(printer.retract_speed_mm_s),
        # material
        "filament-type": material.filament_type,
        "filament-diameter": _num(material.filament_diameter_mm),
        "filament-density": _num(material.density_g_cm3),
        "filament-cost": _num(material.cost_per_kg),
        "temperature": _num(material.nozzle_temp_c),
        "first-layer-temperature": _num(material.first_layer_nozzle_temp_c
                                         if material.first_layer_nozzle_temp_c is not None
                                         else material.nozzle_temp_c),
        "bed-temperature": _num(material.bed_temp_c),
        "first-layer-bed-temperature": _num(material.first_layer_bed_temp_c
                                            if material.first_layer_bed_temp_c is not None
                                            else material.bed_temp_c),
        "cooling": "1",
        "min-fan-speed": _num(material.fan_min_percent),
        "max-fan-speed": _num(material.fan_max_percent),
        "bridge-fan-speed": _num(material.bridge_fan_percent),
        "disable-fan-first-layers": str(material.disable_fan_first_layers),
        "filament-max-volumetric-speed": _num(material.max_volumetric_speed_mm3_s),
        # print
        "layer-height": _num(s.layer_height_mm),
        "first-layer-height": _num(first_layer),
        "perimeters": str(s.perimeters),
        "top-solid-layers": str(s.top_solid_layers),
        "bottom-solid-layers": str(s.bottom_solid_layers),
        "fill-density": f"{_num(s.infill_percent)}%",
        "fill-pattern": s.infill_pattern,
        "support-material": "1" if s.supports else "0",
        "support-material-auto": "1" if s.supports else "0",
        "support-material-buildplate-only": "1" if s.supports_buildplate_only else "0",
        "brim-width": _num(s.brim_width_mm),
        "skirts": str(s.skirts),
        # placement
        "center": f"{_num(cx)},{_num(cy)}",
    }
    if printer.start_gcode:
        opts["start-gcode"] = printer.start_gcode
    if printer.end_gcode:
        opts["end-gcode"] = printer.end_gcode
    if rotation_deg:
        opts["rotate"] = _num(rotation_deg)
    return opts


def _options_to_argv(opts: dict[str, str]) -> list[str]:
    argv = []
    for key, value in opts.items():
        # Booleans: "--key" / "--no-key"; everything else "--key=value" (safe for "-30").
        if key in ("support-material", "support-material-auto",
                   "support-material-buildplate-only", "cooling"):
            argv.append(f"--{key}" if value == "1" else f"--no-{key}")
        else:
            argv.append(f"--{key}={value}")
    return argv


def _mesh_fit(stl_path: Path, printer: Printer, margin_mm: float) -> dict[str, Any] | None:
    """:func:`bed_fit` of the STL's vertices; ``None`` if the file cannot be read here."""
    try:
        import trimesh
        mesh = trimesh.load(stl_path, file_type="stl", force="mesh", process=False)
        vertices = np.asarray(mesh.vertices, dtype=float)
    except Exception:
        return None  # let PrusaSlicer say what is wrong with the file
    if len(vertices) == 0 or not np.all(np.isfinite(vertices)):
        return None
    extents = vertices.max(axis=0) - vertices.min(axis=0)
    if np.any(extents > 1e5):  # garbage read as numbers; PrusaSlicer will judge
        return None
    return bed_fit(extents, printer, margin_mm, footprint_xy=vertices[:, :2])


def slice_stl(stl_path: str | os.PathLike, printer: Printer | str, material: Material | str,
              *, layer_height_mm: float = DEFAULT_SLICE_SETTINGS.layer_height_mm,
              perimeters: int = DEFAULT_SLICE_SETTINGS.perimeters,
              infill_percent: float = DEFAULT_SLICE_SETTINGS.infill_percent,
              infill_pattern: str = DEFAULT_SLICE_SETTINGS.infill_pattern,
              supports: bool = DEFAULT_SLICE_SETTINGS.supports,
              supports_buildplate_only: bool = DEFAULT_SLICE_SETTINGS.supports_buildplate_only,
              brim_width_mm: float = DEFAULT_SLICE_SETTINGS.brim_width_mm,
              rotate_to_fit: bool = True, margin_mm: float = 5.0,
              timeout_s: float = 600.0, keep_gcode_path: str | os.PathLike | None = None,
              slicer: str | None = None) -> SliceResult:
    """Slice an STL with PrusaSlicer's command line and read back what the print takes.

    The part is printed as oriented in the file (a socket: distal end on the bed),
    centred on the bed, turned about z only if that is needed to fit (see
    :func:`bed_fit`).  PrusaSlicer runs in a temporary folder with a temporary
    ``--datadir``, so no user configuration is read.

    Parameters
    ----------
    stl_path : path-like
        The part, mm.
    printer, material : Printer or Material, or their profile names
        Profiles.
    layer_height_mm, perimeters, infill_percent, infill_pattern, supports,
    supports_buildplate_only, brim_width_mm
        See :class:`SliceSettings` (defaults: :data:`DEFAULT_SLICE_SETTINGS`).
    rotate_to_fit : bool
        Turn the part about z when it only fits turned; otherwise report it as not fitting.
    margin_mm : float
        Free room along the bed edges for the fit check, mm.
    timeout_s : float
        Give up after this many seconds.
    keep_gcode_path : path-like, optional
        Copy the G-code here (parent folders are created).
    slicer : str, optional
        Executable; default :func:`find_slicer`.

    Returns
    -------
    SliceResult
        ``ok`` False with a one-line ``message`` when PrusaSlicer is missing
        (``ran`` False, message starting "PrusaSlicer not installed"), the part does not
        fit (``ran`` False), PrusaSlicer fails or times out.

    Raises
    ------
    ParameterError
        The STL does not exist, a profile name is unknown, or a setting is out of range.
    OutputError
        ``keep_gcode_path`` cannot be written.
    """
    stl = Path(stl_path).expanduser().resolve()
    if not stl.is_file():
        raise ParameterError(f"STL file {stl} does not exist; export the part first or fix "
                             "the path")
    if isinstance(printer, str):
        printer = get_printer(printer)
    if isinstance(material, str):
        material = get_material(material)
    settings = SliceSettings(layer_height_mm=float(layer_height_mm), perimeters=perimeters,
                             infill_percent=float(infill_percent),
                             infill_pattern=infill_pattern, supports=bool(supports),
                             supports_buildplate_only=bool(supports_buildplate_only),
                             brim_width_mm=float(brim_width_mm))
    if settings.layer_height_mm > 0.8 * printer.nozzle_diameter_mm + 1e-9:
        raise ParameterError(
            f"layer_height_mm = {settings.layer_height_mm:g} mm is more than 80 % of the "
            f"{printer.nozzle_diameter_mm:g} mm nozzle of {printer.name}; use at most "
            f"{0.8 * printer.nozzle_diameter_mm:.2f} mm")
    if not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
        raise ParameterError(f"timeout_s = {timeout_s!r} must be a positive number of "
                             "seconds; pass e.g. 600")

    base = dict(printer=printer.name, material=material.name,
                layer_height_mm=settings.layer_height_mm)

    exe = slicer or find_slicer()
    if not exe:
        override = os.environ.get(SLICER_ENV_VAR, "").strip()
        how = (f"{SLICER_ENV_VAR}={override!r} is not an executable; fix or unset it"
               if override and slicer is None else
               f"install it (e.g. apt install prusa-slicer) or set {SLICER_ENV_VAR} to its "
               "path")
        return SliceResult(ok=False, ran=False, message=f"PrusaSlicer not installed: {how}",
                           **base)

    fit = _mesh_fit(stl, printer, margin_mm)
    rotation = 0.0
    if fit is not None:
        if fit["fits"] and fit["rotation_deg"] and not rotate_to_fit:
            fit = {**fit, "fits": False, "reason": (
                f"part only fits {printer.name} turned {fit['rotation_deg']:.0f} deg about z; "
                "allow rotate_to_fit or choose a larger printer")}
        if not fit["fits"]:
            return SliceResult(ok=False, ran=False, slicer=_version_of(exe), fit=fit,
                               message=fit["reason"], **base)
        rotation = float(fit["rotation_deg"])

    opts = _slicer_options(printer, material, settings, rotation)
    version = _version_of(exe)
    with tempfile.TemporaryDirectory(prefix="prosthetics-slice-") as tmp:
        tmp_dir = Path(tmp)
        gcode = tmp_dir / "part.gcode"
        argv = [exe, f"--loglevel={SLICER_LOGLEVEL}", f"--datadir={tmp_dir / 'datadir'}",
                *_options_to_argv(opts), "--info", "--export-gcode", f"--output={gcode}",
                str(stl)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(argv, cwd=tmp_dir, env=_child_env(), capture_output=True,
                                  text=True, errors="replace", timeout=timeout_s,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return SliceResult(
                ok=False, ran=True, slicer=version, fit=fit, rotation_deg=rotation,
                seconds=time.perf_counter() - t0, settings=opts,
                message=(f"PrusaSlicer did not finish within {timeout_s:g} s and was stopped; "
                         "raise timeout_s or simplify the mesh"), **base)
        except OSError as exc:
            return SliceResult(ok=False, ran=False, fit=fit, settings=opts,
                               message=f"cannot start PrusaSlicer at {exe} ({exc.strerror}); "
                                       f"check the install or {SLICER_ENV_VAR}", **base)
        seconds = time.perf_counter() - t0

        stats = _parse_info(proc.stdout)
        common = dict(slicer=version, fit=fit, rotation_deg=rotation, seconds=seconds,
                      settings=opts, mesh_stats=stats, repaired=_was_repaired(stats), **base)
        if proc.returncode != 0 or not gcode.is_file():
            return SliceResult(ok=False, ran=True, **common,
                               message=_failure_message(proc.stdout, proc.stderr,
                                                        proc.returncode))
        numbers = _read_gcode_stats(gcode)
        if numbers["filament_mm"] is None or numbers["print_time_s"] is None:
            return SliceResult(ok=False, ran=True, **common, **numbers,
                               message="PrusaSlicer wrote G-code without filament or time "
                                       "statistics; check the slicer version (2.4 or later)")
        kept = None
        if keep_gcode_path is not None:
            dest = Path(keep_gcode_path).expanduser()
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(gcode, dest)
            except OSError as exc:
                raise OutputError(f"cannot write G-code to {dest} ({exc.strerror}); choose a "
                                  "writable path") from None
            kept = str(dest)
    return SliceResult(ok=True, ran=True, gcode_path=kept, **common, **numbers)
