"""Floor, table and wall removal: RANSAC planes the object stood on or lay against.

A phone scan holds what the limb or foot stood on or lay against: a floor, a table, a wall.
:func:`find_floor` finds a candidate plane; :func:`remove_floors` removes up to a given
number of them with everything beyond them, each only where the scan shows it is not part
of the object: the object is on one side of it, and the plane reaches well beyond the
outline the object casts on it (the flat side of a thin or conical limb is as wide as a
small floor, but lies within the limb's own outline).  Limb cleaning
(:mod:`prosthetics.scan.clean`) and foot cleaning (:mod:`prosthetics.insoles.foot`) both
use it, each with its own thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, cKDTree


def quiet_open3d():
    """The ``open3d`` module, imported on first use, printing errors only.

    Imported here rather than at the top: Open3D takes over a second to import, and the
    design layer loads this module (through the cleaning of limbs and feet) when it loads.
    """
    import open3d as o3d

    o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)
    return o3d


#: RANSAC draws this many planes through three points of the scan...
RANSAC_ITERATIONS = 1000
#: ...and scores each by its points within the tolerance among at most this many points
#: (a seeded random subset: a floor holds thousands of them, so the best plane is the same
#: to well within the tolerance).
RANSAC_MAX_POINTS = 60_000
#: Candidate planes scored at once (a block of distances of this many planes times the
#: subset's points).
_RANSAC_BLOCK = 100


def ransac_plane(points: np.ndarray, tolerance_mm: float, seed: int
                 ) -> tuple[np.ndarray, float] | None:
    """The plane holding the most points within ``tolerance_mm``, repeatably.

    Seeded RANSAC in numpy: every candidate is scored (no early stop), ties go to the first
    drawn, so the same points and seed give the same plane on any machine and under any
    load (Open3D's parallel RANSAC stops after a number of draws that depends on thread
    timing, so it can return another plane from one run to the next).  The plane is the
    best candidate itself: a least-squares refit to its inliers would lean towards the
    object's points within the tolerance of a floor it stands on.

    Returns
    -------
    (normal (3,), offset mm) or None when no three points span a plane.
    """
    rng = np.random.default_rng(seed)
    pts = np.asarray(points, dtype=np.float64)
    score = pts
    if len(pts) > RANSAC_MAX_POINTS:
        score = pts[np.sort(rng.choice(len(pts), RANSAC_MAX_POINTS, replace=False))]
    tri = score[rng.integers(0, len(score), (RANSAC_ITERATIONS, 3))]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(normals, axis=1)
    ok = length > 1e-9
    if not ok.any():
        return None
    normals[ok] /= length[ok, None]
    offsets = -np.einsum("ij,ij->i", normals, tri[:, 0])
    counts = np.zeros(RANSAC_ITERATIONS, dtype=np.int64)
    centre = score.mean(axis=0)
    local = (score - centre).astype(np.float32)
    off_local = (offsets + normals @ centre).astype(np.float32)
    nrm32 = normals.astype(np.float32)
    for i in range(0, RANSAC_ITERATIONS, _RANSAC_BLOCK):
        d = local @ nrm32[i:i + _RANSAC_BLOCK].T
        d += off_local[i:i + _RANSAC_BLOCK]
        counts[i:i + _RANSAC_BLOCK] = (np.abs(d) <= tolerance_mm).sum(axis=0)
    counts[~ok] = -1
    best = int(np.argmax(counts))
    return normals[best], float(offsets[best])


def _best_plane(points: np.ndarray, tolerance_mm: float, seed: int, min_spread_mm: float):
    """The RANSAC plane of :func:`find_floor` and its inliers' indices, or None."""
    if len(points) < 50:
        return None
    found = ransac_plane(points, tolerance_mm, seed)
    if found is None:
        return None
    n, off = found
    inliers = np.flatnonzero(np.abs(points @ n + off) <= tolerance_mm)
    if len(inliers) < max(50, 0.03 * len(points)):
        return None
    inl = points[inliers]
    sv = np.linalg.svd(inl - inl.mean(axis=0), full_matrices=False, compute_uv=False)
    spread = sv / np.sqrt(len(inl))
    if spread[1] < min_spread_mm:
        return None
    return n, off, inliers


