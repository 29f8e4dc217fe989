"""Slicing with PrusaSlicer: finding it, and :func:`slice_stl`.

:func:`slice_stl` runs PrusaSlicer's command line on an STL and reads filament use, cost
and print time back from the G-code it writes (the reading is in
:mod:`prosthetics.printing.slicer_output`).  The print settings and the options they
become are in :mod:`prosthetics.printing.slicer_settings`, the printer and material come from
:mod:`prosthetics.printing.profiles`; the part is checked against the bed with
:func:`prosthetics.printing.bed.bed_fit` first.

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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from prosthetics.errors import OutputError, ParameterError
from prosthetics.printing.bed import bed_fit
from prosthetics.printing.profiles import Material, Printer, get_material, get_printer
from prosthetics.printing.slicer_output import (
    failure_message,
    parse_info,
    read_gcode_stats,
    was_repaired,
)
from prosthetics.printing.slicer_settings import (
    DEFAULT_SLICE_SETTINGS,
    SliceSettings,
    options_to_argv,
    slicer_options,
)

__all__ = [
    "SLICER_ENV_VAR",
    "SliceSettings",
    "DEFAULT_SLICE_SETTINGS",
    "SliceResult",
    "find_slicer",
    "slicer_version",
    "slice_stl",
]

#: Environment variable naming the PrusaSlicer executable; overrides the PATH lookup.
SLICER_ENV_VAR = "PROSTHETICS_SLICER"

_SLICER_NAMES = ("prusa-slicer", "PrusaSlicer", "prusaslicer")
_WINDOWS_SLICER_NAMES = ("prusa-slicer-console", "prusa-slicer", "PrusaSlicer")
_MACOS_SLICER_PATH = "/Applications/PrusaSlicer.app/Contents/MacOS/PrusaSlicer"

#: PrusaSlicer ``--loglevel``: 1 = fatal and error messages only.
SLICER_LOGLEVEL = 1


# ---------------------------------------------------------------------------------------
# Finding PrusaSlicer
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


def _mesh_fit(stl_path: Path, printer: Printer, margin_mm: float) -> dict[str, Any] | None:
    """:func:`bed_fit` of the STL's vertices; ``None`` if the file cannot be read here."""
    try:
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


def _checked_inputs(stl_path: str | os.PathLike, printer: Printer | str,
                    material: Material | str, settings: dict[str, Any],
                    timeout_s: float) -> tuple[Path, Printer, Material, SliceSettings]:
    """The STL's resolved path, the profiles and the :class:`SliceSettings`, all checked.

    Parameters
    ----------
    stl_path : path-like
        The part, mm.
    printer, material : Printer or Material, or their profile names
        Profiles.
    settings : dict
        Keyword arguments of :class:`SliceSettings`.
    timeout_s : float
        Slicer time limit, s.

    Raises
    ------
    ParameterError
        As :func:`slice_stl`.
    """
    stl = Path(stl_path).expanduser().resolve()
    if not stl.is_file():
        raise ParameterError(f"STL file {stl} does not exist; export the part first or fix "
                             "the path")
    if isinstance(printer, str):
        printer = get_printer(printer)
    if isinstance(material, str):
        material = get_material(material)
    s = SliceSettings(**settings)
    if s.layer_height_mm > 0.8 * printer.nozzle_diameter_mm + 1e-9:
        raise ParameterError(
            f"layer_height_mm = {s.layer_height_mm:g} mm is more than 80 % of the "
            f"{printer.nozzle_diameter_mm:g} mm nozzle of {printer.name}; use at most "
            f"{0.8 * printer.nozzle_diameter_mm:.2f} mm")
    if not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
        raise ParameterError(f"timeout_s = {timeout_s!r} must be a positive number of "
                             "seconds; pass e.g. 600")
    return stl, printer, material, s


def _not_installed_message(slicer: str | None) -> str:
    """Why no PrusaSlicer was found, and what to do (the ``slicer`` argument, if given)."""
    override = os.environ.get(SLICER_ENV_VAR, "").strip()
    how = (f"{SLICER_ENV_VAR}={override!r} is not an executable; fix or unset it"
           if override and slicer is None else
           f"install it (e.g. apt install prusa-slicer) or set {SLICER_ENV_VAR} to its "
           "path")
    return f"PrusaSlicer not installed: {how}"


def _fit_for_slicing(stl: Path, printer: Printer, margin_mm: float,
                     rotate_to_fit: bool) -> dict[str, Any] | None:
    """:func:`bed_fit` of the STL (``None`` when it cannot be read here), counted as not
    fitting when it only fits turned and turning is not allowed."""
    fit = _mesh_fit(stl, printer, margin_mm)
    if fit is not None and fit["fits"] and fit["rotation_deg"] and not rotate_to_fit:
        fit = {**fit, "fits": False, "reason": (
            f"part only fits {printer.name} turned {fit['rotation_deg']:.0f} deg about z; "
            "allow rotate_to_fit or choose a larger printer")}
    return fit


