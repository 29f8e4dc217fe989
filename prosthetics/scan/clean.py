"""Clean a raw scan into one consistently oriented limb surface (Open3D).

Point clouds (and meshes that are not already clean) go through: voxel downsampling, stray
point removal, floor/table/wall removal (:mod:`prosthetics.scan.floor`: only planes that
reach well beyond the limb, never a flat side of it, and never cutting into it), clustering
(DBSCAN) to keep the limb and drop hands and clutter, normals oriented outward from the limb's
axis (not the slow tangent-plane propagation), screened Poisson reconstruction (which also
fills holes), a plane cut where the scan's open proximal end is, and decimation.  A mesh that
is already one clean limb surface is kept as it is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh
from scipy import ndimage
from scipy.interpolate import RBFInterpolator
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from prosthetics.errors import N_, Message, ScanError
from prosthetics.params import Params, param
from prosthetics.scan.floor import (
    FloorRemoval,
    RefusedPlane,
    quiet_open3d,
    ransac_plane,
    remove_floors,
)
from prosthetics.scan.loaders import Scan
from prosthetics.scan.poisson import reconstruct

#: Largest share of the limb's points a floor, table or wall removal may take (the part of
#: the limb touching it); a plane that would take more is left in, with a warning.
MAX_FLOOR_LIMB_SHARE = 0.02


class Reconstruct(enum.Enum):
    """When to rebuild the surface from points."""

    AUTO = "auto"      # meshes that are already one clean surface are kept
    ALWAYS = "always"
    NEVER = "never"    # meshes only: keep the largest component as it is


@dataclass(frozen=True, kw_only=True)
class CleanParams(Params):
    voxel_size_mm: float = param(1.5, label="Point spacing", unit="mm", min=0.3, max=5.0,
                                 help="Voxel size of the downsampling before cleaning")
    stray_radius_mm: float = param(5.0, label="Stray search radius", unit="mm", min=1.0,
                                   max=30.0, help="A point with too few neighbours within this "
                                   "radius is a stray")
    stray_min_neighbours: int = param(6, label="Stray minimum neighbours", min=1, max=100)
    floor_tolerance_mm: float = param(2.0, label="Floor tolerance", unit="mm", min=0.2,
                                      max=20.0, help="Distance from a plane that counts as floor")
    floor_clearance_mm: float = param(6.0, label="Floor clearance", unit="mm", min=0.5,
                                      max=50.0, help="Points this close to the floor are removed")
    cluster_gap_mm: float = param(6.0, label="Cluster gap", unit="mm", min=1.0, max=50.0,
                                  help="Objects further apart than this are separate (the limb "
                                  "is kept, hands and clutter dropped)")
    poisson_depth: int = param(7, label="Reconstruction depth", min=6, max=10,
                               help="Octree depth of the Poisson reconstruction (7: ~2.3 mm "
                               "cells on a 300 mm limb, as close to the limb as 8 on phone "
                               "scans and four times faster; 8: ~1.2 mm)")
    target_triangles: int = param(80_000, label="Triangles kept", min=5_000, max=1_000_000,
                                  help="The cleaned surface is decimated to about this many")
    reconstruct: Reconstruct = param(Reconstruct.AUTO, label="Rebuild surface",
                                     help="auto: keep meshes that are already clean")
    proximal_cut_mm: float = param(0.0, label="Proximal cut", unit="mm", min=0.0, max=1000.0,
                                   help="Height of the plane that cuts the limb from the "
                                   "thigh, from the distal end along the limb's axis; 0: "
                                   "found from the scan (where the thigh bends away at the "
                                   "knee, or where it widens above a straight knee)")
    pick_object: int = param(0, label="Object to keep", min=0, max=9,
                             help="0: the one limb in the scan (a scan holding two or more "
                                  "limb-like objects is refused, naming them); N: the Nth "
                                  "largest of them, as numbered in that message")


@dataclass(frozen=True, kw_only=True)
class CleanResult:
    """A cleaned limb surface in millimetres, in the scan file's axes (scaled).

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Limb surface, outward normals, open at the proximal end.
    axis_point, axis_dir : (3,) float
        Provisional long axis (``axis_dir`` points distal to proximal).
    steps : list of dict
        What each step kept and removed, for the report.
    """

    mesh: trimesh.Trimesh
    axis_point: np.ndarray
    axis_dir: np.ndarray
    reconstructed: bool
    steps: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    #: Where the limb was cut from the thigh, in the scan's coordinates (mm): ``point``
    #: and ``normal`` (pointing proximally) of the plane, ``height_mm`` from the distal end
    #: along the limb's axis, and ``rule``; None when the scan held no thigh to cut.
    proximal_cut: dict | None = None


# ----------------------------------------------------------------------------- helpers


def principal_axis(points: np.ndarray, weights: np.ndarray | None = None):
    """Centroid and unit direction of largest spread, (3,), (3,)."""
    w = np.ones(len(points)) if weights is None else weights
    c = np.average(points, axis=0, weights=w)
    cov = np.cov((points - c).T, aweights=w)
    _vals, vecs = np.linalg.eigh(cov)
    return c, vecs[:, 2]


def orient_axis_distal_to_proximal(points: np.ndarray, c: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Point the axis from the closed distal end to the open proximal end.

    The distal end is covered near the axis (the end of the limb); the proximal end of a
    scan is open (nothing near the axis) and wider.
    """
    t = (points - c) @ a
    r = np.linalg.norm((points - c) - np.outer(t, a), axis=1)
    rmed = np.median(r)
    lo, hi = np.quantile(t, [0.08, 0.92])
    cover_lo = np.mean(r[t < lo] < 0.4 * rmed)
    cover_hi = np.mean(r[t > hi] < 0.4 * rmed)
    if abs(cover_lo - cover_hi) > 0.05:
        return a if cover_lo > cover_hi else -a
    return a if np.median(r[t < lo]) < np.median(r[t > hi]) else -a


def limb_like(points: np.ndarray) -> tuple[bool, str]:
    """Whether a cluster is shaped like a limb (elongated, 60-1200 mm long, not flat)."""
    if len(points) < 500:
        return False, f"only {len(points)} points"
    c, a = principal_axis(points)
    t = (points - c) @ a
    length = float(np.ptp(t))
    sv = np.linalg.svd(points - c, full_matrices=False, compute_uv=False) / np.sqrt(len(points))
    if length < 60.0:
        return False, f"largest object is {length:.0f} mm long"
    if length > 1200.0:
        return False, f"largest object is {length:.0f} mm long"
    if sv[2] < 0.08 * sv[0]:
        return False, "largest object is flat"
    # A limb is longer than it is wide: the long axis needs it (shorter than about 1.3
    # times its width, the axis of largest spread runs across the limb, not along it).
    if sv[0] < 1.1 * sv[1]:
        return False, (f"largest object is about as wide as it is long ({length:.0f} mm); "
                       f"a very short residual limb needs the thigh in the scan")
    return True, ""


def _outward_normals(points, normals, c, a, distal_margin_mm):
    t = (points - c) @ a
    tc = np.clip(t, t.min() + distal_margin_mm, t.max())
    out = points - (c + np.outer(tc, a))
    flip = np.einsum("ij,ij->i", normals, out) < 0
    normals = normals.copy()
    normals[flip] *= -1
    return normals


def orient_faces_outward(mesh: trimesh.Trimesh, c: np.ndarray, a: np.ndarray) -> trimesh.Trimesh:
    """Invert the mesh if most of its area faces toward the axis."""
    cen = mesh.triangles_center
    t = (cen - c) @ a
    radial = cen - (c + np.outer(t, a))
    score = np.einsum("ij,ij->i", mesh.face_normals, radial) * mesh.area_faces
    if score.sum() < 0:
        mesh.invert()
    return mesh