def find_floor(points: np.ndarray, tolerance_mm: float, seed: int = 0, *,
               min_spread_mm: float = 30.0):
    """Find a candidate floor or table plane: a RANSAC plane whose inliers are wide both ways.

    A candidate only: the flat side of a thin or conical limb can be as wide.  Whether the
    plane is something the object stood on or lay against is decided by
    :func:`remove_floors`, from where the rest of the scan lies.

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
    found = _best_plane(np.asarray(points, dtype=float), tolerance_mm, seed, min_spread_mm)
    return None if found is None else found[:2]


@dataclass
class RefusedPlane:
    """A plane :func:`remove_floors` found and left in the scan, and why.

    Attributes
    ----------
    normal : (3,) float
        Unit normal, pointing towards the object when the object is on one side.
    offset : float, mm
    reason : str
        Why it was left: ``"through the object"`` (much of the scan on both sides of it),
        ``"part of the object"`` (its points lie within the object's own outline: a flat
        side of a limb) or ``"takes the object"`` (a floor or wall that touches the object:
        removing it would take ``object_share`` of the object with it).
    inliers : int
        Points on the plane.
    outside_share : float
        Share of the plane's points outside the outline the object casts on it.
    object_share : float
        Share of the object's points that removing the plane would have taken.
    """

    normal: np.ndarray
    offset: float
    reason: str
    inliers: int = 0
    outside_share: float = 0.0
    object_share: float = 0.0


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
    refused : list of RefusedPlane
        Planes found and left in the scan, in the order found.
    colors : (k, 3) array or None
        The colours of the points kept, when colours were given.
    """

    points: np.ndarray
    planes: list = field(default_factory=list)
    removed: int = 0
    only_floor: bool = False
    refused: list = field(default_factory=list)
    colors: np.ndarray | None = None

    def planes_as_lists(self) -> list[list[float]]:
        """The planes as ``[nx, ny, nz, offset]`` lists (for report.json)."""
        return [[*map(float, n), float(d)] for n, d in self.planes]

    @property
    def touching(self) -> list[RefusedPlane]:
        """The refused planes that were floors or walls touching the object."""
        return [r for r in self.refused if r.reason == "takes the object"]


def _plane_basis(normal: np.ndarray) -> np.ndarray:
    """(3, 2): two unit directions in the plane of ``normal``, at right angles."""
    e = np.eye(3)[int(np.argmin(np.abs(normal)))]
    u = np.cross(normal, e)
    u /= np.linalg.norm(u)
    return np.column_stack([u, np.cross(normal, u)])


def _outline(obj_uv: np.ndarray, lo: np.ndarray, cell_mm: float, shape, margin_mm: float):
    """The outline the object casts on a plane, as a raster of cells (bool, ``shape``).

    Cells with two or more of the object's points; each piece (cells less than two cells
    apart) is filled to its convex hull (a patch the scan did not see on the object's far
    side leaves a gap in its shadow, even at its edge, but not in its outline), and the
    whole is widened by ``margin_mm``.
    """
    ij = np.floor((obj_uv - lo) / cell_mm).astype(np.int64)
    counts = np.zeros(shape, dtype=np.int32)
    np.add.at(counts, (ij[:, 0], ij[:, 1]), 1)
    occ = counts >= 2
    labels, _n = ndimage.label(ndimage.binary_dilation(occ, iterations=1))
    labels[~occ] = 0
    for k, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        cells = np.argwhere(labels[box] == k)
        if len(cells) < 3 or np.linalg.matrix_rank(cells - cells[0]) < 2:
            continue
        # The cells' corners, so a hull of a row of cells is not flat.
        corners = (cells[:, None, :] + np.array([[0, 0], [0, 1], [1, 0], [1, 1]])).reshape(-1, 2)
        eq = ConvexHull(corners).equations
        grid = np.argwhere(np.ones(labels[box].shape, dtype=bool)) + 0.5
        inside = (grid @ eq[:, :2].T + eq[:, 2] <= 1e-9).all(axis=1)
        occ[box] |= inside.reshape(labels[box].shape)
    grow = int(np.ceil(margin_mm / cell_mm))
    if grow:
        occ = ndimage.binary_dilation(occ, iterations=grow)
    return occ


