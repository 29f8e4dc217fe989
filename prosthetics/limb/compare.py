"""Compare two scans of the same limb: registration, deviation, volume and shape change.

Both scans are cleaned and put in the limb frame first, which does not depend on how either
was held (so registration never needs a lucky start); a registration then refines B onto A
over the part both cover, for the deviation map.  Deviation is signed: positive where B lies
outside A.  Volumes and circumferences are compared level for level from each limb's distal
end, over the height both scans cover (as the case trends do, from the stored measurements).

Registration.  Each limb frame puts its own distal end at z = 0, and the distal end is skin:
when a limb thins all round, its distal end rises with the rest of the skin, and the frame
slides the thinner limb down by as much (1 mm of thinning: 1 mm down, and the map shows
false growth of about +0.9 mm at the distal end).  Plain ICP, free to slide, does worse: it
sinks the thinner limb into the wider one (a limb 2 mm thinner all round slid 3.4 mm down
the sample and its map showed -1.5 mm); pinned at the distal ends, it keeps the frames'
slide.  So the default registration fits, with the pose (a turn about A's distal end and a
shift, along the axis too), one uniform change of the surface: a thinning along the skin's
normals and a thinning towards the long axis, one figure each
(:func:`register_with_uniform_change`).  The uniform change takes the mean loss, so the pose
can no longer buy a smaller distance by sliding; what sets the height is the shape that a
uniform loss leaves in place (the curvature of the distal end, the bony relief of the
knee).  A copy of the limb 1 mm thinner along its normals, given in its own frame, comes
back 1.0 mm up with -1.0 mm at the distal end; one 2 mm thinner towards the axis, whose
distal end did not move, stays within 0.03 mm of its height.  The map is then B's
distance from A after the registration, the uniform change included.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import trimesh

from prosthetics.geometry.meshing import SurfaceQuery, icp_point_to_plane
from prosthetics.limb.align import align_limb
from prosthetics.limb.measure import (
    SOCK_PLY_PERCENT,
    measure_limb,
    proximal_rim_z,
    sections,
    volume_below,
)
from prosthetics.params import Params, param
from prosthetics.scan.clean import clean_scan
from prosthetics.scan.loaders import load_scan


@dataclass(frozen=True, kw_only=True)
class CompareParams(Params):
    icp_max_distance_mm: float = param(5.0, label="ICP search distance", unit="mm", min=0.5,
                                       max=50.0, help="Pairs further apart are ignored by ICP")
    icp_iterations: int = param(60, label="ICP iterations", min=1, max=1000)
    refine: bool = param(True, label="Refine with ICP",
                         help="Off: compare in the limb frames as found")
    slide_along_axis: bool = param(False, label="ICP slides along the axis",
                                   help="On: plain ICP, free to move B along the long axis (two "
                                        "scans of an unchanged limb): a thinner limb sinks into "
                                        "a wider one")
    fit_uniform_change: bool = param(True, label="Fit a uniform thinning",
                                     help="On: the pose is fitted with one uniform thinning of "
                                          "the limb, so a limb that thinned all round is not "
                                          "slid along its axis; off: the distal ends stay at "
                                          "the same height")


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
        ml, % and sock plies, deviation statistics with the distal end's mean,
        ``circumferences`` level for level as perimeters and as a tape reads them, the
        registration: its method, the fitted uniform change, how far B's distal end moved
        along the axis, and its residual, point to surface).
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


def _toward_axis(nearest: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(n,) float: how far the surface moves along its normal per mm that it moves away from
    the long axis (the z axis of the limb frame): the normal's horizontal part along the
    direction from the axis; 0 within 1 mm of the axis."""
    r = np.linalg.norm(nearest[:, :2], axis=1)
    out = np.zeros(len(nearest))
    far = r > 1.0
    out[far] = np.einsum("ij,ij->i", nearest[far, :2] / r[far, None], normals[far, :2])
    return out