def _keep_gcode(gcode: Path, keep_gcode_path: str | os.PathLike) -> str:
    """Copy ``gcode`` to ``keep_gcode_path`` (parent folders created); the copy's path.

    Raises
    ------
    OutputError
        The copy cannot be written.
    """
    dest = Path(keep_gcode_path).expanduser()
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(gcode, dest)
    except OSError as exc:
        raise OutputError(f"cannot write G-code to {dest} ({exc.strerror}); choose a "
                          "writable path") from None
    return str(dest)


def _run_slicer(exe: str, stl: Path, opts: dict[str, str], timeout_s: float,
                keep_gcode_path: str | os.PathLike | None,
                run: dict[str, Any]) -> SliceResult:
    """Run PrusaSlicer on ``stl`` in a temporary folder and read back what it wrote.

    Parameters
    ----------
    exe : str
        The PrusaSlicer executable.
    stl : Path
        The part, mm.
    opts : dict of str to str
        Options from :func:`~prosthetics.printing.slicer_settings.slicer_options`.
    timeout_s : float
        Give up after this many seconds.
    keep_gcode_path : path-like or None
        Where to copy the G-code, if anywhere.
    run : dict
        :class:`SliceResult` fields already known: ``printer``, ``material``,
        ``layer_height_mm``, ``slicer`` (version), ``fit``, ``rotation_deg``.
    """
    base = {k: run[k] for k in ("printer", "material", "layer_height_mm")}
    with tempfile.TemporaryDirectory(prefix="prosthetics-slice-") as tmp:
        tmp_dir = Path(tmp)
        gcode = tmp_dir / "part.gcode"
        # A temporary --datadir: no user configuration is read.
        argv = [exe, f"--loglevel={SLICER_LOGLEVEL}", f"--datadir={tmp_dir / 'datadir'}",
                *options_to_argv(opts), "--info", "--export-gcode", f"--output={gcode}",
                str(stl)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(argv, cwd=tmp_dir, env=_child_env(), capture_output=True,
                                  text=True, errors="replace", timeout=timeout_s,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return SliceResult(
                ok=False, ran=True, **run, seconds=time.perf_counter() - t0, settings=opts,
                message=(f"PrusaSlicer did not finish within {timeout_s:g} s and was stopped; "
                         "raise timeout_s or simplify the mesh"))
        except OSError as exc:
            return SliceResult(ok=False, ran=False, fit=run["fit"], settings=opts,
                               message=f"cannot start PrusaSlicer at {exe} ({exc.strerror}); "
                                       f"check the install or {SLICER_ENV_VAR}", **base)
        seconds = time.perf_counter() - t0

        stats = parse_info(proc.stdout)
        common = dict(**run, seconds=seconds, settings=opts, mesh_stats=stats,
                      repaired=was_repaired(stats))
        if proc.returncode != 0 or not gcode.is_file():
            return SliceResult(ok=False, ran=True, **common,
                               message=failure_message(proc.stdout, proc.stderr,
                                                       proc.returncode))
        numbers = read_gcode_stats(gcode)
        if numbers["filament_mm"] is None or numbers["print_time_s"] is None:
            return SliceResult(ok=False, ran=True, **common, **numbers,
                               message="PrusaSlicer wrote G-code without filament or time "
                                       "statistics; check the slicer version (2.4 or later)")
        kept = _keep_gcode(gcode, keep_gcode_path) if keep_gcode_path is not None else None
    return SliceResult(ok=True, ran=True, gcode_path=kept, **common, **numbers)


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
    :func:`~prosthetics.printing.bed.bed_fit`).  PrusaSlicer runs in a temporary folder
    with a temporary ``--datadir``, so no user configuration is read.

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
    stl, printer, material, settings = _checked_inputs(
        stl_path, printer, material,
        dict(layer_height_mm=float(layer_height_mm), perimeters=perimeters,
             infill_percent=float(infill_percent), infill_pattern=infill_pattern,
             supports=bool(supports), supports_buildplate_only=bool(supports_buildplate_only),
             brim_width_mm=float(brim_width_mm)),
        timeout_s)
    base = dict(printer=printer.name, material=material.name,
                layer_height_mm=settings.layer_height_mm)

    exe = slicer or find_slicer()
    if not exe:
        return SliceResult(ok=False, ran=False, message=_not_installed_message(slicer), **base)

    fit = _fit_for_slicing(stl, printer, margin_mm, rotate_to_fit)
    if fit is not None and not fit["fits"]:
        return SliceResult(ok=False, ran=False, slicer=_version_of(exe), fit=fit,
                           message=fit["reason"], **base)
    rotation = float(fit["rotation_deg"]) if fit is not None else 0.0

    opts = slicer_options(printer, material, settings, rotation)
    run = dict(base, slicer=_version_of(exe), fit=fit, rotation_deg=rotation)
    return _run_slicer(exe, stl, opts, timeout_s, keep_gcode_path, run)