def cylindrical(points: np.ndarray, c: np.ndarray, a: np.ndarray):
    """Cylindrical coordinates of points about the axis through ``c`` along unit ``a``.

    Returns
    -------
    t (n,) axial position, r (n,) radius, theta (n,) angle (rad), radial (n, 3) vectors
    """
    t = (points - c) @ a
    e1 = np.cross(a, [1.0, 0.0, 0.0])
    if np.linalg.norm(e1) < 0.1:
        e1 = np.cross(a, [0.0, 1.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(a, e1)
    radial = points - c - np.outer(t, a)
    return t, np.linalg.norm(radial, axis=1), np.arctan2(radial @ e2, radial @ e1), radial


def _proximal_cut(points, c, a, n_sectors=36):
    """Axial position below which the scan covers the whole circumference, mm along ``a``."""
    t, _r, ang, _ = cylindrical(points, c, a)
    sector = ((ang + np.pi) / (2 * np.pi) * n_sectors).astype(int) % n_sectors
    tops = np.full(n_sectors, np.nan)
    np.fmax.at(tops, sector, t)
    tops = tops[np.isfinite(tops)]
    # The 10th percentile rather than the minimum: one sector may have lost its top to a hole.
    return float(np.quantile(tops, 0.1))


def _decimate(mesh: trimesh.Trimesh, target: int) -> trimesh.Trimesh:
    """Quadric decimation to about ``target`` triangles (fast-simplification: a tenth of
    Open3D's time for the same error measure)."""
    if len(mesh.faces) <= target:
        return mesh
    import fast_simplification

    v, f = fast_simplification.simplify(
        np.asarray(mesh.vertices, dtype=np.float32), np.asarray(mesh.faces, dtype=np.int32),
        target_reduction=1.0 - target / len(mesh.faces))
    out = trimesh.Trimesh(np.asarray(v, dtype=np.float64), f, process=True)
    out.update_faces(out.nondegenerate_faces())
    out.remove_unreferenced_vertices()
    return out


def not_strays(points: np.ndarray, radius_mm: float, min_neighbours: int) -> np.ndarray:
    """Which points have at least ``min_neighbours`` other points within ``radius_mm``, (n,)
    bool: the nearest ``min_neighbours + 1`` (the point itself first) must all lie within
    the radius.  The same points as Open3D's ``remove_radius_outlier`` in a third of its time
    (a k-nearest query stops at k; a radius count visits every neighbour)."""
    d, _ = cKDTree(points).query(points, k=min_neighbours + 1, distance_upper_bound=radius_mm,
                                 workers=-1)
    return np.isfinite(d[:, -1])


def _largest_component(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, int]:
    """The piece of ``mesh`` with the largest area and how many other pieces there were.

    Pieces are joined by shared edges (two pieces touching at one vertex are two: keeping
    both would leave a vertex no surface solver accepts); vertices at the same position
    are merged first."""
    mesh = mesh.copy()
    mesh.merge_vertices()
    faces = np.asarray(mesh.faces)
    if not len(faces):
        return mesh, 0
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]),
                    axis=1)
    key = edges[:, 0] * len(mesh.vertices) + edges[:, 1]
    order = np.argsort(key, kind="stable")
    same = key[order[1:]] == key[order[:-1]]
    face_of = np.tile(np.arange(len(faces)), 3)
    a, b = face_of[order[:-1][same]], face_of[order[1:][same]]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(faces), len(faces)))
    k, label = connected_components(graph, directed=False)
    if k <= 1:
        return mesh, 0
    area = np.bincount(label, weights=mesh.area_faces, minlength=k)
    out = trimesh.Trimesh(mesh.vertices, faces[label == int(np.argmax(area))], process=False)
    out.remove_unreferenced_vertices()
    return out, k - 1


