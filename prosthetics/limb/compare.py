"""Compare two scans of the same limb: registration, deviation, volume and shape change.

Both scans are cleaned and put in the limb frame first, which does not depend on how either
was held (so registration never needs a lucky start); ICP then refines B onto A over the
part both cover, for the deviation map.  Deviation is signed: positive where B lies outside
A.  Volumes and circumferences are compared level for level from each limb's distal end,
over the height both scans cover.

By default ICP only turns B about A's distal end and shifts it sideways: the distal ends stay
at the same height, as they do for the volumes and circumferences.  Left free to slide along
the axis, ICP lets a thinner limb sink into a wider one (a limb 2 mm thinner all round slid
3.4 mm down the sample and its map showed -1.5 mm) and hides part of the change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import trimesh

from prosthetics.geometry.meshing import SurfaceQuery, icp_point_to_plane
from prosthetics.limb.align import align_limb
from prosthetics.limb.measure import measure_limb, proximal_rim_z, sections, volume_below
from prosthetics.params import Params, param
from prosthetics.scan.clean import clean_scan
from prosthetics.scan.loaders import load_scan

#: One sock ply is about 1.1 % of the limb's volume (Sanders 2007).
SOCK_PLY_PERCENT = 1.1


@dataclass(frozen=True, kw_only=True)
class CompareParams(Params):
    icp_max_distance_mm: float = param(5.0, label="ICP search distance", unit="mm", min=0.5,
                                       max=50.0, help="Pairs further apart are ignored by ICP")
    icp_iterations: int = param(60, label="ICP iterations", min=1, max=1000)
    refine: bool = param(True, label="Refine with ICP",
                         help="Off: compare in the limb frames as found")
    slide_along_axis: bool = param(False, label="ICP slides along the axis",
                                   help="On: ICP may also move B along the long axis (two scans "
                                        "of an unchanged limb); off: the distal ends stay at "
                                        "the same height, so a thinner limb does not sink into "
                                        "a wider one")


@dataclass(kw_only=True)
class Comparison:
    """The result of :func:`compare_limbs`.

    Attributes
    ----------
    a, b : trimesh.Trimesh
        The limbs in A's limb frame (B registered onto A), mm.
    b_to_a : (4, 4) float
        Maps B's limb frame to A's.
    deviation_mm : (m,) float
        Signed distance of each vertex of ``b`` from A's surface (positive: outside A),
        for the vertices below the common top.
    deviation_mask : (n,) bool
        Which vertices of ``b`` those are (``b.vertices[deviation_mask]``).
    common_top_z_mm : float
        The common level: the lower of the two limbs' proximal rims, each in its own frame.
    report : dict
        The figures (``common_top_z_mm``, volumes below the common level and their change in
        ml, % and sock plies, deviation statistics, ``circumferences`` level for level, the
        registration).
    """

    a: trimesh.Trimesh
    b: trimesh.Trimesh
    b_to_a: np.ndarray
    deviation_mm: np.ndarray
    deviation_mask: np.ndarray
    report: dict = field(default_factory=dict)
    common_top_z_mm: float = float("nan")

    def vertex_deviation_mm(self) -> np.ndarray:
        """(n,) float: the signed deviation at every vertex of ``b`` (mm), NaN above the
        common top."""
        out = np.full(len(self.b.vertices), np.nan)
        out[self.deviation_mask] = self.deviation_mm
        return out


def signed_distance_to(surface: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """Signed distance (n,) of points from a surface: positive on its normals' side."""
    nearest, tri = SurfaceQuery(surface).closest_points(points)
    offset = points - nearest
    side = np.sign(np.einsum("ij,ij->i", offset, surface.face_normals[tri]))
    side[side == 0] = 1.0
    return np.linalg.norm(offset, axis=1) * side


