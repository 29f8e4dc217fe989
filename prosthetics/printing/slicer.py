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
* It prints its progress ("20 => Generating perimeters") with C stdio, which holds output
  to a pipe until it exits; on POSIX its output therefore goes to a pseudo-terminal, where
  each line comes as it is written.  Slicing a socket took 20-130 s here, most of it in
  "Generating perimeters" and "Infilling layers".
"""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from prosthetics.errors import N_, OutputError, ParameterError
from prosthetics.printing.bed import bed_fit
from prosthetics.printing.profiles import Material, Printer, get_material, get_printer
from prosthetics.printing.slicer_output import (
    failure_message,
    parse_info,
    parse_progress,
    read_gcode_stats,
    was_repaired,
)
from prosthetics.printing.slicer_settings import (
    DEFAULT_SLICE_SETTINGS,
    SliceSettings,
    options_to_argv,
    slicer_options,
)

if os.name == "posix":
    import pty
else:  # no pseudo-terminals: PrusaSlicer's output comes through a pipe
    pty = None

__all__ = [
    "SLICER_ENV_VAR",
    "SliceSettings",
    "DEFAULT_SLICE_SETTINGS",
    "SliceResult",
    "SliceProgress",
    "find_slicer",
    "slicer_version",
    "check_slice_settings",
    "slice_options",
    "slice_stl",
]

#: Environment variable naming the PrusaSlicer executable; overrides the PATH lookup.
SLICER_ENV_VAR = "PROSTHETICS_SLICER"

_SLICER_NAMES = ("prusa-slicer", "PrusaSlicer", "prusaslicer")
_WINDOWS_SLICER_NAMES = ("prusa-slicer-console", "prusa-slicer", "PrusaSlicer")
_MACOS_SLICER_PATH = "/Applications/PrusaSlicer.app/Contents/MacOS/PrusaSlicer"

#: PrusaSlicer ``--loglevel``: 1 = fatal and error messages only.
SLICER_LOGLEVEL = 1

#: Seconds between two progress reports while PrusaSlicer runs (more often when it starts
#: a new step).
PROGRESS_INTERVAL_S = 1.0


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
    stopped : str
        ``"timeout"`` or ``"cancelled"`` when PrusaSlicer was stopped before it finished,
        else ``""``.
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
    stopped: str = ""

    def as_dict(self) -> dict[str, Any]:
        """All fields as plain (JSON-serialisable) values."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SliceProgress:
    """What PrusaSlicer is doing, reported about once a second while it runs.

    Attributes
    ----------
    elapsed_s : float
        Seconds since PrusaSlicer was started.
    percent : int or None
        The highest progress PrusaSlicer has printed (0-100), None before its first
        progress line (and where its output only comes when it exits: Windows).
    step : str
        The step of that progress line, e.g. ``"Generating perimeters"``; ``""`` before
        the first.
    """

    elapsed_s: float
    percent: int | None = None
    step: str = ""

    def describe(self) -> str:
        """One short line, e.g. ``"23 s, 20 %: Generating perimeters"``."""
        text = f"{self.elapsed_s:.0f} s"
        if self.percent is not None:
            text += f", {self.percent} %"
        return f"{text}: {self.step}" if self.step else text


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


def _checked_settings(printer: Printer | str, material: Material | str,
                      settings: dict[str, Any],
                      timeout_s: float) -> tuple[Printer, Material, SliceSettings]:
    """The profiles and the :class:`SliceSettings`, checked (see :func:`slice_stl`).

    Raises
    ------
    ParameterError
        A profile name is unknown, or a setting or ``timeout_s`` is out of range.
    """
    if isinstance(printer, str):
        printer = get_printer(printer)
    if isinstance(material, str):
        material = get_material(material)
    s = SliceSettings(**settings)
    if s.layer_height_mm > 0.8 * printer.nozzle_diameter_mm + 1e-9:
        raise ParameterError.of(
            N_("layer_height_mm = %(layer)s mm is more than 80 %% of the %(nozzle)s mm nozzle "
               "of %(printer)s; use at most %(most)s mm"), layer=f"{s.layer_height_mm:g}",
            nozzle=f"{printer.nozzle_diameter_mm:g}", printer=printer.name,
            most=f"{0.8 * printer.nozzle_diameter_mm:.2f}")
    if not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
        raise ParameterError.of(N_("timeout_s = %(value)s must be a positive number of seconds; "
                                   "pass e.g. 600"), value=repr(timeout_s))
    return printer, material, s


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
        raise ParameterError.of(N_("STL file %(path)s does not exist; export the part first or fix "
                                   "the path"), path=stl)
    return (stl, *_checked_settings(printer, material, settings, timeout_s))