def register_with_uniform_change(points: np.ndarray, target: trimesh.Trimesh,
                                 max_distance_mm: float, iterations: int):
    """Register points (n, 3) of B onto A's surface together with one uniform change of B.

    The model of B's surface is A's surface, changed by ``c[0]`` mm along its normals and
    ``c[1]`` mm away from the long axis, then turned about A's distal end (the limb frame's
    origin) and shifted (x, y and z).  Gauss-Newton on the point-to-plane distances less the
    change, over the pairs whose misfit is under ``max_distance_mm``; it settles in a few
    steps from the limb frames.

    Why a change with the pose: a limb that thinned all round is otherwise best fitted by
    sliding it along its axis into the wider limb (on the conical sides a slide and a
    thinning look alike); with the change fitted, the mean loss needs no slide, and the
    height comes from what a uniform loss does not explain (the distal end's curvature, the
    bony relief).

    Returns
    -------
    transform : (4, 4) float
        Moves the points onto the surface.
    change_mm : (2,) float
        The fitted uniform change: along the normals, away from the axis (positive: B
        larger).
    fitness : float
        The share of points paired (0-1).
    """
    query = SurfaceQuery(target)
    normals = np.asarray(target.face_normals)
    p = np.asarray(points, dtype=np.float64).copy()
    total = np.eye(4)
    change = np.zeros(2)
    keep = np.zeros(len(p), dtype=bool)
    reach = float(np.linalg.norm(p, axis=1).max()) if len(p) else 0.0
    for _ in range(iterations):
        nearest, tri = query.closest_points(p)
        n = normals[tri]
        radial = _toward_axis(nearest, n)
        r = np.einsum("ij,ij->i", p - nearest, n) - change[0] - change[1] * radial
        keep = np.abs(r) < max_distance_mm
        if keep.sum() < 50:
            break
        pk, nk, rk = p[keep], n[keep], r[keep]
        # Unknowns: a small rotation (3), the shift (3) and the change of the two figures.
        jac = np.column_stack([np.cross(pk, nk), nk, -np.ones(len(pk)), -radial[keep]])
        # Cauchy weights on the scale of the misfits (their median absolute value): where
        # the change is not uniform, or the scan has a flaw, a few large misfits do not set
        # the pose.
        scale = max(1.4826 * float(np.median(np.abs(rk - np.median(rk)))), 0.02)
        w = 1.0 / np.sqrt(1.0 + (rk / scale) ** 2)
        x = np.linalg.lstsq(jac * w[:, None], -rk * w, rcond=None)[0]
        step = np.eye(4)
        step[:3, :3] = _rotation(x[:3])
        step[:3, 3] = x[3:6]
        total = step @ total
        p = p @ step[:3, :3].T + step[:3, 3]
        change += x[6:]
        # Settled when, in a step, the pose moves no point and the change moves the surface
        # on average by more than 0.01 mm.  (On the limb's near-cylindrical sides the two
        # figures of the change almost coincide; their difference can creep on for many
        # steps while the surface hardly moves.)
        moved = (np.linalg.norm(x[:3]) * reach + np.linalg.norm(x[3:6])
                 + float(np.abs(x[6] + x[7] * radial[keep]).mean()))
        if moved < 0.01:
            break
    return total, change, float(keep.mean()) if len(p) else 0.0


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
    change = np.zeros(2)
    fitness = None
    if params.refine:
        pts, _ = trimesh.sample.sample_surface(b, 20_000, seed=4)
        pts = pts[pts[:, 2] < top - 5.0]
        if params.slide_along_axis:
            b_to_a, _rmse, fitness = icp_point_to_plane(pts, a, params.icp_max_distance_mm,
                                                        params.icp_iterations)
        elif params.fit_uniform_change:
            b_to_a, change, fitness = register_with_uniform_change(
                pts, a, params.icp_max_distance_mm, params.icp_iterations)
        else:
            b_to_a, _rmse, fitness = icp_without_axial_slide(pts, a, params.icp_max_distance_mm,
                                                             params.icp_iterations)
    b_reg = b.copy().apply_transform(b_to_a)
    mask = b_reg.vertices[:, 2] < top
    # Point to surface: each vertex of B against the closest point of A's triangles.
    verts = b_reg.vertices[mask]
    nearest, tri = SurfaceQuery(a).closest_points(verts)
    offset = verts - nearest
    side = np.sign(np.einsum("ij,ij->i", offset, a.face_normals[tri]))
    side[side == 0] = 1.0
    dev = np.linalg.norm(offset, axis=1) * side
    residual = dev - change[0] - change[1] * _toward_axis(nearest, a.face_normals[tri])
    distal = verts[:, 2] < b_reg.vertices[:, 2].min() + DISTAL_MM

    # Volumes and circumferences level for level from each limb's own distal end, over the
    # height both scans cover: scans end at different heights, and the case trends, which
    # keep measurements and not meshes, can only do the same.  (The registration serves the
    # deviation map only.)
    ma, mb = measure_limb(a), measure_limb(b)
    va_common = volume_below(a, top) / 1000.0
    vb_common = volume_below(b, top) / 1000.0
    change_pct = 100.0 * (vb_common / va_common - 1.0)
    total_pct = 100.0 * (mb.volume_ml / ma.volume_ml - 1.0)
    levels = np.arange(spacing_mm, top - 0.5 * spacing_mm, spacing_mm)
    sa, sb = sections(a, levels), sections(b, levels)
    circ = [{"z_mm": round(float(z), 2), "a_mm": round(x.perimeter_mm, 2),
             "b_mm": round(y.perimeter_mm, 2), "change_mm": round(y.perimeter_mm - x.perimeter_mm, 2),
             "a_tape_mm": round(x.tape_mm, 2), "b_tape_mm": round(y.tape_mm, 2),
             "tape_change_mm": round(y.tape_mm - x.tape_mm, 2)}
            for z, x, y in zip(levels, sa, sb) if x is not None and y is not None]
    rot = b_to_a[:3, :3]
    angle = float(np.degrees(np.arccos(np.clip((np.trace(rot) - 1) / 2, -1, 1))))
    rms = float(np.sqrt(np.mean(residual ** 2))) if len(residual) else 0.0
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
                         "distal_mean": round(float(dev[distal].mean()), 3) if distal.any() else None,
                         "distal_within_mm": DISTAL_MM,
                         "vertices": int(len(dev))},
        "circumferences": circ,
        "circumference_kinds": {"a_mm/b_mm": "the section's perimeter, every hollow followed",
                                "a_tape_mm/b_tape_mm": "as a tape reads it: the perimeter of "
                                                       "the section's convex hull"},
        "registration": {"method": _method(params),
                         "rmse_mm": round(rms, 4),
                         "residual_rms_mm": round(rms, 4),
                         "residual_mean_abs_mm": round(float(np.abs(residual).mean()), 4)
                         if len(residual) else 0.0,
                         "residual_measures": _RESIDUAL_TEXT[_kind(params)],
                         "uniform_change_mm": {"along_normals": round(float(change[0]), 3),
                                               "away_from_axis": round(float(change[1]), 3)},
                         "distal_end_rise_mm": round(float(b_to_a[2, 3]), 3),
                         "fitness": None if fitness is None else round(fitness, 4),
                         "refinement_deg": round(angle, 3),
                         "refinement_mm": round(float(np.linalg.norm(b_to_a[:3, 3])), 3),
                         "b_to_a": np.round(b_to_a, 9).tolist()},
    }
    return Comparison(a=a, b=b_reg, b_to_a=b_to_a, deviation_mm=dev, deviation_mask=mask,
                      report=report, common_top_z_mm=float(top))


#: The distal end's part of the map: B's vertices this close to its lowest point (mm).
DISTAL_MM = 5.0

_RESIDUAL_TEXT = {
    "uniform": "RMS point-to-surface distance of B's vertices from A's surface after the "
               "registration, less the fitted uniform change: what the pose and one uniform "
               "thinning do not explain (0 for the same shape in another pose)",
    "plain": "RMS point-to-surface distance of B's vertices from A's surface after the "
             "registration (the change between the scans included)",
}


def _kind(params: CompareParams) -> str:
    return ("uniform" if params.refine and params.fit_uniform_change
            and not params.slide_along_axis else "plain")


def _method(params: CompareParams) -> str:
    if not params.refine:
        return "limb frames"
    if params.slide_along_axis:
        return "limb frames, then point-to-plane ICP"
    if params.fit_uniform_change:
        return ("limb frames, then point-to-plane registration of the pose with one uniform "
                "thinning (along the normals and towards the axis)")
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