def _rotation(w: np.ndarray) -> np.ndarray:
    """(3, 3) rotation by the rotation vector ``w`` (radians)."""
    angle = float(np.linalg.norm(w))
    if angle < 1e-15:
        return np.eye(3)
    k = w / angle
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(angle) * kx + (1.0 - np.cos(angle)) * kx @ kx


def icp_without_axial_slide(points: np.ndarray, target: trimesh.Trimesh, max_distance_mm: float,
                            iterations: int) -> tuple[np.ndarray, float, float]:
    """Point-to-plane ICP of points (n, 3) onto a surface that turns them about the origin
    and moves them in x and y only (limb frame: the distal end keeps its height).

    Gauss-Newton on the linearised point-to-plane distances of the pairs closer than
    ``max_distance_mm``; it settles in a few steps on a limb.

    Returns
    -------
    (4, 4) transform moving the points onto the surface, inlier rms (mm), fitness (0-1).
    """
    query = SurfaceQuery(target)
    normals = np.asarray(target.face_normals)
    p = np.asarray(points, dtype=np.float64).copy()
    total = np.eye(4)
    for _ in range(iterations):
        nearest, tri = query.closest_points(p)
        offset = p - nearest
        keep = np.linalg.norm(offset, axis=1) < max_distance_mm
        if keep.sum() < 50:
            break
        n, pk = normals[tri[keep]], p[keep]
        r = np.einsum("ij,ij->i", offset[keep], n)
        # Unknowns: a small rotation (3) and the shift in x and y; none along z.
        jac = np.column_stack([np.cross(pk, n), n[:, :2]])
        x = np.linalg.lstsq(jac, -r, rcond=None)[0]
        step = np.eye(4)
        step[:3, :3] = _rotation(x[:3])
        step[:2, 3] = x[3:]
        total = step @ total
        p = p @ step[:3, :3].T + step[:3, 3]
        if np.linalg.norm(x[:3]) < 2e-4 and np.linalg.norm(x[3:]) < 0.01:
            break
    d = query.distance(p)
    inliers = d < max_distance_mm
    rmse = float(np.sqrt(np.mean(d[inliers] ** 2))) if inliers.any() else 0.0
    return total, rmse, float(inliers.mean()) if len(d) else 0.0