def _outline_share(pts, nrm, inliers, object_side, cell_mm, margin_mm):
    """Share of a plane's inliers outside the outline the object casts on it, which
    points lie inside that outline ((n,) bool), and the raster's frame (basis (3, 2),
    lower corner (2,), cell size mm, shape)."""
    basis = _plane_basis(nrm)
    uv = pts @ basis
    obj_uv, inl_uv = uv[object_side], uv[inliers]
    lo = np.minimum(obj_uv.min(axis=0), inl_uv.min(axis=0)) - 2 * cell_mm
    hi = np.maximum(obj_uv.max(axis=0), inl_uv.max(axis=0)) + 2 * cell_mm
    # A very large scene (a room) gets coarser cells: at most about 1,000 a side.
    cell = max(cell_mm, float(np.max(hi - lo)) / 1000.0)
    shape = tuple(np.ceil((hi - lo) / cell).astype(int) + 1)
    occ = _outline(obj_uv, lo, cell, shape, margin_mm)
    ij = np.clip(np.floor((uv - lo) / cell).astype(np.int64), 0, np.array(shape) - 1)
    inside = occ[ij[:, 0], ij[:, 1]]
    return 1.0 - float(inside[inliers].mean()), inside, (basis, lo, cell, shape)


def _attached(pts: np.ndarray, anchor: np.ndarray, near: np.ndarray, step_mm: float):
    """Which of the points ``near`` hang together with the points ``anchor``: joined to
    them through steps of at most ``step_mm`` ((n,) bool, a subset of ``near``)."""
    out = np.zeros(len(pts), dtype=bool)
    cand = np.flatnonzero(near)
    if not len(cand) or not anchor.any():
        return out
    d, _ = cKDTree(pts[anchor]).query(pts[cand], distance_upper_bound=step_mm)
    seeds = np.isfinite(d)
    if not seeds.any():
        return out
    pairs = cKDTree(pts[cand]).query_pairs(step_mm, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(cand), len(cand)))
    _n, comp = connected_components(graph, directed=False)
    out[cand[np.isin(comp, np.unique(comp[seeds]))]] = True
    return out