def refit_holes(mesh: trimesh.Trimesh, points: np.ndarray, c: np.ndarray, a: np.ndarray,
                spacing_mm: float) -> tuple[trimesh.Trimesh, int, float]:
    """Re-fit the parts of a reconstructed limb that no scan point supports.

    Poisson reconstruction bridges a hole with a membrane that sags toward the axis (a
    measured 0.5-0.9 % volume loss for a hole over 10 % of the limb).  A limb's side is a
    radius over (angle, height) around its axis, so the hole is refilled there: a
    thin-plate spline through the supported surface around it gives a second estimate of
    the radius at each unsupported vertex; the mean of the two is blended in over 1.5-3
    point spacings from the nearest scan point.  The distal dome (within a distal radius
    of the tip) is left to Poisson.  No fill can restore anatomy the scan never saw: a hole
    over the calf's bulge still leaves millimetres of error there.

    Returns
    -------
    mesh, number of vertices moved, area re-fitted (mm^2)
    """

    v = mesh.vertices
    dist = cKDTree(points).query(v, k=1)[0]
    lo, hi = 1.5 * spacing_mm, 3.0 * spacing_mm
    t, r, theta, d = cylindrical(v, c, a)
    side = t > t.min() + np.median(r[t < t.min() + 30.0])
    hole = side & (dist > lo)
    if hole.sum() < 10:
        return mesh, 0, 0.0
    # Supported surface within 30 mm of the hole, thinned to about 1,000 points (one every
    # 3-4 mm round a hole of 10 % of the limb: the spline's dense solve grows with the cube
    # of their number, 0.6 s for 2,000).
    near_hole = cKDTree(v[hole]).query(v, k=1, distance_upper_bound=30.0)[0] < 30.0
    known = np.flatnonzero(side & near_hole & (dist <= lo))
    if len(known) < 50:
        return mesh, 0, 0.0
    known = known[:: max(1, len(known) // 1000)]
    r0 = float(np.median(r[side]))
    # Arc length around (theta * r0) and height: both in mm, so the spline is isotropic.
    # The angle is unwrapped about the hole's mean direction so the map has no seam there.
    ref = np.angle(np.mean(np.exp(1j * theta[hole])))
    wrap = lambda th: np.angle(np.exp(1j * (th - ref)))  # noqa: E731
    xy_known = np.column_stack([wrap(theta[known]) * r0, t[known]])
    rbf = RBFInterpolator(xy_known, r[known], kernel="thin_plate_spline", smoothing=1.0)
    idx = np.flatnonzero(hole)
    r_new = rbf(np.column_stack([wrap(theta[idx]) * r0, t[idx]]))
    # Poisson's membrane sags toward the chord of the hole; the spline carries the edge's
    # curvature on and can overshoot.  Their mean was best over twelve seeded holes of 10 %
    # of the surface (p95 within 1.5 mm in 8 of 9 where either alone managed 6).
    r_new = 0.5 * (r[idx] + r_new)
    w = np.clip((dist[idx] - lo) / (hi - lo), 0.0, 1.0)
    w = w * w * (3 - 2 * w)
    r_fit = (1 - w) * r[idx] + w * r_new
    out = mesh.copy()
    out.vertices[idx] = (c + np.outer(t[idx], a)) + d[idx] / r[idx, None] * r_fit[:, None]
    moved_faces = np.isin(mesh.faces, idx).all(axis=1)
    return out, int(len(idx)), float(mesh.area_faces[moved_faces].sum())


# ----------------------------------------------------------------------------- the knee
#
# A scan may hold the thigh above the residual limb.  The limb is cut from it by a plane
# across the shank's axis, at the first of two signs of the knee (rule in docs/design.md):
# - the thigh bends away: the centres of the sections, followed along the surface from
#   the distal tip, leave the shank's axis; the cut goes where that bend begins;
# - the thigh widens above a straight knee: above a stretch where the limb stops growing
#   (the knee), the sections grow by more than THIGH_FLARE within FLARE_SPAN_MM.

#: Voxel size (mm) of the surface graph that measures distances along the limb.
GRAPH_VOXEL_MM = 4.0
#: An end of an object whose section 40-70 mm in is this many times as wide as it is thick
#: is a hand's (2.3-2.6 measured on phone-like scans), not a limb's distal end (1.2-1.4).
FLAT_END_ASPECT = 2.0
#: An end whose ring 40-70 mm in covers this share of 12 sectors round it is closed.
CLOSED_END = 0.8
#: Width (mm) of the bands of equal distance from the distal tip.
BAND_MM = 6.0
#: The centreline turning by this much (degrees) is the knee bending...
BEND_DEG = 30.0
#: ...into a thigh: the sections 40-150 mm above the bend are at least this share of the
#: knee's width (a thigh is 1.25-1.45 times it; a hand's fingers past the rim are half).
THIGH_AT_LEAST = 0.9
#: The thigh above a straight knee is this much wider than the knee within FLARE_SPAN_MM...
THIGH_FLARE = 1.15
FLARE_SPAN_MM = 80.0
#: ...and the knee below it grew less than this share over the 60 mm under it.
KNEE_PLATEAU = 0.10
#: A thigh is cut off only when this much of it (mm along the surface) is in view above the
#: knee: a residual limb's own open rim, ragged or flaring, is not a thigh.
THIGH_SEEN_MM = 200.0


@dataclass(frozen=True)
class KneeCut:
    """The plane that cuts the limb from the thigh (scan coordinates, mm)."""

    point: np.ndarray       # (3,) on the shank's axis
    normal: np.ndarray      # (3,) unit, distal to proximal
    tip: np.ndarray         # (3,) the distal tip
    height_mm: float        # from the distal tip along ``normal``
    rule: str               # "bend", "flare" or "set"
    detail: str

    def as_dict(self) -> dict:
        return {"point_mm": [round(float(v), 3) for v in self.point],
                "normal": [round(float(v), 6) for v in self.normal],
                "height_mm": round(float(self.height_mm), 1), "rule": self.rule,
                "detail": self.detail}


def _circle(uv: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares circle through 2D points (robust to a missing arc): centre, radius."""
    a = np.column_stack([2 * uv, np.ones(len(uv))])
    sol = np.linalg.lstsq(a, (uv ** 2).sum(axis=1), rcond=None)[0]
    return sol[:2], float(np.sqrt(max(sol[2] + sol[:2] @ sol[:2], 0.0)))


def _plane_axes(a: np.ndarray) -> np.ndarray:
    e = np.eye(3)[int(np.argmin(np.abs(a)))]
    u = np.cross(a, e)
    u /= np.linalg.norm(u)
    return np.column_stack([u, np.cross(a, u)])


def distance_from_tip(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance along the surface (mm) of each point from the distal tip, and the tip (3,).

    The two ends of the object furthest apart along its surface are its ends; the distal
    one is closed all round 40-70 mm in, and of two such ends the round one when the other
    is flat (a hand holding the limb: its section there is :data:`FLAT_END_ASPECT` times
    as wide as it is thick), else the narrower.  When neither is closed, a third end (the
    point furthest from both) is the distal one if it is closed and round.  Points not
    joined to the object get ``inf``.
    """
    cen, group = voxel_groups(points, GRAPH_VOXEL_MM)
    pairs = cKDTree(cen).query_pairs(1.9 * GRAPH_VOXEL_MM, output_type="ndarray")
    w = np.linalg.norm(cen[pairs[:, 0]] - cen[pairs[:, 1]], axis=1)
    graph = coo_matrix((w, (pairs[:, 0], pairs[:, 1])), shape=(len(cen), len(cen))).tocsr()
    _k, lab = connected_components(graph, directed=False)
    start = int(np.argmax(lab == np.argmax(np.bincount(lab))))
    far = lambda d: int(np.argmax(np.where(np.isfinite(d), d, -1.0)))  # noqa: E731
    e1 = far(dijkstra(graph, directed=False, indices=start))
    d1 = dijkstra(graph, directed=False, indices=e1)
    e2 = far(d1)
    d2 = dijkstra(graph, directed=False, indices=e2)

    def end(d, e):
        """How closed the end is (share of 12 sectors round the ring 40-70 mm from it),
        how wide (median distance of that ring's points from its middle) and how flat
        (the ring's width over its thickness)."""
        sel = (d > 40.0) & (d < 70.0)
        if sel.sum() < 10:
            return 0.0, np.inf, 1.0
        p = cen[sel]
        mid = p.mean(axis=0)
        axis = mid - cen[e]
        axis /= max(np.linalg.norm(axis), 1e-9)
        uv = (p - mid) @ _plane_axes(axis)
        sectors = np.unique(((np.arctan2(uv[:, 1], uv[:, 0]) + np.pi) / (2 * np.pi) * 12)
                            .astype(int) % 12)
        ev = np.linalg.eigvalsh(np.cov(uv.T))
        flat = float(np.sqrt(ev[1] / max(ev[0], 1e-9)))
        return len(sectors) / 12.0, float(np.median(np.linalg.norm(p - mid, axis=1))), flat

    (c1, w1, f1), (c2, w2, f2) = end(d1, e1), end(d2, e2)
    # The distal end is closed all round (a piece of furniture left on the thigh is not);
    # of two closed ends, the round one when the other is a hand's flat one, else the
    # narrower (the thigh, or a scan's open rim, is wider).
    if abs(c1 - c2) <= 0.2 and (f1 >= FLAT_END_ASPECT) != (f2 >= FLAT_END_ASPECT):
        first = f1 < f2
    else:
        first = c1 > c2 + 0.2 or (abs(c1 - c2) <= 0.2 and w1 <= w2)
    d, tip = (d1, e1) if first else (d2, e2)
    if max(c1, c2) < CLOSED_END:
        # Neither end is closed: both lie on what the limb touches (a chair's remains
        # left joined to the thigh).  The point furthest from both is a third end; a
        # closed, round one is the distal end.
        e3 = far(np.minimum(d1, d2))
        d3 = dijkstra(graph, directed=False, indices=e3)
        c3, _w3, f3 = end(d3, e3)
        if c3 >= CLOSED_END and f3 < FLAT_END_ASPECT:
            d, tip = d3, e3
    return d[group], cen[tip]


def _bands(points: np.ndarray, g: np.ndarray, a: np.ndarray):
    """Bands of equal distance from the tip: their distance (k,), circle centres (k, 3)
    in the plane across ``a``, radii (k,) and angular cover (k,) of 12 sectors."""
    basis = _plane_axes(a)
    uv = points @ basis
    along = points @ a
    out_g, out_c, out_r, out_cov = [], [], [], []
    top = np.nanmax(np.where(np.isfinite(g), g, np.nan))
    for lo in np.arange(0.0, top, BAND_MM):
        sel = (g >= lo) & (g < lo + BAND_MM)
        if sel.sum() < 30:
            continue
        centre, r = _circle(uv[sel])
        d = uv[sel] - centre
        sectors = np.unique(((np.arctan2(d[:, 1], d[:, 0]) + np.pi) / (2 * np.pi) * 12)
                            .astype(int) % 12)
        out_g.append(lo + BAND_MM / 2)
        out_c.append(basis @ centre + a * along[sel].mean())
        # The radius as the distance from the band's own middle: a band of a bent limb
        # is tilted to the first axis, and its circle across that axis is not round.
        p = points[sel]
        out_r.append(min(r, float(np.median(np.linalg.norm(p - p.mean(axis=0), axis=1)))))
        out_cov.append(len(sectors) / 12.0)
    return np.array(out_g), np.array(out_c).reshape(-1, 3), np.array(out_r), np.array(out_cov)


def _line(centres: np.ndarray, hint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through points: a point on it and its unit direction (along
    ``hint``)."""
    mean = centres.mean(axis=0)
    d = np.linalg.svd(centres - mean)[2][0]
    return mean, (d if d @ hint > 0 else -d)


#: The shank's axis at a band is fitted to the band centres this far (mm) below it.
AXIS_WINDOW_MM = 130.0


def find_knee(points: np.ndarray, height_mm: float = 0.0) -> KneeCut | None:
    """The plane that cuts the limb from the thigh, or None when the scan shows no thigh.

    Bands of equal distance along the surface from the distal tip are followed up the
    limb; their circle centres trace its centreline, their radii its width.  ``height_mm``
    > 0 sets the cut's height from the distal tip along the shank's axis instead.
    """
    if len(points) < 500:
        return None
    g, tip = distance_from_tip(points)
    ok = np.isfinite(g)
    pts, g = points[ok], g[ok]
    # Bands across a first axis (tip to the points 30-130 mm up), then across the axis
    # of the centres so found: a band's plane follows the limb.
    sel = (g > 30.0) & (g < 130.0)
    if sel.sum() < 100:
        return None
    a = pts[sel].mean(axis=0) - tip
    a /= np.linalg.norm(a)
    bg, bc, br, cov = _bands(pts, g, a)
    if len(bg) < 10:
        return None
    first = (bg > 30.0) & (bg < 130.0)
    if first.sum() < 4:
        return None
    p0, a = _line(bc[first], a)
    bg, bc, br, cov = _bands(pts, g, a)

    def axis_below(gk, gap=2 * BAND_MM):
        win = (bg >= max(50.0, gk - gap - AXIS_WINDOW_MM)) & (bg <= gk - gap)
        if win.sum() < 4:
            win = (bg > 30.0) & (bg < 130.0)
        return _line(bc[win], a)

    def plane(k, rule, detail):
        q, n = axis_below(bg[k])
        centre = q + n * float((bc[k] - q) @ n)
        return KneeCut(point=centre, normal=n, tip=tip, height_mm=float((centre - tip) @ n),
                       rule=rule, detail=detail)

    if height_mm > 0:
        # The band whose centre stands ``height_mm`` above the tip along the local axis.
        q, n = axis_below(bg[-1])
        for _ in range(2):
            k = int(np.argmin(np.abs((bc - tip) @ n - height_mm)))
            q, n = axis_below(bg[k])
        centre = tip + n * height_mm
        return KneeCut(point=centre, normal=n, tip=tip, height_mm=float(height_mm),
                       rule="set", detail=Message.of(N_("set at %(height)s from the distal end"),
                                                     height=f"{height_mm:.0f} mm"))
    cuts = []
    # The bend: the centreline's direction over the 60 mm above a band turns from that over
    # the 60 mm below it by BEND_DEG or more (a limb's own sections wander up to ~25
    # degrees); in view for THIGH_SEEN_MM above (not the scan's ragged rim).
    top = float(bg.max())
    turn = np.zeros(len(bg))
    for k in np.flatnonzero((bg >= 170.0) & (bg + 70.0 <= top - THIGH_SEEN_MM / 2)):
        lo = (bg >= bg[k] - 70.0) & (bg <= bg[k] - 10.0)
        hi = (bg >= bg[k] + 10.0) & (bg <= bg[k] + 70.0)
        if lo.sum() >= 5 and hi.sum() >= 5:
            d1, d2 = _line(bc[lo], a)[1], _line(bc[hi], a)[1]
            turn[k] = np.degrees(np.arccos(np.clip(d1 @ d2, -1.0, 1.0)))
    bent = np.flatnonzero(turn >= BEND_DEG)
    for run in np.split(bent, np.flatnonzero(np.diff(bent) > 1) + 1) if len(bent) else []:
        kp = int(run[np.argmax(turn[run])])
        # The peak stands about half the bend's arc above where it begins; the centreline
        # bends on a circle of about 1.2 knee radii.
        r_knee = float(np.median(br[max(0, kp - 12):kp - 6])) if kp > 6 else float(br[kp])
        # What the centreline bends into must be a thigh, as wide as the knee at least: a
        # hand on the limb, its fingers reaching past the limb's rim, bends it as sharply.
        above = (bg >= bg[kp] + 40.0) & (bg <= bg[kp] + 150.0)
        if above.sum() < 5 or np.median(br[above]) < THIGH_AT_LEAST * r_knee:
            continue
        gb = bg[kp] - 0.6 * r_knee * np.radians(turn[kp]) - 10.0
        kc = int(np.argmin(np.abs(bg - gb)))
        cuts.append((bg[kc], kc, "bend", Message.of(N_("the thigh bends away at the knee by "
                                                      "about %(angle)s or more"),
                                                   angle=f"{turn[kp]:.0f} degrees")))
        break
    # The flare of a thigh above a knee that stopped growing.
    full = cov >= 0.9
    if full.sum() >= 10:
        gs, rs = bg[full], br[full]
        rr = lambda x: np.interp(x, gs, rs)  # noqa: E731
        cand = (gs >= 130.0) & (gs + THIGH_SEEN_MM <= top)
        if cand.any():
            gc = gs[cand]
            grows = rr(gc + FLARE_SPAN_MM) / rr(gc)
            below = (rr(gc) - rr(gc - 60.0)) / rr(gc)
            # Measured, not bridged: complete bands near each level compared (a hole
            # makes its bands partial, and bridging it can fake a plateau).
            have = lambda x: np.abs(gs[:, None] - x[None, :]).min(axis=0) <= 2 * BAND_MM  # noqa: E731
            good = ((grows >= THIGH_FLARE) & (below <= KNEE_PLATEAU) & have(gc - 60.0)
                    & have(gc + 60.0) & have(gc + FLARE_SPAN_MM))
            if good.any():
                # The highest run of them (a shank can flare above a straight lower part
                # too), and in it where the growth quickens most: the thigh's flare begins.
                idx = np.flatnonzero(good)
                run = idx[idx > np.r_[idx[0] - 1, idx[np.flatnonzero(np.diff(idx) > 1)]][-1]]
                run = run[gc[run] >= gc[run[0]]]
                score = (rr(gc + 60.0) - rr(gc)) - (rr(gc) - rr(gc - 60.0))
                gk = float(gc[run[int(np.argmax(score[run]))]])
                kc = int(np.argmin(np.abs(bg - gk)))
                cuts.append((bg[kc], kc, "flare",
                             Message.of(N_("the thigh widens above the knee"))))
    if not cuts:
        return None
    _g, kc, rule, detail = min(cuts)
    return plane(kc, rule, detail)


def _below_plane(points: np.ndarray, cut: KneeCut, gap_mm: float) -> np.ndarray:
    """The points below the cut that hang together with the distal tip ((n,) bool)."""
    below = (points - cut.point) @ cut.normal < 0
    idx = np.flatnonzero(below)
    if not len(idx):
        return below
    cen, group = voxel_groups(points[idx], gap_mm / 3.0)
    pairs = cKDTree(cen).query_pairs(gap_mm, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(cen), len(cen)))
    _k, lab = connected_components(graph, directed=False)
    tip_group = lab[int(cKDTree(cen).query(cut.tip)[1])]
    out = np.zeros(len(points), dtype=bool)
    out[idx[lab[group] == tip_group]] = True
    return out


#: How far (mm) from the points a first pass took for a hand its second pass looks for the
#: rest of it (fingers the first pass left, standing over skin the phone did not see).
HAND_REACH_MM = 15.0
#: How far (mm) outside the second pass's curves a point joined to the hand stands to go.
HAND_TOLERANCE_MM = 4.0


def _band_curves(t: np.ndarray, r: np.ndarray, ang: np.ndarray, side: np.ndarray,
                 t0: float) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """Each point's cell key (6 mm band x 5 degree sector; -1 off ``side``), the skin's
    radius in each cell (the third innermost point), and each band's smooth closed curve
    (coefficients of :func:`_harmonics`, fitted to the cells' radii again without those
    more than 4 mm outside it, so that a hand over unseen skin is bridged)."""
    band = np.floor((t - t0) / 6.0).astype(np.int64)
    sector = (((ang + np.pi) / (2 * np.pi)) * 72).astype(np.int64) % 72
    key = np.where(side, band * 72 + sector, -1)
    # The third innermost point of each cell, not one stray inside the limb.
    order = np.lexsort((r, key))
    ks, rs = key[order], r[order]
    start = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    count = np.diff(np.r_[start, len(ks)])
    pick = start + np.minimum(2, count - 1)
    cell_key, cell_r = ks[pick], rs[pick]
    valid = cell_key >= 0
    cell_key, cell_r = cell_key[valid], cell_r[valid]
    cell_band, cell_ang = cell_key // 72, (cell_key % 72 + 0.5) / 72 * 2 * np.pi - np.pi
    fits: dict[int, np.ndarray] = {}
    for b in np.unique(cell_band):
        m = cell_band == b
        if m.sum() < 24:
            continue
        x, y = _harmonics(cell_ang[m]), cell_r[m]
        use = np.ones(len(y), dtype=bool)
        for _ in range(5):
            coef = np.linalg.lstsq(x[use], y[use], rcond=None)[0]
            res = y - x @ coef
            nxt = res < 4.0
            if nxt.sum() < 24 or (nxt == use).all():
                break
            use = nxt
        fits[int(b)] = coef
    cell_of = np.full(int(max(key.max(), 0)) + 2, np.inf)
    cell_of[cell_key] = cell_r
    return key, cell_of, fits


def _harmonics(th: np.ndarray) -> np.ndarray:
    """Radius against angle with four harmonics (a limb's section is roughly triangular)."""
    return np.column_stack([np.ones_like(th)] + [f(k * th) for k in (1, 2, 3, 4)
                                                 for f in (np.cos, np.sin)])


def _beyond_curves(r: np.ndarray, ang: np.ndarray, band: np.ndarray, which: np.ndarray,
                   fits: dict[int, np.ndarray], tolerance_mm: float) -> np.ndarray:
    """Points of ``which`` more than ``tolerance_mm`` outside their band's curve."""
    beyond = np.zeros(len(r), dtype=bool)
    if not fits:
        return beyond
    have = np.array(sorted(fits))
    for b in np.unique(band[which]):
        # A band without a curve of its own (too few cells) takes the nearest band's
        # within 48 mm.
        k = int(have[np.argmin(np.abs(have - b))])
        if abs(k - b) > 8:
            continue
        coef = fits[k]
        # Within a band the skin's radius changes with height as much as between bands.
        near = [fits[j][0] for j in (k - 1, k + 1) if j in fits]
        slope = max((abs(v - coef[0]) for v in near), default=0.0)
        pts_b = np.flatnonzero(which & (band == b))
        beyond[pts_b] = r[pts_b] > _harmonics(ang[pts_b]) @ coef + tolerance_mm + slope
    return beyond


def _joined_to(points: np.ndarray, cand: np.ndarray, seeds: np.ndarray,
               link_mm: float = 4.0) -> list[np.ndarray]:
    """The pieces (indices into ``points``, largest first) of ``cand`` that join, in steps
    of ``link_mm``, a point of ``cand`` marked in ``seeds`` ((len(cand),) bool)."""
    pairs = cKDTree(points[cand]).query_pairs(link_mm, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(cand), len(cand)))
    _k, lab = connected_components(graph, directed=False)
    pieces = [cand[lab == k] for k in np.unique(lab[seeds])]
    return sorted(pieces, key=len, reverse=True)


def _off_surface(points: np.ndarray, axis, tolerance_mm: float = 8.0) -> np.ndarray:
    """Points standing off the limb's surface ((n,) bool): a hand pressed on the limb.

    In each 6 mm band of height about the axis, the skin is the innermost layer: the
    innermost points of 5 degree sectors are fitted with a smooth closed curve (radius
    against angle, four harmonics: a limb's section is roughly triangular), dropping
    those more than 4 mm outside it and fitting again, so that a hand over a patch the
    phone saw no skin through is bridged.  Points more than ``tolerance_mm`` outside the
    curve stand off the surface when they join a second layer (points outside the skin
    seen in the same cell).  A second pass fits the curves again without what the first
    took and without the points within :data:`HAND_REACH_MM` of it (where the hand lay,
    the skin under it unseen), and takes the points within that reach, more than
    :data:`HAND_TOLERANCE_MM` outside those curves, that join what the first took: the
    fingers over unseen skin.  The distal dome (within a distal
    radius of the tip) is left alone."""
    p0, a = axis
    t, r, ang, _ = cylindrical(points, p0, a)
    t0 = t.min()
    r_distal = float(np.median(r[t < t0 + 30.0])) if (t < t0 + 30.0).any() else 30.0
    side = t > t0 + r_distal
    out = np.zeros(len(points), dtype=bool)
    if side.sum() < 100:
        return out
    band = np.floor((t - t0) / 6.0).astype(np.int64)
    key, cell_of, fits = _band_curves(t, r, ang, side, t0)
    # A second layer: more than the tolerance outside the skin seen in the same cell.
    layered = side & (r > cell_of[key] + tolerance_mm)
    if layered.sum() < 200:
        return out
    # Beyond the band's smooth curve: a hand where the skin under it was not seen, or a
    # bump of the limb itself (the patella); only what joins a second layer goes.
    beyond = _beyond_curves(r, ang, band, side, fits, tolerance_mm)
    cand = np.flatnonzero(layered | beyond)
    pieces = _joined_to(points, cand, layered[cand])
    if not pieces:
        return out
    for piece in pieces:
        out[piece] = True
    # Second pass, about the largest piece (the hand; a smaller one can be a fold of the
    # skin the curves do not follow): the curves without it and the skin it hid.
    hand = np.zeros(len(points), dtype=bool)
    hand[pieces[0]] = True
    near = cKDTree(points[hand]).query(points, distance_upper_bound=HAND_REACH_MM)[0] < np.inf
    _key, _cells, fits2 = _band_curves(t, r, ang, side & ~near & ~out, t0)
    beyond2 = _beyond_curves(r, ang, band, side & near & ~out, fits2, HAND_TOLERANCE_MM)
    cand = np.flatnonzero(hand | beyond2)
    out[_joined_to(points, cand, hand[cand])[0]] = True
    return out


# ----------------------------------------------------------------------------- stage


def _clean_mesh_part(scan: Scan, params: CleanParams) -> tuple[trimesh.Trimesh | None, str]:
    """The input mesh's limb when the mesh is already clean, else None and why not.

    Clean means: the largest connected piece holds at least half of the surface, has no
    floor plane and is limb-like.  Other pieces (a base plate, a stray fragment) are dropped.
    """
    mesh = trimesh.Trimesh(scan.points, scan.faces, process=True)
    parts = mesh.split(only_watertight=False)
    if not len(parts):
        return None, "no faces"
    areas = np.array([p.area for p in parts])
    big = parts[int(np.argmax(areas))]
    if areas.max() < 0.5 * areas.sum():
        return None, f"{len(parts)} separate pieces, none holding half the surface"
    if big.is_watertight and abs(big.volume) < 0.35 * big.convex_hull.volume:
        raise ScanError.of(N_("%(name)s is a thin closed shell (it fills %(share)s of its "
                              "hull): it looks like a socket or a mould, not a limb; give a "
                              "scan of the limb"), name=Path(scan.path).name,
                           share=f"{100 * abs(big.volume) / big.convex_hull.volume:.0f} %")
    if remove_floors(big.vertices, params.floor_tolerance_mm, params.floor_clearance_mm,
                     max_planes=1, max_object_share=MAX_FLOOR_LIMB_SHARE,
                     max_refused=1).planes:
        return None, "a floor plane"
    ok, why = limb_like(big.vertices)
    if not ok:
        return None, why
    return big, ""


def clean_scan(scan: Scan, params: CleanParams | None = None) -> CleanResult:
    """Turn a raw scan into one clean limb surface.

    Parameters
    ----------
    scan
        Loaded scan in mm.
    params
        Cleaning parameters.

    Raises
    ------
    ScanError
        When nothing limb-like is left.
    """
    params = params or CleanParams()
    steps: list[dict] = []
    warnings: list[str] = []

    if scan.is_mesh and params.reconstruct is not Reconstruct.ALWAYS:
        part, why = _clean_mesh_part(scan, params)
        if part is not None or params.reconstruct is Reconstruct.NEVER:
            return _kept_mesh(scan, steps, warnings)
        steps.append({"step": "inspect mesh", "kept": len(scan.points), "removed": 0,
                      "detail": Message.of(N_("mesh has %(why)s; rebuilt from its surface"),
                                           why=why)})

    pts, floors = _filtered_points(scan, params, steps, warnings)
    try:
        limb, cut = _largest_limb(pts, params, steps, floors)
    except ScanError as err:
        if warnings:
            # A floor left in because it touches the limb is the likelier cause: say so.
            raise ScanError.of(N_("%(error)s; a flat surface (floor, table or wall) touching "
                                  "the limb was left in the scan, which may be why: scan "
                                  "again with the limb clear of it"), error=err) from err
        raise
    c, a = principal_axis(limb)
    a = orient_axis_distal_to_proximal(limb, c, a)
    if cut is not None and a @ cut.normal < 0:
        a = -a
    limb = _without_touching_objects(limb, c, a, steps, warnings)
    mesh = _reconstructed_surface(limb, c, a, params, steps, cut)
    mesh = _finished_surface(mesh, limb, c, a, params, steps)
    return CleanResult(mesh=mesh, axis_point=c, axis_dir=a, reconstructed=True, steps=steps,
                       warnings=warnings, proximal_cut=None if cut is None else cut.as_dict())


def _kept_mesh(scan: Scan, steps: list[dict], warnings: list[str]) -> CleanResult:
    """The input mesh kept as it is: its largest piece, faces turned outward.

    Raises
    ------
    ScanError
        When that piece is not limb-like.
    """
    mesh = trimesh.Trimesh(scan.points, scan.faces, process=True)
    n0 = len(mesh.faces)
    mesh, dropped = _largest_component(mesh)
    mesh.remove_unreferenced_vertices()
    ok, why_not = limb_like(mesh.vertices)
    if not ok:
        raise ScanError.of(N_("no limb-like object in the scan (%(why)s); scan the limb "
                              "again with the whole residual limb in view"), why=why_not)
    c, a = principal_axis(mesh.triangles_center, mesh.area_faces)
    a = orient_axis_distal_to_proximal(mesh.vertices, c, a)
    mesh = orient_faces_outward(mesh, c, a)
    steps.append({"step": "keep mesh", "kept": int(len(mesh.faces)),
                  "removed": int(n0 - len(mesh.faces)),
                  "detail": Message.joined(
                      [Message.of(N_("input mesh is already one clean surface; kept as it is")),
                       *([Message.of(N_("dropped %(count)s other piece(s)"), count=dropped)]
                         if dropped else [])])})
    return CleanResult(mesh=mesh, axis_point=c, axis_dir=a, reconstructed=False,
                       steps=steps, warnings=warnings)


def canonical_triangles(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A triangle soup of ``faces`` that does not depend on the order of the vertices, of
    the faces, or of each face's corners: each triangle starts at its lexicographically
    smallest corner (its winding kept) and the triangles are sorted by their corners.

    Returns (3m, 3) vertices and (m, 3) faces (``arange``)."""
    tri = np.asarray(vertices, dtype=np.float64)[np.asarray(faces, dtype=np.int64)]
    m = len(tri)
    if m == 0:
        return tri.reshape(0, 3), np.zeros((0, 3), dtype=np.int64)
    flat = tri.reshape(-1, 3)
    rank = np.empty(len(flat), dtype=np.int64)
    rank[np.lexsort((flat[:, 2], flat[:, 1], flat[:, 0]))] = np.arange(len(flat))
    first = rank.reshape(m, 3).argmin(axis=1)
    roll = (first[:, None] + np.arange(3)[None, :]) % 3
    tri = np.take_along_axis(tri, roll[:, :, None], axis=1)
    order = np.lexsort(tuple(tri[:, k, j] for k in (2, 1, 0) for j in (2, 1, 0)))
    return tri[order].reshape(-1, 3), np.arange(3 * m, dtype=np.int64).reshape(m, 3)


def _filtered_points(scan: Scan, params: CleanParams, steps: list[dict],
                     warnings: list[str]) -> tuple[np.ndarray, FloorRemoval | None]:
    """The scan's points (a mesh sampled evenly), downsampled, without strays and floors.

    Returns (n, 3) mm and the floor removal (its planes tell a foot standing on a floor);
    each step is added to ``steps``, a floor left in because it touches the limb to
    ``warnings``.

    Raises
    ------
    ScanError
        When too few points survive the stray removal, or only a flat surface is left.
    """
    o3d = quiet_open3d()
    if scan.is_mesh:
        # Sample the surface evenly so big and small triangles weigh the same, from its
        # triangles in an order of their own: the same surface in any file gives the same
        # points (a GLB and a USDZ list a scene's parts in different orders).
        mesh_in = trimesh.Trimesh(*canonical_triangles(scan.points, scan.faces), process=False)
        n = int(np.clip(mesh_in.area / (params.voxel_size_mm ** 2) * 2, 10_000, 2_000_000))
        pts, _ = trimesh.sample.sample_surface(mesh_in, n, seed=0)
    else:
        pts = scan.points
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(pts, dtype=np.float64)))
    if not scan.is_mesh and scan.colors is not None and len(scan.colors) == len(pts):
        # Carried through for the floor removal: a floor's colour tells it from the limb's.
        pcd.colors = o3d.utility.Vector3dVector(np.asarray(scan.colors, dtype=np.float64) / 255.0)
    n_in = len(pcd.points)
    pcd = pcd.voxel_down_sample(params.voxel_size_mm)
    steps.append({"step": "downsample", "kept": len(pcd.points), "removed": n_in - len(pcd.points),
                  "detail": Message.of(N_("%(size)s voxels"),
                                       size=f"{params.voxel_size_mm:g} mm")})

    n0 = len(pcd.points)
    pts = np.asarray(pcd.points)
    colors = np.asarray(pcd.colors) if pcd.has_colors() else None
    keep = not_strays(pts, params.stray_radius_mm, params.stray_min_neighbours)
    pts, colors = pts[keep], (None if colors is None else colors[keep])
    steps.append({"step": "stray points", "kept": len(pts), "removed": n0 - len(pts),
                  "detail": Message.of(N_("fewer than %(count)s neighbours within %(radius)s"),
                                       count=params.stray_min_neighbours,
                                       radius=f"{params.stray_radius_mm:g} mm")})
    if len(pts) < 500:
        raise ScanError.of(N_("no limb-like object in the scan (only %(count)s points "
                              "survive stray removal); scan the limb again closer and "
                              "slower"), count=len(pts))

    # Floors and tables, possibly several (a table and a wall): up to three planes, each
    # only where it reaches beyond the limb, and never cutting into the limb.
    floors = remove_floors(pts, params.floor_tolerance_mm, params.floor_clearance_mm,
                           max_planes=3, max_object_share=MAX_FLOOR_LIMB_SHARE, colors=colors,
                           strip_touching=True)
    pts = floors.points
    if floors.planes or any(r.reason != "through the object" for r in floors.refused):
        steps.append({"step": "floor", "kept": len(pts), "removed": floors.removed,
                      "detail": _floor_detail(floors),
                      "planes": floors.planes_as_lists()})
    warnings.extend(_floor_warning(r) for r in floors.touching)
    pts = _without_slabs(pts, params.floor_tolerance_mm, steps)
    if len(pts) < 500:
        raise ScanError.of(N_("no limb-like object in the scan (only a flat surface was "
                              "found); scan the limb itself, with the whole residual limb in "
                              "view"))
    return pts, floors


#: A flat region holding a disc this wide (mm) is furniture (a chair's seat, a stump
#: support), never skin: a limb has no flat region that wide.
SLAB_MM = 120.0


def _without_slabs(pts: np.ndarray, tolerance_mm: float, steps: list[dict],
                   max_planes: int = 2) -> np.ndarray:
    """The points without wide flat regions the floor removal leaves in because the limb
    reaches past their plane (a chair's seat under the thigh, the shank hanging in front
    of it).

    Only the plane's filled regions go (its points in 10 mm cells that survive an opening
    of 3 cells), not the thin ring where the plane slices through the limb."""
    cell = 10.0
    removed = 0
    for k in range(max_planes):
        if len(pts) < 1000:
            break
        found = ransac_plane(pts, tolerance_mm, seed=11 + k)
        if found is None:
            break
        nrm, off = found
        on = np.abs(pts @ nrm + off) <= tolerance_mm
        if on.sum() < 500:
            break
        e = np.eye(3)[int(np.argmin(np.abs(nrm)))]
        u = np.cross(nrm, e)
        u /= np.linalg.norm(u)
        uv = pts[on] @ np.column_stack([u, np.cross(nrm, u)])
        lo = uv.min(axis=0)
        ij = np.floor((uv - lo) / cell).astype(np.int64)
        occ = np.zeros(tuple(ij.max(axis=0) + 1), dtype=bool)
        occ[ij[:, 0], ij[:, 1]] = True
        occ = ndimage.binary_closing(occ, iterations=1)
        filled = ndimage.binary_opening(occ, iterations=3)
        lab, n = ndimage.label(filled)
        if not n:
            break
        # Wide both ways: the region holds a disc SLAB_MM across (a bounding box would
        # also take a long diagonal strip, where the plane grazes the limb and thigh).
        depth = ndimage.distance_transform_edt(filled)
        inner = ndimage.maximum(depth, lab, index=np.arange(1, n + 1))
        wide = [i + 1 for i, v in enumerate(np.atleast_1d(inner)) if 2 * v * cell >= SLAB_MM]
        if not wide:
            break
        drop_on = np.isin(lab[ij[:, 0], ij[:, 1]], wide)
        drop = np.flatnonzero(on)[drop_on]
        removed += len(drop)
        pts = np.delete(pts, drop, axis=0)
    if removed:
        steps.append({"step": "furniture", "kept": len(pts), "removed": removed,
                      "detail": Message.of(N_("flat regions over %(width)s wide that the limb "
                                              "reaches past (a chair's seat, a support)"),
                                           width=f"{SLAB_MM:.0f} mm")})
    return pts


def _floor_detail(floors: FloorRemoval) -> str:
    """The floor step in words: planes removed, and planes left in and why."""
    parts = [Message.of(N_("%(count)s plane(s) removed with everything beyond them"),
                        count=len(floors.planes))]
    sides = sum(r.reason == "part of the object" for r in floors.refused)
    if sides:
        parts.append(Message.of(N_("%(count)s flat side(s) of the limb left (within its own "
                                   "outline)"), count=sides))
    for r in floors.touching:
        parts.append(Message.of(N_("1 plane touching the limb left in (removing it would take "
                                   "%(share)s of the limb)"),
                                share=f"{100 * r.object_share:.0f} %"))
    return Message.joined(parts)


def _floor_warning(plane: RefusedPlane) -> str:
    """One line for the prosthetist about a floor, table or wall left in the scan."""
    return Message.of(N_("a flat surface (floor, table or wall) touches the limb in the "
                         "scan and was left in: removing it would have cut %(share)s of the "
                         "limb away; check the cleaned limb, or scan again with the limb "
                         "clear of it"), share=f"{100 * plane.object_share:.0f} %")


#: The clustering runs on voxels this many times the cluster gap across (a third of it):
#: a tenth of the points of the cleaned cloud, and a surface's points within the gap still
#: span two voxels or more, so what hangs together at the gap hangs together here.
CLUSTER_VOXEL_SHARE = 1.0 / 3.0


def voxel_groups(points: np.ndarray, size_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """The points grouped in cubes of ``size_mm``: each group's centroid (m, 3) and the
    group of each point (n,) int."""
    keys = np.floor((points - points.min(axis=0)) / size_mm).astype(np.int64)
    dims = keys.max(axis=0) + 1
    flat = (keys[:, 0] * dims[1] + keys[:, 1]) * dims[2] + keys[:, 2]
    _, group, counts = np.unique(flat, return_inverse=True, return_counts=True)
    group = group.ravel()
    centroids = np.column_stack([np.bincount(group, weights=points[:, i]) for i in range(3)])
    return centroids / counts[:, None], group


@dataclass
class _Candidate:
    """An object of the scan that may be the limb: its points, its part below the knee
    (the limb, when the object holds a thigh) and whether it stands on a foot."""

    label: int
    points: np.ndarray
    limb: np.ndarray
    cut: KneeCut | None
    foot: bool = False


def _largest_limb(pts: np.ndarray, params: CleanParams, steps: list[dict],
                  floors: FloorRemoval | None = None) -> tuple[np.ndarray, KneeCut | None]:
    """The limb among the objects of the points (DBSCAN): (m, 3) mm, and where it was cut
    from the thigh (None when the scan shows no thigh).

    The clustering runs on the centroids of voxels a third of the cluster gap across, with
    its density threshold scaled to the voxels (10 points within the gap at the cleaned
    cloud's spacing); each point takes its voxel's object.  Each large object is cut at
    its knee (:func:`find_knee`); the limb-like ones are candidates.  With several, the
    residual limb is the one that does not stand on a foot, or the one much larger than the
    others (a hand, clutter); when that is not clear the scan is refused, naming them.

    Raises
    ------
    ScanError
        When there is no connected surface, no limb-like object, or several and no clear
        residual limb among them.
    """
    o3d = quiet_open3d()
    size = max(params.cluster_gap_mm * CLUSTER_VOXEL_SHARE, params.voxel_size_mm)
    centroids, group = voxel_groups(pts, size)
    min_points = max(3, round(10 * (params.voxel_size_mm / size) ** 2))
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(centroids))
    labels = np.asarray(pcd.cluster_dbscan(eps=params.cluster_gap_mm,
                                           min_points=min_points))[group]
    valid = labels >= 0
    if not valid.any():
        raise ScanError.of(N_("no limb-like object in the scan (no connected surface); scan "
                              "again with the whole residual limb in view"))
    counts = np.bincount(labels[valid])
    order = np.argsort(-counts, kind="stable")
    limbs = _limb_like_objects(pts, labels, counts, order, params, floors)
    if params.pick_object:
        if params.pick_object > len(limbs):
            if not limbs:
                raise ScanError.of(N_("no limb-like object in the scan to pick; scan the "
                                      "residual limb with all of it in view, or check --units"))
            raise ScanError.of(N_("%(setting)s but the scan holds %(count)s limb-like "
                                  "object(s); pick 1 to %(count)s"),
                               setting=f"pick_object = {params.pick_object}", count=len(limbs))
        best = limbs[params.pick_object - 1]
        how = Message.of(N_("kept object %(n)s of %(count)s limb-like objects (as asked)"),
                         n=params.pick_object, count=len(limbs))
    elif len(limbs) > 1:
        best, how = _residual_limb(limbs)
    elif limbs:
        best = limbs[0]
        how = Message.of(N_("kept the largest of %(count)s objects"), count=len(counts))
    else:
        # Nothing limb-like: say why the largest object is not.
        big = pts[labels == order[0]]
        cut = find_knee(big, params.proximal_cut_mm)
        best = _Candidate(int(order[0]), big, big if cut is None else
                          big[_below_plane(big, cut, params.cluster_gap_mm)], cut)
        how = Message.of(N_("kept the largest of %(count)s objects"), count=len(counts))
    limb = best.limb
    ok, why = limb_like(limb)
    if not ok:
        raise ScanError.of(N_("no limb-like object in the scan (%(why)s); scan the residual "
                              "limb with all of it in view, or check --units"), why=why)
    n_other = int(len(pts) - len(best.points))
    steps.append({"step": "keep limb", "kept": len(best.points), "removed": n_other,
                  "detail": Message.joined([how, Message.of(
                      N_("dropped %(count)s others (hands, clutter) and %(isolated)s isolated "
                         "points"), count=len(counts) - 1, isolated=int((~valid).sum()))])})
    if best.cut is not None:
        c = best.cut
        steps.append({"step": "proximal cut", "kept": len(limb),
                      "removed": int(len(best.points) - len(limb)),
                      "detail": Message.of(N_("%(rule)s: cut %(height)s from the distal end "
                                              "(set %(setting)s to move it)"), rule=c.detail,
                                           height=f"{c.height_mm:.0f} mm",
                                           setting="proximal_cut_mm"),
                      "plane": c.as_dict()})
    return limb, best.cut


def _residual_limb(limbs: list[_Candidate]) -> tuple[_Candidate, str]:
    """The residual limb among several limb-like objects, when it is clear.

    Raises
    ------
    ScanError
        Naming the objects, when it is not.
    """
    footless = [c for c in limbs if not c.foot]
    biggest = max(len(c.limb) for c in limbs)
    # Never a hand for a limb: the one without a foot holds half the points of the largest.
    if len(footless) == 1 and len(footless[0].limb) >= 0.5 * biggest:
        others = len(limbs) - 1
        return footless[0], Message.of(N_("kept the residual limb; dropped %(count)s other "
                                          "leg(s) standing on a foot"), count=others)
    # A residual limb is shorter than a whole shank: one at most RESIDUAL_MAX_MM long
    # among others over SHANK_MIN_MM (their feet out of view, or too thin to tell).
    length = {id(c): _length(c.limb) for c in footless}
    short = [c for c in footless if length[id(c)] <= RESIDUAL_MAX_MM]
    if (len(short) == 1 and len(short[0].limb) >= 0.5 * biggest
            and all(length[id(c)] >= SHANK_MIN_MM for c in footless if c is not short[0])):
        return short[0], Message.of(N_("kept the residual limb (%(length)s long); dropped "
                                       "%(count)s other leg(s) (whole shanks over %(shank)s "
                                       "long, or standing on a foot)"),
                                    length=f"{length[id(short[0])]:.0f} mm", count=len(limbs) - 1,
                                    shank=f"{SHANK_MIN_MM:.0f} mm")
    sizes = sorted((len(c.limb) for c in footless), reverse=True)
    if len(sizes) > 1 and sizes[0] >= SOLE_LIMB_RATIO * sizes[1]:
        best = max(footless, key=lambda c: len(c.limb))
        return best, Message.of(N_("kept the largest of %(count)s limb-like objects (the "
                                   "others are under %(ratio)s of its size: a hand or "
                                   "clutter)"), count=len(limbs), ratio=f"1/{SOLE_LIMB_RATIO:g}")
    raise ScanError.of(N_("the scan holds %(count)s limb-like objects: %(objects)s; choose "
                          "one with %(pick)s (%(setting)s), or crop the scan to one limb"),
                       count=len(limbs),
                       objects="; ".join(f"{i}) {_describe(c.limb)}"
                                         + (", standing on a foot" if c.foot else "")
                                         for i, c in enumerate(limbs, 1)),
                       pick="--pick N", setting="--set pick_object=N")


#: An object is a second limb, not a hand or clutter, when it is limb-like and holds at
#: least this share of the largest object's points.
SECOND_LIMB_SHARE = 0.35
#: Among limb-like objects none of which stands on a foot, the residual limb is the one
#: with at least this many times the points of the next (a hand or clutter beside it).
SOLE_LIMB_RATIO = 2.0
#: A residual limb below the knee is at most RESIDUAL_MAX_MM long; an intact shank with its
#: foot (the other leg) at least SHANK_MIN_MM.
RESIDUAL_MAX_MM, SHANK_MIN_MM = 330.0, 380.0


def _length(points: np.ndarray) -> float:
    """Length (mm) of an object along its principal axis."""
    c, a = principal_axis(points)
    return float(np.ptp((points - c) @ a))


#: A foot: the object's points within FOOT_HEIGHT_MM of a floor spread over at least
#: FOOT_LENGTH_MM, and the object rises at least STANDING_MM from it (a leg standing on
#: it, not a limb lying along a table).
FOOT_HEIGHT_MM, FOOT_LENGTH_MM, STANDING_MM = 70.0, 140.0, 250.0


def _has_foot(points: np.ndarray) -> bool:
    """Whether one end of a leg-like object is a foot: across its long axis, the 100 mm
    at either end reach FOOT_LENGTH_MM or more (2nd to 98th percentile), where a
    residual limb's end or a knee is at most about 130 mm across (a foot 250 mm long,
    thinned far from the phone's path, measured 144 mm there)."""
    c, a = principal_axis(points)
    t = (points - c) @ a
    uv = (points - c) @ _plane_axes(a)
    for end in (t < t.min() + 100.0, t > t.max() - 100.0):
        if end.sum() < 50:
            continue
        q = uv[end] - uv[end].mean(axis=0)
        d = np.linalg.svd(q, full_matrices=False)[2]
        lo, hi = np.percentile(q @ d.T, [2, 98], axis=0)
        if (hi - lo).max() >= FOOT_LENGTH_MM:
            return True
    return False


def _stands_on_foot(points: np.ndarray, floors: FloorRemoval | None,
                    limb: np.ndarray | None = None) -> bool:
    """Whether an object stands on a foot: on one of the floors found in the scan, or by
    the shape of its part below the knee (``limb``) when the floor was too sparse to find
    (:func:`_has_foot`; a thigh's end is as wide as a foot is long)."""
    if limb is not None and len(limb) >= 500 and _has_foot(limb):
        return True
    if floors is None:
        return False
    planes = list(floors.planes) + [(r.normal, r.offset) for r in floors.touching]
    for normal, offset in planes:
        h = points @ normal + offset
        low = points[(h > -5.0) & (h < FOOT_HEIGHT_MM)]
        if len(low) < 50 or h.max() < STANDING_MM:
            continue
        e = np.eye(3)[int(np.argmin(np.abs(normal)))]
        u = np.cross(normal, e)
        u /= np.linalg.norm(u)
        uv = low @ np.column_stack([u, np.cross(normal, u)])
        uv = uv - uv.mean(axis=0)
        spread = np.linalg.svd(uv, full_matrices=False)[2]
        extent = np.ptp(uv @ spread.T, axis=0)
        if extent.max() >= FOOT_LENGTH_MM:
            return True
    return False


def _limb_like_objects(pts: np.ndarray, labels: np.ndarray, counts: np.ndarray,
                       order: np.ndarray, params: CleanParams | None = None,
                       floors: FloorRemoval | None = None) -> list[_Candidate]:
    """The limb-like objects, largest first: each of the objects holding at least
    :data:`SECOND_LIMB_SHARE` of the largest one's points, cut at its knee, when what is
    left below the knee is limb-like."""
    params = params or CleanParams()
    out = []
    for k in order:
        if counts[k] < SECOND_LIMB_SHARE * counts[order[0]]:
            break
        obj = pts[labels == k]
        cut = find_knee(obj, params.proximal_cut_mm)
        limb = obj if cut is None else obj[_below_plane(obj, cut, params.cluster_gap_mm)]
        if limb_like(limb)[0]:
            out.append(_Candidate(int(k), obj, limb, cut, _stands_on_foot(obj, floors, limb)))
    return out


def _without_touching_objects(limb: np.ndarray, c: np.ndarray, a: np.ndarray,
                              steps: list[dict], warnings: list[str]) -> np.ndarray:
    """The limb's points without those standing off its surface (a hand pressed on it),
    with a warning saying where: the skin under a hand is seldom seen, and the surface
    there is bridged from around it."""
    off = _off_surface(limb, (c, a))
    if not off.any():
        return limb
    steps.append({"step": "touching objects", "kept": int((~off).sum()),
                  "removed": int(off.sum()),
                  "detail": Message.of(N_("points standing more than %(distance)s off the "
                                          "limb's surface (a hand or an object touching it)"),
                                       distance="8 mm")})
    t = (limb - c) @ a
    lo, hi = np.percentile(t[off], [2, 98]) - t.min()
    warnings.append(Message.of(
        N_("a hand or an object touching the limb was taken off (%(points)s points, "
           "%(span)s above the distal end); the skin under it is bridged from around it: "
           "check the limb's shape there, or scan again without touching the part to be "
           "fitted"), points=int(off.sum()), span=f"{lo:.0f}-{hi:.0f} mm"))
    return limb[~off]


def _describe(points: np.ndarray) -> str:
    """An object as a person can find it in the scan: its length and where its middle is
    (mm, the scan file's axes)."""
    c, a = principal_axis(points)
    length = float(np.ptp((points - c) @ a))
    mid = points.mean(axis=0)
    return (f"{length:.0f} mm long, middle at x = {mid[0]:.0f}, y = {mid[1]:.0f}, "
            f"z = {mid[2]:.0f} mm ({len(points)} points)")


def _reconstructed_surface(limb: np.ndarray, c: np.ndarray, a: np.ndarray,
                           params: CleanParams, steps: list[dict],
                           cut: KneeCut | None = None) -> trimesh.Trimesh:
    """Screened Poisson surface of the limb's points, cut at the open proximal end (at
    the knee's plane 1 mm below it when the limb was cut from the thigh: a hole near the
    knee would look like the open end to the coverage rule).

    Normals point outward from the axis through ``c`` along ``a`` (distal to proximal);
    the invented cap over the open end and anything below the distal tip are cut off.
    """
    o3d = quiet_open3d()
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(limb))
    pcd.estimate_normals(o3d.geometry.KDTreeSearchParamKNN(knn=30))
    t = (limb - c) @ a
    r_distal = np.median(np.linalg.norm((limb - c) - np.outer(t, a), axis=1)[t < t.min() + 30])
    normals = _outward_normals(limb, np.asarray(pcd.normals), c, a, max(r_distal, 10.0))
    vertices, triangles = reconstruct(limb, normals, params.poisson_depth)
    mesh = trimesh.Trimesh(vertices, triangles, process=False)
    n_rec = len(mesh.faces)
    # Poisson closes the open proximal end with an invented cap: cut where the scan stops
    # covering the whole circumference, and below the distal tip.
    if cut is not None:
        mesh = mesh.slice_plane(cut.point - cut.normal, -cut.normal)
        t_cut = float((cut.point - cut.normal - c) @ a)
    else:
        t_cut = _proximal_cut(limb, c, a) - 1.0
        mesh = mesh.slice_plane(c + a * t_cut, -a)
    mesh = mesh.slice_plane(c + a * (t.min() - 3.0), a)
    mesh, dropped = _largest_component(mesh)
    steps.append({"step": "reconstruct", "kept": int(len(mesh.faces)),
                  "removed": int(n_rec - len(mesh.faces)),
                  "detail": Message.joined([
                      Message.of(N_("Poisson depth %(depth)s, holes filled; cap over the open "
                                    "proximal end cut %(height)s from the distal end"),
                                 depth=params.poisson_depth, height=f"{t_cut - t.min():.0f} mm"),
                      *([Message.of(N_("%(count)s floating pieces dropped"), count=dropped)]
                        if dropped else [])])})
    return mesh


def _finished_surface(mesh: trimesh.Trimesh, limb: np.ndarray, c: np.ndarray, a: np.ndarray,
                      params: CleanParams, steps: list[dict]) -> trimesh.Trimesh:
    """The reconstructed surface with its unsupported parts re-fitted, decimated to about
    ``target_triangles`` and its faces turned outward."""
    mesh, n_moved, area = refit_holes(mesh, limb, c, a, params.voxel_size_mm)
    if n_moved:
        steps.append({"step": "hole fill", "kept": int(len(mesh.faces)), "removed": 0,
                      "detail": Message.of(N_("%(area)s (%(share)s of the surface) had no scan "
                                              "points; re-fitted on the limb's cylindrical map "
                                              "(%(count)s vertices)"), area=f"{area / 100:.0f} cm2",
                                           share=f"{100 * area / mesh.area:.1f} %",
                                           count=n_moved)})
    n_faces = len(mesh.faces)
    if n_faces > params.target_triangles:
        mesh, _ = _largest_component(_decimate(mesh, params.target_triangles))
        steps.append({"step": "decimate", "kept": int(len(mesh.faces)),
                      "removed": int(n_faces - len(mesh.faces)),
                      "detail": Message.of(N_("quadric decimation to about %(count)s triangles"),
                                           count=params.target_triangles)})
    return orient_faces_outward(mesh, c, a)