def compare_limbs(a: trimesh.Trimesh, b: trimesh.Trimesh, params: CompareParams | None = None,
                  spacing_mm: float = 10.0) -> Comparison:
    """Compare two limbs, each already in its limb frame (mm).

    Parameters
    ----------
    a, b
        Limb surfaces (outward normals, open proximally), each in its own limb frame.
    spacing_mm
        Spacing of the circumference levels.
    """
    params = params or CompareParams()
    top = min(proximal_rim_z(a), proximal_rim_z(b))
    b_to_a = np.eye(4)
    icp = {"rmse_mm": None, "fitness": None}
    if params.refine:
        pts, _ = trimesh.sample.sample_surface(b, 20_000, seed=4)
        pts = pts[pts[:, 2] < top - 5.0]
        icp_fn = icp_point_to_plane if params.slide_along_axis else icp_without_axial_slide
        b_to_a, rmse, fitness = icp_fn(pts, a, params.icp_max_distance_mm, params.icp_iterations)
        icp = {"rmse_mm": round(rmse, 4), "fitness": round(fitness, 4)}
    b_reg = b.copy().apply_transform(b_to_a)
    mask = b_reg.vertices[:, 2] < top
    dev = signed_distance_to(a, b_reg.vertices[mask])

    # Volumes and circumferences level for level from each limb's own distal end, over the
    # height both scans cover: scans end at different heights, and a limb loses volume
    # around its axis, not in length.  (ICP serves the deviation map only: its turn and
    # sideways shift would change the sections little, and a free slide would change them.)
    ma, mb = measure_limb(a), measure_limb(b)
    va_common = volume_below(a, top) / 1000.0
    vb_common = volume_below(b, top) / 1000.0
    change_pct = 100.0 * (vb_common / va_common - 1.0)
    total_pct = 100.0 * (mb.volume_ml / ma.volume_ml - 1.0)
    levels = np.arange(spacing_mm, top - 0.5 * spacing_mm, spacing_mm)
    sa, sb = sections(a, levels), sections(b, levels)
    circ = [{"z_mm": round(float(z), 2), "a_mm": round(x.perimeter_mm, 2),
             "b_mm": round(y.perimeter_mm, 2), "change_mm": round(y.perimeter_mm - x.perimeter_mm, 2)}
            for z, x, y in zip(levels, sa, sb) if x is not None and y is not None]
    rot = b_to_a[:3, :3]
    angle = float(np.degrees(np.arccos(np.clip((np.trace(rot) - 1) / 2, -1, 1))))
    report = {
        "common_top_z_mm": round(top, 2),
        "volume_a_ml": round(va_common, 2), "volume_b_ml": round(vb_common, 2),
        "volume_change_ml": round(vb_common - va_common, 2),
        "volume_change_percent": round(change_pct, 3),
        "sock_ply_equivalent": round(change_pct / SOCK_PLY_PERCENT, 2),
        "whole_scans": {"volume_a_ml": round(ma.volume_ml, 2), "volume_b_ml": round(mb.volume_ml, 2),
                        "volume_change_percent": round(total_pct, 3),
                        "note": "each scan closed at its own proximal rim"},
        "deviation_mm": {"mean": round(float(dev.mean()), 3),
                         "median": round(float(np.median(dev)), 3),
                         "mean_abs": round(float(np.abs(dev).mean()), 3),
                         "p95": round(float(np.percentile(np.abs(dev), 95)), 3),
                         "min": round(float(dev.min()), 3), "max": round(float(dev.max()), 3),
                         "vertices": int(len(dev))},
        "circumferences": circ,
        "registration": {"method": _method(params), **icp,
                         "refinement_deg": round(angle, 3),
                         "refinement_mm": round(float(np.linalg.norm(b_to_a[:3, 3])), 3),
                         "b_to_a": np.round(b_to_a, 9).tolist()},
    }
    return Comparison(a=a, b=b_reg, b_to_a=b_to_a, deviation_mm=dev, deviation_mask=mask,
                      report=report, common_top_z_mm=float(top))


def _method(params: CompareParams) -> str:
    if not params.refine:
        return "limb frames"
    if params.slide_along_axis:
        return "limb frames, then point-to-plane ICP"
    return "limb frames, then point-to-plane ICP about the distal end (no slide along the axis)"


def compare_scans(path_a: str | os.PathLike, path_b: str | os.PathLike, *, groups: dict,
                  units: str | None = None, params: CompareParams | None = None) -> Comparison:
    """Load, clean and align two scans, then :func:`compare_limbs`.

    The report gains each scan's ``transform_scan_to_design`` and the transform from B's
    file to A's limb frame, so every figure can be laid back on either scan.
    """
    limbs, transforms, inputs = [], [], []
    for path in (path_a, path_b):
        scan = load_scan(path, units=units)
        aligned = align_limb(clean_scan(scan, groups["clean"]), groups["align"])
        limbs.append(aligned.mesh)
        transforms.append(aligned.transform @ scan.file_to_mm)
        inputs.append({"scan_id": scan.scan_id, "sha256": scan.sha256, "units": scan.units.value,
                       "point_count": scan.n_input_points})
    comp = compare_limbs(limbs[0], limbs[1], params, groups["measure"].circumference_spacing_mm)
    comp.report = {"a": {**inputs[0], "transform_scan_to_design": np.round(transforms[0], 9).tolist()},
                   "b": {**inputs[1], "transform_scan_to_design": np.round(transforms[1], 9).tolist()},
                   "transform_b_scan_to_a_design": np.round(comp.b_to_a @ transforms[1], 9).tolist(),
                   **comp.report}
    return comp