def _object_near_plane(pts, sd, keep, inside, uv_frame, tolerance_mm, clearance_mm,
                       colors=None):
    """The object's points within the clearance of a plane, off it, and the share of the
    object a removal of the plane would take.

    Parameters
    ----------
    uv_frame : (basis (3, 2), lo (2,), cell_mm float, shape)
        The raster of the object's outline on the plane (:func:`_outline_share`).

    Returns
    -------
    spare : (n,) bool
        Points on the object's side, between ``tolerance_mm`` and ``clearance_mm`` from the
        plane, inside the object's outline and joined to the rest of the object.
    share : float
        Share of the object's points the removal takes even so: its points on the plane
        (where it touches or presses on the plane: the plane's points within the footprint
        of the object's low part, in the object's colour when the colours tell the two
        apart) and those beyond the plane inside its outline.
    """
    step = 1.5 * tolerance_mm
    anchor = keep & inside & (sd < clearance_mm + step)
    near = inside & ~keep & (sd > tolerance_mm)
    spare = _attached(pts, anchor, near, step)
    on_plane = np.flatnonzero(inside & (np.abs(sd) <= tolerance_mm))
    touching = np.zeros(0, dtype=np.int64)
    if len(on_plane) and spare.sum() >= 3:
        basis, lo, cell, shape = uv_frame
        # Where the object touches the plane, its points within the clearance ring the
        # patch it touches (open at most on one side, at the scan's rim): each piece of
        # them filled to its hull is that patch.
        foot = _outline(pts[spare] @ basis, lo, cell, shape, cell)
        ij = np.clip(np.floor((pts[on_plane] @ basis - lo) / cell).astype(np.int64), 0,
                     np.array(shape) - 1)
        touching = on_plane[foot[ij[:, 0], ij[:, 1]]]
        if colors is not None and len(touching):
            plane = ~inside & (np.abs(sd) <= tolerance_mm)
            touching = touching[_coloured_like(colors, spare | anchor, plane, touching)]
    # Beyond the plane, only what lies further than the clearance: a floor's own points
    # scatter a few millimetres behind it (a phone's noise, a mesh's underside), and were
    # counted as an object sunk into it.
    taken = len(touching) + int((inside & (sd < -clearance_mm)).sum())
    return spare, taken / max(1, int(keep.sum() + spare.sum()) + taken)


def _coloured_like(colors: np.ndarray, obj: np.ndarray, plane: np.ndarray,
                   which: np.ndarray) -> np.ndarray:
    """Which of the points ``which`` (indices) are coloured more like the points ``obj``
    than like the points ``plane`` (bool, ``len(which)``); all of them when there are too
    few of either, or the two colours are too alike to tell apart."""
    every = np.ones(len(which), dtype=bool)
    if obj.sum() < 20 or plane.sum() < 20:
        return every
    c = np.asarray(colors, dtype=float)
    ref_o, ref_p = np.median(c[obj], axis=0), np.median(c[plane], axis=0)
    spread = max(np.median(np.linalg.norm(c[m] - r, axis=1))
                 for m, r in ((obj, ref_o), (plane, ref_p)))
    if np.linalg.norm(ref_o - ref_p) < 3.0 * max(spread, 1e-6):
        return every
    cw = c[which]
    return np.linalg.norm(cw - ref_o, axis=1) < np.linalg.norm(cw - ref_p, axis=1)


