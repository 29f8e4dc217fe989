"""Foot scans: clean, align to the foot frame, and measure (Open3D for the point work).

Foot frame: +X heel to toe, +Z up, the plantar plane at z = 0, +Y to the foot's left
(right-handed), origin below the back of the heel on the foot's long axis.  A right foot has
its medial side (arch, big toe) on +Y, a left foot on -Y; the frame is a rotation, never a
mirror, so every result can be laid back on the scan.

Every input is handled as points: a mesh is sampled evenly over its surface, so a clean
plantar scan, a closed foot model and a phone point cloud go the same way:

    points -> downsample, strays, floor, largest object -> frame -> height map -> measurements

The plantar surface is kept as a height map (the lowest surface seen from below, a local
plane fit in each cell, so noise averages out and slopes do not bias it): see
:mod:`prosthetics.insoles.heightmap`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import trimesh
from scipy import ndimage
from scipy.spatial import ConvexHull, cKDTree

from prosthetics.errors import N_, Message, ScanError
from prosthetics.insoles.heightmap import HeightMap, height_map
from prosthetics.params import Params, param
from prosthetics.scan.clean import not_strays, principal_axis
from prosthetics.scan.floor import quiet_open3d, remove_floors
from prosthetics.scan.loaders import Scan


class Side(enum.Enum):
    """Which foot."""

    AUTO = "auto"
    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True, kw_only=True)
class FootParams(Params):
    voxel_size_mm: float = param(0.7, label="Point spacing", unit="mm", min=0.2, max=3.0,
                                 help="Voxel size of the downsampling before cleaning")
    stray_radius_mm: float = param(4.0, label="Stray search radius", unit="mm", min=1.0,
                                   max=30.0, help="A point with too few neighbours within this "
                                   "radius is a stray")
    stray_min_neighbours: int = param(6, label="Stray minimum neighbours", min=1, max=100)
    floor_tolerance_mm: float = param(1.5, label="Floor tolerance", unit="mm", min=0.2,
                                      max=20.0, help="Distance from a plane that counts as floor")
    floor_clearance_mm: float = param(2.5, label="Floor clearance", unit="mm", min=0.5,
                                      max=30.0, help="Points this close to the floor are removed")
    cluster_gap_mm: float = param(6.0, label="Cluster gap", unit="mm", min=1.0, max=50.0,
                                  help="Objects further apart than this are separate (the "
                                  "foot is kept, clutter dropped)")
    height_map_cell_mm: float = param(2.0, label="Height map cell", unit="mm", min=0.5,
                                      max=5.0, help="Cell of the plantar height map")
    scan_side: Side = param(Side.AUTO, label="Scanned foot",
                            help="auto: decided from the arch and the big toe")

@dataclass(frozen=True, kw_only=True)
class FootMeasurements:
    """Foot measurements in the foot frame, mm.

    ``met_heads_x_mm`` is where the forefoot is widest (the ball, over the metatarsal heads);
    ``arch_x_mm`` where the medial arch is highest.
    """

    foot_length_mm: float
    ball_width_mm: float
    heel_width_mm: float
    arch_height_mm: float
    met_heads_x_mm: float
    arch_x_mm: float
    heel_centre_y_mm: float
    ball_centre_y_mm: float

    def as_dict(self) -> dict:
        return {k: round(float(v), 2) for k, v in self.__dict__.items()}


@dataclass(frozen=True, kw_only=True)
class Foot:
    """A cleaned, aligned, measured foot.

    Attributes
    ----------
    points : (n, 3) float, mm
        Foot points in the foot frame.
    transform : (4, 4) float
        Scan millimetres (the loaded scan's axes) to the foot frame: a rotation and a shift.
    side : Side
        LEFT or RIGHT.
    side_source : str
        "arch and toes", "--set scan_side"...
    heights : HeightMap
    measurements : FootMeasurements
    floor_found : bool
    steps, warnings : list
    """

    points: np.ndarray
    transform: np.ndarray
    side: Side
    side_source: str
    side_evidence: dict
    heights: HeightMap
    measurements: FootMeasurements
    floor_found: bool
    steps: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def medial_sign(self) -> float:
        """+1 when the medial side is on +Y (right foot), -1 for a left foot."""
        return 1.0 if self.side is Side.RIGHT else -1.0


# ------------------------------------------------------------------------------- cleaning

#: A foot (adult or child) is 100-400 mm long.
FOOT_LENGTH_RANGE_MM = (100.0, 400.0)


def scan_points(scan: Scan, spacing_mm: float) -> np.ndarray:
    """The scan as points (n, 3) mm: a mesh is sampled evenly over its area."""
    if not scan.is_mesh:
        return np.asarray(scan.points, dtype=float)

    mesh = trimesh.Trimesh(scan.points, scan.faces, process=False)
    n = int(np.clip(3.0 * mesh.area / spacing_mm ** 2, 20_000, 600_000))
    pts, _ = trimesh.sample.sample_surface(mesh, n, seed=0)
    return np.vstack([pts, scan.points])


def clean_foot_points(points: np.ndarray, params: FootParams):
    """Strays, floor and clutter removed; returns (points (n, 3), floor normal or None, steps).

    The decisions (strays, floor, objects) are taken on a 2 mm copy of the cloud, which
    is ten times faster than on the full one (DBSCAN is the slow part); the full points
    near the kept coarse points are kept.  The floor normal points towards the foot.
    """

    o3d = quiet_open3d()
    steps = []
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    n_in = len(points)
    fine = np.asarray(pcd.voxel_down_sample(params.voxel_size_mm).points)
    steps.append({"step": "downsample", "kept": len(fine), "removed": n_in - len(fine),
                  "detail": Message.of(N_("%(size)s voxels"),
                                       size=f"{params.voxel_size_mm:g} mm")})
    coarse_mm = max(2.0, params.voxel_size_mm)
    coarse = np.asarray(pcd.voxel_down_sample(coarse_mm).points)
    n0 = len(coarse)
    radius = max(params.stray_radius_mm, 2.5 * coarse_mm)
    pts = coarse[not_strays(coarse, radius, params.stray_min_neighbours)]
    steps.append({"step": "stray points", "kept": len(pts), "removed": n0 - len(pts),
                  "detail": Message.of(N_("on a %(size)s copy: fewer than %(count)s neighbours "
                                          "within %(radius)s"), size=f"{coarse_mm:g} mm",
                                       count=params.stray_min_neighbours, radius=f"{radius:g} mm")})
    if len(pts) < 1000:
        raise ScanError.of(N_("no foot in the scan (only %(count)s points survive stray "
                              "removal); scan the sole of the foot again, closer and slower"),
                           count=len(pts))
    floor = None
    # One plane only: the floor the foot stands on.
    floors = remove_floors(pts, params.floor_tolerance_mm, params.floor_clearance_mm,
                           max_planes=1, min_object_points=500)
    if floors.only_floor:
        raise ScanError.of(N_("no foot in the scan (only a flat surface was found); scan the "
                              "foot itself, sole in view"))
    if floors.planes:
        steps.append({"step": "floor", "kept": len(floors.points), "removed": floors.removed,
                      "detail": Message.of(N_("floor plane removed with everything beyond it"))})
        pts = floors.points
        floor, floor_off = floors.planes[0]
    cpcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts))
    labels = np.asarray(cpcd.cluster_dbscan(eps=params.cluster_gap_mm, min_points=5))
    valid = labels >= 0
    if not valid.any():
        raise ScanError.of(N_("no foot in the scan (no connected surface); scan again with "
                              "the whole sole in view"))
    counts = np.bincount(labels[valid])
    best = int(np.argmax(counts))
    foot_c = pts[labels == best]
    d, _ = cKDTree(foot_c).query(fine, distance_upper_bound=1.8 * coarse_mm)
    keep = np.isfinite(d)
    if floor is not None:
        keep &= fine @ floor + floor_off > params.floor_clearance_mm
    foot = fine[keep]
    steps.append({"step": "keep foot", "kept": len(foot), "removed": int(len(fine) - len(foot)),
                  "detail": Message.of(N_("kept the largest of %(count)s objects and the points "
                                          "near it"), count=len(counts))})
    return foot, floor, steps


# ------------------------------------------------------------------------------- frame


def _basis(up: np.ndarray, along: np.ndarray) -> np.ndarray:
    """Rows x, y, z of a right-handed frame with z = up and x = ``along`` made orthogonal."""
    z = up / np.linalg.norm(up)
    x = along - (along @ z) * z
    x /= np.linalg.norm(x)
    return np.array([x, np.cross(z, x), z])


def _contact_score(points: np.ndarray, up: np.ndarray, axis: np.ndarray) -> float:
    """How well ``points`` would rest on a floor below them with ``up`` up.

    The points within 3 mm of the lowest level are counted in 4 mm cells at the rear and at
    the front of the long axis; the score is their geometric mean.  A sole touches with heel
    and ball, broad areas at both ends; the rim of an impression, the cut of a leg or the
    top of a foot touch along a line or at one end only.
    """
    c = points.mean(axis=0)
    t = (points - c) @ axis
    lo, hi = np.quantile(t, [0.02, 0.98])
    h = (points - c) @ up
    touch = h < np.quantile(h, 0.002) + 3.0
    w = np.cross(up, axis)
    cells = np.floor(np.column_stack([t[touch], (points[touch] - c) @ w]) / 4.0).astype(np.int64)
    key = cells[:, 0] * 100_003 + cells[:, 1]
    n_rear = len(np.unique(key[t[touch] < lo + 0.3 * (hi - lo)]))
    n_front = len(np.unique(key[t[touch] > lo + 0.55 * (hi - lo)]))
    return float(np.sqrt(n_rear * n_front))


def _file_up(points: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Up without a floor: the file axis (+-X, +-Y, +-Z) the foot rests best on.

    Scanners and foot models export with an axis up, and the side of a foot with its leg can
    rest on a floor as broadly as a curved sole, so the shape alone is not trusted for the
    direction; the plantar plane is levelled afterwards (:func:`_support_plane`).
    """
    rng = np.random.default_rng(0)
    p = points[rng.permutation(len(points))[:20_000]]
    best, best_score = None, -1.0
    for d in np.vstack([np.eye(3), -np.eye(3)]):
        if abs(d @ axis) > 0.8:
            continue
        score = _contact_score(p, d, axis)
        if score > best_score:
            best, best_score = d, score
    return best


def _cell_minima(p: np.ndarray, cell: float) -> np.ndarray:
    """The lowest point of each ``cell`` mm column, (m, 3), in the order of the columns.

    Of points equally low, the first.  (One sort by column and a minimum per run of
    equal columns: a third of the time of sorting by column and height together.)
    """
    cells = np.floor(p[:, :2] / cell).astype(np.int64)
    key = cells[:, 0] * 100_003 + cells[:, 1]
    order = np.argsort(key, kind="stable")
    k = key[order]
    z = p[order, 2]
    starts = np.r_[True, k[1:] != k[:-1]]
    run = np.cumsum(starts) - 1
    lowest = np.flatnonzero(z == np.minimum.reduceat(z, np.flatnonzero(starts))[run])
    r = run[lowest]
    return p[order[lowest[np.r_[True, r[1:] != r[:-1]]]]]


def _support_plane(p: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) levelling the plane the foot would stand on.

    ``p`` are points with z roughly up.  The plane is the facet of the convex hull of the
    underside (lowest points of 4 mm columns) that faces down and has the most columns
    within 2 mm of it: heel and ball, as on a floor.
    """

    low = _cell_minima(p, 4.0)
    hull = ConvexHull(low)
    eq = hull.equations                              # n . x + d <= 0 inside
    # Facets within 20 degrees of level: the floor or the file's axes are roughly right.
    down = eq[:, 2] < -np.cos(np.radians(20.0))
    if not down.any():
        return np.eye(3)
    facets = eq[down]
    dist = -(low @ facets[:, :3].T + facets[:, 3])    # (m, f) >= 0 inside the hull
    counts = (dist < 2.0).sum(axis=0)
    # A rounded sole rests about as well on several facets: of those touching at least 90 %
    # of the best count, the one closest to the current up (floor or file axis).
    good = counts >= 0.9 * counts.max()
    best = facets[good][np.argmin(facets[good][:, 2])]
    return _basis(-best[:3], np.array([1.0, 0, 0]))


def _kth_extreme(values: np.ndarray, k: int = 20) -> tuple[float, float]:
    """(low, high) as the k-th smallest and largest values: noise-proof extremes."""
    k = int(min(k, max(1, len(values) // 50)))
    part = np.partition(values, [k, len(values) - 1 - k])
    return float(part[k]), float(part[len(values) - 1 - k])


def foot_frame(points: np.ndarray, floor_normal: np.ndarray | None):
    """(4, 4) from scan mm to the foot frame, and notes on how it was found.

    Raises
    ------
    ScanError
        When the sole does not face the floor (a foot standing on its side).
    """
    c, a = principal_axis(points)
    notes = {}
    if floor_normal is not None:
        up = floor_normal
        notes["up_from"] = Message.of(N_("floor plane"))
    else:
        up = _file_up(points, a)
        notes["up_from"] = Message.of(N_("plantar surface"))
    # Long axis in the floor plane: the principal axis of the points seen from above.
    B = _basis(up, a)
    q = (points - c) @ B.T
    c2, a2 = principal_axis(np.column_stack([q[:, :2], np.zeros(len(q))]))
    B = _basis(up, a2 @ B)
    q = (points - c) @ B.T
    R = _support_plane(q)
    B = R @ B
    q = (points - c) @ B.T
    notes["levelled_deg"] = round(float(np.degrees(np.arccos(np.clip(R[2, 2], -1, 1)))), 2)
    # Heel to toe: the forefoot is wider than the heel.
    x = q[:, 0]
    lo, hi = _kth_extreme(x)
    L = hi - lo
    low = q[:, 2] < np.quantile(q[:, 2], 0.02) + 30.0

    def width(a0, a1):
        sel = low & (x > lo + a0 * L) & (x < lo + a1 * L)
        if sel.sum() < 20:
            return 0.0
        y0, y1 = _kth_extreme(q[sel, 1], 5)
        return y1 - y0

    w_lo, w_hi = width(0.05, 0.3), width(0.7, 0.95)
    if w_lo > w_hi:  # the wide end is at low x: turn the frame half a turn about z
        B = np.array([-B[0], -B[1], B[2]])
        q = (points - c) @ B.T
    notes["end_widths_mm"] = [round(min(w_lo, w_hi), 1), round(max(w_lo, w_hi), 1)]
    # Origin: back of the heel on x, the plantar plane on z (median of the contact points).
    xmin, _ = _kth_extreme(q[:, 0])
    ymid = float(np.median(q[:, 1]))
    z0 = _contact_level(q)
    T = np.eye(4)
    T[:3, :3] = B
    T[:3, 3] = -B @ c - np.array([xmin, ymid, z0])
    return T, notes


def _contact_level(q: np.ndarray) -> float:
    """Height of the plantar plane: the mean lowest height of the 5 mm cells in contact."""
    low = _cell_minima(q, 5.0)[:, 2]
    base = np.quantile(low, 0.05)
    return float(np.median(low[low < base + 1.5]))


# --------------------------------------------------------------------------- measurements


def _bin_widths(points: np.ndarray, x_lo: float, x_hi: float, z_max: float, step: float = 3.0):
    """Per x bin: (x centre, width, y centre) of the points below ``z_max``, robust ends."""
    out = []
    sel = points[:, 2] < z_max
    p = points[sel]
    for a in np.arange(x_lo, x_hi, step):
        s = (p[:, 0] >= a) & (p[:, 0] < a + step)
        if s.sum() < 30:
            continue
        y0, y1 = _kth_extreme(p[s, 1], 3)
        out.append((a + step / 2, y1 - y0, (y0 + y1) / 2))
    return np.array(out) if out else np.zeros((0, 3))


def _medial_band(hm: HeightMap, x_lo: float, x_hi: float, inset_mm: float):
    """Cells of the footprint between x_lo and x_hi, at least ``inset_mm`` inside it."""

    inner = ndimage.distance_transform_edt(hm.footprint) * hm.cell_mm >= inset_mm
    X = hm.xs[:, None] + 0 * hm.ys[None, :]
    return inner & (X >= x_lo) & (X <= x_hi)


def side_evidence(hm: HeightMap, length: float, points: np.ndarray) -> dict:
    """Arch and toe evidence for the side: positive numbers mean a right foot.

    Arch: over the midfoot (35-60 % of the length, 6 mm inside the outline) the plantar
    surface is higher on the medial side.  Toes: the longest toe is medial of the
    forefoot's middle.
    """
    band = _medial_band(hm, 0.35 * length, 0.60 * length, 6.0)
    Y = hm.ys[None, :] + 0 * hm.xs[:, None]
    arch = 0.0
    if band.sum() > 10:
        # Per column: the mean height of the +Y half minus that of the -Y half.
        diffs = []
        for i in np.flatnonzero(band.any(axis=1)):
            js = np.flatnonzero(band[i])
            mid = 0.5 * (hm.ys[js[0]] + hm.ys[js[-1]])
            zz, yy = hm.z[i, js], Y[i, js]
            if (yy > mid).any() and (yy < mid).any():
                diffs.append(np.nanmean(zz[yy > mid]) - np.nanmean(zz[yy < mid]))
        arch = float(np.mean(diffs)) if diffs else 0.0
    tip = points[points[:, 0] > length - 0.12 * length]
    fore = points[(points[:, 0] > 0.6 * length) & (points[:, 0] < 0.75 * length)]
    toe = 0.0
    if len(tip) > 20 and len(fore) > 20:
        y0, y1 = _kth_extreme(fore[:, 1], 3)
        top = tip[tip[:, 0] > np.quantile(tip[:, 0], 0.9)]
        toe = float(np.median(top[:, 1]) - 0.5 * (y0 + y1))
    return {"arch_mm": round(arch, 2), "toe_mm": round(toe, 2)}


def measure_foot(points: np.ndarray, hm: HeightMap, medial_sign: float) -> FootMeasurements:
    """Length, ball and heel width, arch height (see docs/insole.md for the definitions).

    Parameters
    ----------
    points : (n, 3) float, mm, foot frame
    hm : HeightMap
    medial_sign : +1 for a right foot (medial on +Y), -1 for a left foot
    """
    xmin, xmax = _kth_extreme(points[:, 0])
    L = xmax - xmin
    fore = _bin_widths(points, xmin + 0.55 * L, xmin + 0.85 * L, z_max=35.0)
    rear = _bin_widths(points, xmin + 0.03 * L, xmin + 0.30 * L, z_max=20.0)
    if not len(fore) or not len(rear):
        raise ScanError.of(N_("the foot's forefoot or heel is missing from the scan; scan the "
                              "whole sole, heel to toes"))
    b = fore[np.argmax(fore[:, 1])]
    h = rear[np.argmax(rear[:, 1])]
    # Arch: along the medial longitudinal arch, a quarter of the footprint's width in from
    # its medial edge, the highest point of the plantar surface between 30 and 62 % of the
    # length (3-column running mean: one noisy cell does not make an arch).
    cols, heights = [], []
    for i in np.flatnonzero((hm.xs > xmin + 0.30 * L) & (hm.xs < xmin + 0.62 * L)):
        js = np.flatnonzero(hm.footprint[i])
        if len(js) < 5:
            continue
        y0, y1 = hm.ys[js[0]], hm.ys[js[-1]]
        ya = y1 - 0.25 * (y1 - y0) if medial_sign > 0 else y0 + 0.25 * (y1 - y0)
        zc = hm.z[i, js]
        good = np.isfinite(zc)
        cols.append(hm.xs[i])
        heights.append(np.interp(ya, hm.ys[js][good], zc[good]))
    if len(heights) >= 3:
        hs = np.convolve(heights, np.ones(3) / 3, mode="same")[1:-1]
        k = int(np.argmax(hs)) + 1
        arch, ax = float(hs[k - 1]), float(cols[k])
    else:
        arch, ax = 0.0, xmin + 0.45 * L
    return FootMeasurements(foot_length_mm=L, ball_width_mm=b[1], heel_width_mm=h[1],
                            arch_height_mm=arch, met_heads_x_mm=b[0], arch_x_mm=ax,
                            heel_centre_y_mm=h[2], ball_centre_y_mm=b[2])


def check_foot_like(hm: HeightMap, L: float, points: np.ndarray) -> None:
    """Refuse a scan whose main object is not a foot (size, outline, toes, sole contact).

    ``points`` (n, 3) mm are in the foot frame.
    """
    lo, hi = FOOT_LENGTH_RANGE_MM
    if not lo <= L <= hi:
        raise ScanError.of(N_("the object is %(length)s long: a foot is %(range)s; check "
                              "%(units)s (mm, cm or m) or that the scan shows a foot"),
                           length=f"{L:.0f} mm", range=f"{lo:.0f}-{hi:.0f} mm", units="--units")
    width = hm.footprint.any(axis=0).sum() * hm.cell_mm
    if not 0.2 * L <= width <= 0.65 * L:
        raise ScanError.of(N_("the object is %(size)s from above: not a foot's outline (width "
                              "%(share)s of the length); scan the foot, sole in view"),
                           size=f"{L:.0f} x {width:.0f} mm", share="20-65 %")
    # The toes are low: a foot on its side, a limb, a bottle or a box is taller there.
    x0 = np.quantile(points[:, 0], 0.001)
    toes = points[points[:, 0] > x0 + 0.85 * L]
    toe_height = float(np.quantile(toes[:, 2], 0.95)) if len(toes) > 20 else np.inf
    limit = max(0.18 * L, 45.0)
    if toe_height > limit:
        raise ScanError.of(N_("the object's front end stands %(height)s above the floor (a "
                              "foot's toes, under %(limit)s): the foot seems to lie on its "
                              "side, or this is not a foot; scan the foot standing or "
                              "sole-up"), height=f"{toe_height:.0f} mm", limit=f"{limit:.0f} mm")
    contact = np.nansum(hm.z[hm.footprint] < 3.0) / max(1, hm.footprint.sum())
    if contact < 0.05:
        raise ScanError.of(N_("no sole found: only %(share)s of the outline lies on the "
                              "plantar plane (a foot has heel and ball on it); scan the sole of "
                              "a foot"), share=f"{100 * contact:.0f} %")


def process_foot(scan: Scan, params: FootParams | None = None) -> Foot:
    """Clean, align and measure a foot scan.

    Raises
    ------
    ScanError
        No foot (too few points, only a floor, wrong size or shape), or a foot on its side.
    """
    params = params or FootParams()
    lo, hi = np.percentile(scan.points, [1, 99], axis=0)
    extent = float(np.max(hi - lo))
    if not 50.0 <= extent <= 3000.0:
        raise ScanError.of(N_("the scan is %(extent)s across as read (%(units)s, %(source)s): "
                              "a foot is %(range)s long; check %(option)s (mm, cm or m)"),
                           extent=f"{extent:.3g} mm", units=scan.units.value,
                           source=scan.units_source, range="100-400 mm", option="--units")
    pts_in = scan_points(scan, params.voxel_size_mm)
    foot, floor, steps = clean_foot_points(pts_in, params)
    T, notes = foot_frame(foot, floor)
    p = foot @ T[:3, :3].T + T[:3, 3]
    hm = height_map(p, params.height_map_cell_mm)
    xmin, xmax = _kth_extreme(p[:, 0])
    check_foot_like(hm, xmax - xmin, p)
    ev = side_evidence(hm, xmax - xmin, p)
    warnings = []
    if params.scan_side is Side.AUTO:
        score = ev["arch_mm"] + 0.3 * ev["toe_mm"]
        side = Side.RIGHT if score > 0 else Side.LEFT
        source = "arch and toes"
        if abs(ev["arch_mm"]) < 1.0:
            warnings.append(Message.of(N_("the scanned foot's side is uncertain (arch "
                                          "difference %(arch)s); set %(setting)s"),
                                       arch=f"{ev['arch_mm']:+.1f} mm",
                                       setting="scan_side=left or right"))
    else:
        side, source = params.scan_side, "scan_side parameter"
    meas = measure_foot(p, hm, 1.0 if side is Side.RIGHT else -1.0)
    steps.append({"step": "frame", "kept": len(p), "removed": 0,
                  "detail": Message.of(N_("up from the %(surface)s; heel to toe along the long "
                                          "axis"), surface=notes["up_from"])})
    return Foot(points=p, transform=T, side=side, side_source=source, side_evidence=ev,
                heights=hm, measurements=meas, floor_found=floor is not None, steps=steps,
                warnings=warnings)