def check_slice_settings(printer: Printer | str, material: Material | str, *,
                         timeout_s: float = 600.0, **settings: Any) -> None:
    """Raise what :func:`slice_stl` would raise for these settings, without an STL.

    For checking a run's slicer settings before any file is written: the slicer runs
    after the print files are out.

    Parameters
    ----------
    printer, material : Printer or Material, or their profile names
        Profiles.
    timeout_s : float
        Slicer time limit, s.
    **settings
        The :class:`SliceSettings` keywords :func:`slice_stl` takes (``layer_height_mm``,
        ``perimeters``, ...).

    Raises
    ------
    ParameterError
        A profile name is unknown, or a setting is out of range.
    """
    _checked_settings(printer, material, settings, timeout_s)


def slice_options(printer: Printer | str, material: Material | str, *,
                  rotation_deg: float = 0.0, **settings: Any) -> dict[str, str]:
    """The PrusaSlicer options :func:`slice_stl` runs with for these settings.

    For a print job that carries its own settings (a 3MF): ``settings`` are
    :func:`slice_stl`'s :class:`SliceSettings` keywords, defaults as there.

    Raises
    ------
    ParameterError
        A profile name is unknown, or a setting is out of range.
    """
    printer, material, s = _checked_settings(printer, material, settings, 600.0)
    return slicer_options(printer, material, s, float(rotation_deg))


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
        raise OutputError.of(N_("cannot write G-code to %(path)s (%(reason)s); choose a writable "
                                "path"), path=dest, reason=exc.strerror) from None
    return str(dest)


@dataclass
class _Run:
    """What a PrusaSlicer process wrote and how it ended."""

    returncode: int | None
    stdout: str
    stderr: str
    stopped: str          # "", "timeout" or "cancelled"
    seconds: float


def _read_into(fd: int, lines: queue.Queue, name: str) -> None:
    """Put each chunk read from ``fd`` on ``lines`` as (name, bytes); (name, b"") at the end.

    A pseudo-terminal's reader gets EIO, not an empty read, once the child has closed it.
    """
    try:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            lines.put((name, chunk))
            if not chunk:
                return
    finally:
        os.close(fd)


def _run_watched(argv: list[str], cwd: Path, timeout_s: float,
                 progress: Callable[[SliceProgress], None] | None,
                 cancel: Callable[[], bool] | None) -> _Run:
    """Run PrusaSlicer, reading its output as it comes and reporting its progress.

    Its output goes to a pseudo-terminal where there is one (POSIX), so that its progress
    lines come as they are written (see the module notes), else to a pipe.  Reader
    threads collect stdout and stderr; this thread reports ``progress`` at least every
    :data:`PROGRESS_INTERVAL_S` and on each new step, and stops PrusaSlicer when
    ``timeout_s`` has passed or ``cancel()`` is true.  Whatever ends this call (an
    exception from ``progress``, Ctrl+C), PrusaSlicer is stopped and waited for.

    Raises
    ------
    OSError
        PrusaSlicer cannot be started.
    """
    master = slave = None
    if pty is not None:
        master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=_child_env(), stdin=subprocess.DEVNULL,
                                stdout=slave if slave is not None else subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except BaseException:
        if master is not None:
            os.close(master)
        raise
    finally:
        if slave is not None:
            os.close(slave)
    t0 = time.perf_counter()
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    inbox: queue.Queue = queue.Queue()
    out_fd = master if master is not None else os.dup(proc.stdout.fileno())
    if proc.stdout is not None:
        proc.stdout.close()
    err_fd = os.dup(proc.stderr.fileno())
    proc.stderr.close()
    for name, fd in (("out", out_fd), ("err", err_fd)):
        threading.Thread(target=_read_into, args=(fd, inbox, name), daemon=True,
                         name=f"prusaslicer-{name}").start()
    open_streams, pending = 2, b""
    percent, step, stopped = None, "", ""
    last_report = -PROGRESS_INTERVAL_S
    try:
        while open_streams:
            try:
                name, chunk = inbox.get(timeout=0.2)
            except queue.Empty:
                name, chunk = "", None
            new_step = False
            if chunk == b"":
                open_streams -= 1
            elif chunk is not None:
                chunks[name].append(chunk)
                if name == "out":
                    *done, pending = (pending + chunk).split(b"\n")
                    for raw in done:
                        got = parse_progress(raw.decode("utf-8", "replace"))
                        # Steps overlap ("70 => Infilling layers" comes before "30 =>
                        # Preparing infill"): the furthest one is shown.
                        if got is not None and (percent is None or got[0] >= percent):
                            percent, step, new_step = got[0], got[1], True
            elapsed = time.perf_counter() - t0
            if not stopped and proc.poll() is None:
                if elapsed > timeout_s:
                    stopped = "timeout"
                elif cancel is not None and cancel():
                    stopped = "cancelled"
                if stopped:
                    proc.kill()
            if progress is not None and (new_step or elapsed - last_report >= PROGRESS_INTERVAL_S):
                last_report = elapsed
                progress(SliceProgress(elapsed_s=elapsed, percent=percent, step=step))
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    seconds = time.perf_counter() - t0

    def text(name: str) -> str:
        return b"".join(chunks[name]).decode("utf-8", "replace").replace("\r\n", "\n")

    return _Run(returncode=proc.returncode, stdout=text("out"), stderr=text("err"),
                stopped=stopped, seconds=seconds)