def remove_floors(points: np.ndarray, tolerance_mm: float, clearance_mm: float, *,
                  max_planes: int, min_object_points: int = 1,
                  max_beyond_fraction: float = 0.05, min_outside_share: float = 0.3,
                  max_object_share: float | None = None, outline_cell_mm: float = 5.0,
                  outline_margin_mm: float = 10.0, max_refused: int = 3,
                  colors: np.ndarray | None = None, seed: int = 0,
                  strip_touching: bool = False) -> FloorRemoval:
    """Remove floors, tables and walls (up to ``max_planes``) with everything beyond them.

    Each plane found by :func:`find_floor` is weighed against the rest of the scan, and is
    removed only when it is not part of the object:

    - the scene is on one side of it: of the points further than ``clearance_mm`` from it,
      at most ``max_beyond_fraction`` lie on the side with fewer points (a plane with much
      on both sides runs through the object);
    - it reaches well beyond the object: at least ``min_outside_share`` of its points lie
      outside the outline the object casts on it (a floor or a wall is wider than what
      stands on it or in front of it; the flat side of a thin or conical limb lies within
      the limb's own outline, however wide it is).

    The points within ``clearance_mm`` of a removed plane and those beyond it are removed,
    except, with ``max_object_share`` set, the object's own: the points off the plane,
    inside the object's outline, that hang together with the rest of it (a distal end
    closer to the floor than the clearance).  The object's points on the plane itself (the
    part of it touching the plane) are then all a removal takes; a plane that would take
    more than ``max_object_share`` of the object (a table the limb lies along) is left in
    (:attr:`FloorRemoval.touching`) rather than cut into the object.

    A plane that fails is left in and recorded (:attr:`FloorRemoval.refused`).  After a
    plane through the object the search stops (no floor or wall is left that holds more
    points than a slice of the object); after the others it goes on among the points off
    them, up to ``max_refused`` refusals (a limb's flat side can hold more points than a
    wall behind it).

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
    min_outside_share : float
        Least share of a plane's points outside the object's outline on it.
    max_object_share : float or None
        Largest share of the object's points a removal may take; None: no limit, and
        nothing is spared within the clearance (a foot stands on its floor, and its sole
        within the clearance goes with it).
    outline_cell_mm, outline_margin_mm : float, mm
        Cell size of the object's outline on a plane, and how far the outline is widened.
    max_refused : int
        Planes left in before the search stops.
    colors : (n, 3) array or None
        The points' colours (any scale), when the scan has them: where the object touches
        a plane, the plane's points in the object's colour are counted as the object's.
    seed : int
        RANSAC seed.
    strip_touching : bool
        A plane left in because it touches the object still loses what lies outside the
        object's outline on it (and beyond it there): the floor around the limb and the
        other foot standing on it, so that it no longer joins them into one object.  The
        object and the plane's patch within its outline stay.

    Returns
    -------
    FloorRemoval
    """
    pts = np.asarray(points, dtype=float)
    cols = None if colors is None else np.asarray(colors)
    out = FloorRemoval(points=pts, colors=cols)
    # Points near refused planes: kept, but not searched again for a plane.
    searched = np.ones(len(pts), dtype=bool)
    while len(out.planes) < max_planes and len(out.refused) < max_refused:
        idx = np.flatnonzero(searched)
        found = _best_plane(pts[idx], tolerance_mm, seed, 30.0)
        if found is None:
            break
        nrm, off, inl = found
        inliers = idx[inl]
        sd = pts @ nrm + off
        far = np.abs(sd) > clearance_mm
        if far.sum() < min_object_points:
            out.removed += int((~far).sum())
            out.points, out.only_floor = pts[far], True
            out.colors = None if cols is None else cols[far]
            return out
        # The object is on the side of the plane where most other points are.
        side = np.sign(np.median(sd[far])) or 1.0
        nrm, off, sd = nrm * side, off * side, sd * side
        keep = sd > clearance_mm
        verdict = RefusedPlane(normal=nrm, offset=off, reason="", inliers=len(inliers))
        if (far & (sd < 0)).sum() > max_beyond_fraction * far.sum():
            verdict.reason = "through the object"
        else:
            verdict.outside_share, inside, frame = _outline_share(
                pts, nrm, inliers, keep, outline_cell_mm, outline_margin_mm)
            if verdict.outside_share < min_outside_share:
                verdict.reason = "part of the object"
            elif max_object_share is not None:
                spare, verdict.object_share = _object_near_plane(
                    pts, sd, keep, inside, frame, tolerance_mm, clearance_mm, cols)
                if verdict.object_share > max_object_share:
                    verdict.reason = "takes the object"
                keep |= spare
        if verdict.reason == "takes the object" and strip_touching:
            # Keep the object whole, and the plane only within its outline.
            strip = ~inside & (sd <= clearance_mm)
            out.removed += int(strip.sum())
            pts, searched, sd = pts[~strip], searched[~strip], sd[~strip]
            cols = None if cols is None else cols[~strip]
        if verdict.reason:
            out.refused.append(verdict)
            if verdict.reason == "through the object":
                # The best plane left cuts through the object: no floor or wall is left
                # that holds more points than a slice of it.
                break
            searched &= np.abs(sd) > clearance_mm
            continue
        out.removed += int((~keep).sum())
        pts, searched = pts[keep], searched[keep]
        cols = None if cols is None else cols[keep]
        out.planes.append((nrm, off))
    out.points, out.colors = pts, cols
    return out


__all__ = ["FloorRemoval", "RefusedPlane", "find_floor", "quiet_open3d", "remove_floors"]
