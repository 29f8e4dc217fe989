"""Floor and table removal: RANSAC planes that are wide in both directions (Open3D).

A phone scan holds what the limb or foot stood on or lay against: a floor, a table, a wall.
:func:`find_floor` finds one such plane; :func:`remove_floors` removes up to a given number
of them with everything beyond them.  Limb cleaning (:mod:`prosthetics.scan.clean`) and foot
cleaning (:mod:`prosthetics.insoles.foot`) both use it, each with its own thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def quiet_open3d():
    """The ``open3d`` module, imported on first use, printing errors only.

    Imported here rather than at the top: Open3D takes over a second to import, and the
    design layer loads this module (through the cleaning of limbs and feet) when it loads.
    """
    import open3d as o3d

    o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)
    return o3d


def find_floor(points: np.ndarray, tolerance_mm: float, seed: int = 0, *,
               min_spread_mm: float = 30.0):
    """Find a floor or table plane: a RANSAC plane whose inliers are wide in both directions.

    Parameters
    ----------
    points : (n, 3) float, mm
    tolerance_mm : float, mm
        Distance from the plane that counts as on it.
    seed : int
        Seed of the RANSAC (the result is repeatable).
    min_spread_mm : float, mm
        Standard deviation the inliers must have across their second direction: a tangent
        strip of a limb is long but narrow (about 10 mm); a floor is wide both ways.

    Returns
    -------
    (normal (3,) float, offset float mm) or None
        The plane ``normal . p + offset = 0`` (unit normal, either way round); None when
        there are fewer than 50 points or the best plane holds under 3 % of them or is
        narrow.
    """
    o3d = quiet_open3d()
    if len(points) < 50:
        return None
    o3d.utility.random.seed(seed)
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    plane, inliers = pcd.segment_plane(distance_threshold=tolerance_mm, ransac_n=3,
                                       num_iterations=1000)
    if len(inliers) < max(50, 0.03 * len(points)):
        return None
    inl = points[np.asarray(inliers)]
    sv = np.linalg.svd(inl - inl.mean(axis=0), full_matrices=False, compute_uv=False)
    spread = sv / np.sqrt(len(inl))
    if spread[1] < min_spread_mm:
        return None
    n = np.asarray(plane[:3], dtype=float)
    norm = np.linalg.norm(n)
    return n / norm, float(plane[3]) / norm


@dataclass
class FloorRemoval:
    """What :func:`remove_floors` kept and removed.

    Attributes
    ----------
    points : (k, 3) float, mm
        The points kept.
    planes : list of (normal (3,) float, offset float mm)
        The planes removed, in the order found, each ``normal . p + offset = 0`` with the
        normal pointing towards the kept object.
    removed : int
        Points removed with the planes.
    only_floor : bool
        The last plane found had fewer than ``min_object_points`` points off it: the scan
        holds nothing but the floor (``points`` are those few).
    """

    points: np.ndarray
    planes: list = field(default_factory=list)
    removed: int = 0
    only_floor: bool = False

    def planes_as_lists(self) -> list[list[float]]:
        """The planes as ``[nx, ny, nz, offset]`` lists (for report.json)."""
        return [[*map(float, n), float(d)] for n, d in self.planes]


def remove_floors(points: np.ndarray, tolerance_mm: float, clearance_mm: float, *,
                  max_planes: int, min_object_points: int = 1,
                  max_beyond_fraction: float = 0.05, seed: int = 0) -> FloorRemoval:
    """Remove floors, tables and walls (up to ``max_planes``) with everything beyond them.

    Each plane found by :func:`find_floor` is taken for a floor when the scene is on one
    side of it: of the points further than ``clearance_mm`` from it, at most
    ``max_beyond_fraction`` lie on the side with fewer points.  A plane with much on both
    sides runs through the object and is not one; the search stops there.  The points
    within ``clearance_mm`` of a floor and those beyond it are removed.

    Parameters
    ----------
    points : (n, 3) float, mm
    tolerance_mm : float, mm
        Distance from a plane that counts as on it (RANSAC threshold).
    clearance_mm : float, mm
        Points this close to a floor are removed with it.
    max_planes : int
        Most planes removed (a table and a wall: 2 or 3; a foot on the floor: 1).
    min_object_points : int
        Fewer points than this off a plane means the scan is only a floor: the search stops
        with ``only_floor`` set.
    max_beyond_fraction : float
        Largest share of the off-plane points allowed on the far side of a floor.
    seed : int
        RANSAC seed.

    Returns
    -------
    FloorRemoval
    """
    pts = np.asarray(points, dtype=float)
    out = FloorRemoval(points=pts)
    for _ in range(max_planes):
        plane = find_floor(pts, tolerance_mm, seed)
        if plane is None:
            break
        nrm, off = plane
        sd = pts @ nrm + off
        far = np.abs(sd) > clearance_mm
        if far.sum() < min_object_points:
            out.removed += int((~far).sum())
            out.points, out.only_floor = pts[far], True
            return out
        # The object is on the side of the plane where most other points are.
        side = np.sign(np.median(sd[far])) or 1.0
        beyond = far & (side * sd < 0)
        if beyond.sum() > max_beyond_fraction * far.sum():
            break
        keep = side * sd > clearance_mm
        out.removed += int((~keep).sum())
        pts = pts[keep]
        out.planes.append((nrm * side, off * side))
    out.points = pts
    return out


__all__ = ["FloorRemoval", "find_floor", "quiet_open3d", "remove_floors"]