def _run_slicer(exe: str, stl: Path, opts: dict[str, str], timeout_s: float,
                keep_gcode_path: str | os.PathLike | None,
                run: dict[str, Any],
                progress: Callable[[SliceProgress], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> SliceResult:
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
    progress, cancel
        As :func:`slice_stl`.
    """
    base = {k: run[k] for k in ("printer", "material", "layer_height_mm")}
    with tempfile.TemporaryDirectory(prefix="prosthetics-slice-") as tmp:
        tmp_dir = Path(tmp)
        gcode = tmp_dir / "part.gcode"
        # A temporary --datadir: no user configuration is read.
        argv = [exe, f"--loglevel={SLICER_LOGLEVEL}", f"--datadir={tmp_dir / 'datadir'}",
                *options_to_argv(opts), "--info", "--export-gcode", f"--output={gcode}",
                str(stl)]
        try:
            proc = _run_watched(argv, tmp_dir, timeout_s, progress, cancel)
        except OSError as exc:
            return SliceResult(ok=False, ran=False, fit=run["fit"], settings=opts,
                               message=f"cannot start PrusaSlicer at {exe} ({exc.strerror}); "
                                       f"check the install or {SLICER_ENV_VAR}", **base)
        if proc.stopped == "timeout":
            return SliceResult(
                ok=False, ran=True, **run, seconds=proc.seconds, settings=opts,
                stopped="timeout",
                message=(f"PrusaSlicer did not finish within {timeout_s:g} s and was stopped; "
                         "raise timeout_s or simplify the mesh"))
        if proc.stopped == "cancelled":
            return SliceResult(
                ok=False, ran=True, **run, seconds=proc.seconds, settings=opts,
                stopped="cancelled",
                message=f"slicing was cancelled after {proc.seconds:.0f} s")

        stats = parse_info(proc.stdout)
        common = dict(**run, seconds=proc.seconds, settings=opts, mesh_stats=stats,
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
              slicer: str | None = None,
              progress: Callable[[SliceProgress], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> SliceResult:
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
    progress : callable, optional
        ``progress(SliceProgress)``, called about once a second while PrusaSlicer runs and
        when it starts a new step.  An exception it raises stops PrusaSlicer and ends the
        call.
    cancel : callable, optional
        ``cancel() -> bool``, polled while PrusaSlicer runs; true stops it (the result
        then says so: ``stopped == "cancelled"``).

    Returns
    -------
    SliceResult
        ``ok`` False with a one-line ``message`` when PrusaSlicer is missing
        (``ran`` False, message starting "PrusaSlicer not installed"), the part does not
        fit (``ran`` False), PrusaSlicer fails, times out or is cancelled.

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
    return _run_slicer(exe, stl, opts, timeout_s, keep_gcode_path, run, progress, cancel)
