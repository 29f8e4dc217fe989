"""The printer's bed: whether an oriented part fits a printer, and where it stands on it.

:func:`bed_fit` decides whether a part, already stood the way it prints, fits a printer's
bed and build height, turning it about z when that helps; :func:`bed_placement` stands it
on the middle of the bed.  The footprint is the convex hull of the part's points projected
on the bed, so turning it finds the tightest box without a 3D search.

Millimetres and degrees; rotations are counter-clockwise about +Z, the same sense as
PrusaSlicer's ``--rotate``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull

from prosthetics.errors import N_, ParameterError
from prosthetics.printing.profiles import Printer

__all__ = ["bed_fit", "bed_placement"]

# Slack on the fit comparisons, mm: a part exactly as big as the bed fits.
_FIT_TOL_MM = 1e-6


def _fmt_mm(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _convex_hull_2d(points: np.ndarray) -> np.ndarray:
    """Vertices of the convex hull of ``points`` (n, 2), in order; the points if degenerate."""
    if len(points) < 3:
        return points
    try:
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


def _checked_extents(extents_mm: Any, margin_mm: float, step_deg: float) -> np.ndarray:
    """``extents_mm`` as a (3,) float array, mm, once it and the other inputs are valid."""
    ext = np.asarray(extents_mm, dtype=float).reshape(-1)
    if ext.shape != (3,) or not np.all(np.isfinite(ext)) or np.any(ext < 0):
        raise ParameterError(f"extents_mm = {extents_mm!r} must be three finite non-negative "
                             "sizes in mm (x, y, z); pass the bounding-box size")
    if not (math.isfinite(margin_mm) and margin_mm >= 0):
        raise ParameterError.of(N_("margin_mm = %(value)s must be >= 0 mm; pass e.g. 5"),
                                value=repr(margin_mm))
    if not (math.isfinite(step_deg) and 0 < step_deg <= 45):
        raise ParameterError.of(N_("step_deg = %(value)s must be in (0, 45] degrees; pass e.g. 1"),
                                value=repr(step_deg))
    return ext


def _footprint(ext: np.ndarray, footprint_xy: Any) -> np.ndarray:
    """Convex hull of the part's footprint, centred on the origin, (m, 2) mm.

    Without ``footprint_xy`` it is the ``ext[0] x ext[1]`` rectangle (4 corners).
    """
    if footprint_xy is None:
        hx, hy = ext[0] / 2.0, ext[1] / 2.0
        return np.array([[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]])
    pts = np.asarray(footprint_xy, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0 or not np.all(np.isfinite(pts)):
        raise ParameterError("footprint_xy must be an (n, 2) array of finite bed "
                             "coordinates in mm; pass the vertices' x and y columns")
    return _convex_hull_2d(pts - pts.mean(axis=0))


def _candidate_angles(hull: np.ndarray, step_deg: float) -> np.ndarray:
    """Turns about z to try, degrees in (-90, 90]: 0 first, then a grid by increasing size,
    then the angles that lay each hull edge along x or y (where the tightest boxes are).

    The order matters: :func:`_pick_rotation` takes the first of equals, so ties keep the
    part closest to as given.
    """
    n_steps = int(math.floor(90.0 / step_deg))
    steps = np.arange(1, n_steps + 1) * step_deg
    parts = [np.zeros(1), np.column_stack([steps, -steps]).ravel()]
    if len(hull) >= 2:
        edges = np.roll(hull, -1, axis=0) - hull
        edge_angles = np.degrees(np.arctan2(edges[:, 1], edges[:, 0]))
        # Per edge, the turns that lay it on the x axis and on the y axis, into [-90, 90).
        turns = np.column_stack([-edge_angles, 90.0 - edge_angles]).ravel()
        parts.append((turns + 90.0) % 180.0 - 90.0)
    grid = np.concatenate(parts)
    return np.where(np.abs(grid + 90.0) < 1e-9, 90.0, grid)


def _turned_extents(hull: np.ndarray, angles_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bed-axis extents (x, y) of ``hull`` (m, 2) turned by each of ``angles_deg`` (k,);
    two (k,) arrays, mm."""
    rad = np.radians(angles_deg)
    c, s = np.cos(rad), np.sin(rad)
    # Rotated x = c*x - s*y, y = s*x + c*y, for every angle at once: (n_angles, n_points).
    rx = c[:, None] * hull[None, :, 0] - s[:, None] * hull[None, :, 1]
    ry = s[:, None] * hull[None, :, 0] + c[:, None] * hull[None, :, 1]
    return rx.max(axis=1) - rx.min(axis=1), ry.max(axis=1) - ry.min(axis=1)


def _pick_rotation(room: np.ndarray) -> int:
    """Index of the angle to use, given the free room (k,) mm on the tighter bed axis.

    The part's own orientation (index 0) whenever it fits; otherwise the angle with the
    most room (the first maximum: the smallest turn among equals).
    """
    if room[0] >= -_FIT_TOL_MM:
        return 0
    return int(np.argmax(room))


def _misfit_reason(printer: Printer, part: list[float], rotation: float, usable_x: float,
                   usable_y: float, margin_mm: float, fits_xy: bool, fits_z: bool) -> str:
    """One sentence saying why the part does not fit, or ``""`` when it does."""
    reasons = []
    if not fits_z:
        reasons.append(f"part is {_fmt_mm(part[2])} mm tall; printer {printer.name} builds "
                       f"{_fmt_mm(printer.max_height_mm)} mm")
    if not fits_xy:
        reasons.append(
            f"part footprint is {_fmt_mm(part[0])} x {_fmt_mm(part[1])} mm even turned "
            f"{rotation:.0f} deg; usable bed is {_fmt_mm(usable_x)} x {_fmt_mm(usable_y)} mm "
            f"({_fmt_mm(printer.bed_x_mm)} x {_fmt_mm(printer.bed_y_mm)} mm less "
            f"{_fmt_mm(margin_mm)} mm margins)")
    if not reasons:
        return ""
    return "; ".join(reasons) + "; choose a larger printer or split the part"


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
    ext = _checked_extents(extents_mm, margin_mm, step_deg)
    hull = _footprint(ext, footprint_xy)
    usable_x = printer.bed_x_mm - 2.0 * margin_mm
    usable_y = printer.bed_y_mm - 2.0 * margin_mm
    height = float(ext[2])

    # The part as given first: kept whenever it fits (see _pick_rotation), and then no
    # other turn need be measured.
    angles = np.zeros(1)
    ex, ey = _turned_extents(hull, angles)
    room = np.minimum(usable_x - ex, usable_y - ey)
    if room[0] < -_FIT_TOL_MM:
        angles = _candidate_angles(hull, step_deg)
        ex, ey = _turned_extents(hull, angles)
        room = np.minimum(usable_x - ex, usable_y - ey)
    best = _pick_rotation(room)
    fits_xy = bool(room[best] >= -_FIT_TOL_MM)
    fits_z = height <= printer.max_height_mm + _FIT_TOL_MM
    rotation = float(angles[best])
    if abs(rotation) < 1e-9:
        rotation = 0.0
    part = [float(ex[best]), float(ey[best]), height]
    return {
        "fits": fits_xy and fits_z,
        "printer": printer.name,
        "bed_mm": [float(printer.bed_x_mm), float(printer.bed_y_mm),
                   float(printer.max_height_mm)],
        "part_mm": part,
        "rotation_deg": round(rotation, 3),
        "margin_mm": float(margin_mm),
        "reason": _misfit_reason(printer, part, rotation, usable_x, usable_y, margin_mm,
                                 fits_xy, fits_z),
    }
