"""What every socket template shares: regional wall targets, the distal blend, the join.

A template samples its limb on a ring grid (rows from the distal pole up to the trim line,
columns around the axis), builds the cavity and the outer rows from it, and then calls:

- :func:`wall_targets`: the thickness each row must have (thicker distal dome, thicker band
  along the trim line, a smooth change between);
- :func:`distal_blend`: a fillet ring filling the concave corner where the distal
  block (the 4-hole disc's pedestal or a collar block) meets the shell, the place most FDM
  sockets break;
- :func:`join_interface`: shell + blend + interface block - cavity - cutters with
  manifold3d, refusing anything but one closed body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from prosthetics.errors import N_, GeometryError, ParameterError
from prosthetics.geometry.meshing import SurfaceQuery, closed_oriented, from_manifold, to_manifold
from prosthetics.params import Params, param


@dataclass(frozen=True, kw_only=True)
class WallParams(Params):
    """Regional reinforcement shared by the socket templates (mm)."""

    trim_band_thickness_mm: float | None = param(
        None, label="Trim line band thickness", unit="mm", min=2.0, max=15.0,
        help="Wall along the brim (a ~7 mm trim line cut the stress there by about a "
             "quarter); empty: the wall thickness")
    trim_band_height_mm: float = param(
        20.0, label="Trim line band height", unit="mm", min=5.0, max=80.0,
        help="How far below the trim line the band keeps its full thickness (it then "
             "thins to the wall over 10 mm)")
    distal_blend_radius_mm: float = param(
        0.0, label="Distal blend radius", unit="mm", min=0.0, max=25.0,
        help="Fillet radius where the distal block meets the shell (the concave corner "
             "where FDM sockets break most); 0: none")


def smoothstep(x):
    """0 below 0, 1 above 1, C1-smooth between."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


#: Height over which the distal dome's wall thins to the side wall, above the dome's centre.
DOME_BLEND_MM = 30.0


def wall_targets(row_z: np.ndarray, below_trim: np.ndarray, dome_centre_z_mm: float,
                 wall_mm: float, distal_mm: float, band_mm: float | None,
                 band_height_mm: float, dome_blend_mm: float = DOME_BLEND_MM) -> np.ndarray:
    """Wall thickness (rows,) mm wanted per grid row.

    Parameters
    ----------
    row_z : (rows,) float, mm
        Mean height of each row of the cavity.
    below_trim : (rows,) float, mm
        Mean distance of each row below the trim line (0 for the top row).
    dome_centre_z_mm
        Where the distal dome meets the sides: ``distal_mm`` below it, ``wall_mm`` from
        ``dome_blend_mm`` above it.
    distal_mm
        Distal wall; taken as ``wall_mm`` when thinner.
    band_mm, band_height_mm
        The trim-line band (None: no band): full thickness within ``band_height_mm`` of the
        trim, back to the wall over the next 10 mm; a band thinner than the wall is the wall.
    """
    # The distal end is never thinner than the wall: it is where sockets break.
    distal_mm = max(distal_mm, wall_mm)
    t = distal_mm + (wall_mm - distal_mm) * smoothstep((row_z - dome_centre_z_mm) / dome_blend_mm)
    if band_mm is not None and band_mm > wall_mm:
        w = 1.0 - smoothstep((below_trim - band_height_mm) / 10.0)
        t = t + np.maximum(band_mm - t, 0.0) * w
    return t


def point_segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray):
    """Distance, nearest point and its parameter along the segment (0 at a, 1 at b) from
    points p (..., 2) to segments a-b (..., 2)."""
    ab = b - a
    t = np.clip(np.sum((p - a) * ab, axis=-1) / np.maximum(np.sum(ab * ab, axis=-1), 1e-12),
                0.0, 1.0)
    q = a + t[..., None] * ab
    return np.linalg.norm(p - q, axis=-1), q, t


def distal_blend(outer: np.ndarray, outer_pole: np.ndarray, block_radius_mm: float,
                 radius_mm: float, floor_z_mm: float, k: int = 10,
                 step_mm: float = 0.2) -> trimesh.Trimesh | None:
    """A fillet ring in the concave corner between a vertical block and the shell's outside.

    In each column's (radius, height) profile of the outer surface, a circle of
    ``radius_mm`` tangent to the block's side is raised until it touches the shell; the
    ring fills the space between the block, the shell and that arc.  Its closing edges run
    inside the block and the shell, so after the union only the arc shows.

    Parameters
    ----------
    outer : (rows, cols, 3) float, mm
        Outer rows of the shell, distal first.
    outer_pole : (3,) float, mm
    block_radius_mm
        Radius of the distal block (about the z axis).
    radius_mm
        Fillet radius; 0 gives None.
    floor_z_mm
        The arc starts no lower than this (the block's bed face and chamfer).

    Returns
    -------
    trimesh.Trimesh or None
        None for a zero radius or when the shell is narrower than the block somewhere
        around (no concave corner there).
    """
    if radius_mm <= 0:
        return None
    rows = np.concatenate([np.repeat(outer_pole[None, None], outer.shape[1], axis=1), outer])
    prof = np.stack([np.linalg.norm(rows[..., :2], axis=2), rows[..., 2]], axis=-1)  # (n, m, 2)
    r_b, big = block_radius_mm, radius_mm
    reach = prof[..., 0] >= r_b
    if not reach.any(axis=0).all():
        return None
    m = prof.shape[1]
    c = np.arange(m)
    i = np.argmax(reach, axis=0)
    i0 = np.maximum(i - 1, 0)
    f = np.clip((r_b - prof[i0, c, 0]) / np.maximum(prof[i, c, 0] - prof[i0, c, 0], 1e-9), 0, 1)
    z_j = prof[i0, c, 1] + f * (prof[i, c, 1] - prof[i0, c, 1])          # junction height
    # Candidate centres below each junction, and the profile's segments near it.
    zc = z_j[None] - np.arange(0.0, 3.0 * big + step_mm, step_mm)[:, None]  # (K, m)
    zc = np.maximum(zc, floor_z_mm)
    centre = np.stack([np.full_like(zc, r_b + big), zc], axis=-1)          # (K, m, 2)
    seg_a, seg_b = prof[:-1], prof[1:]                                     # (n-1, m, 2)
    near = (seg_a[..., 1] < z_j[None] + 4 * big) & (np.maximum(seg_a[..., 0], seg_b[..., 0])
                                                     >= r_b - 1e-6)
    # Only the rows of segments near some junction are measured (the others are far in
    # every column): the nearest segment per candidate and column, the first of equals.
    rows_near = np.flatnonzero(near.any(axis=1))
    if not len(rows_near):
        rows_near = np.zeros(1, dtype=int)
    d = point_segment_distance(centre[:, None], seg_a[None, rows_near],
                                seg_b[None, rows_near])[0]                # (K, r, m)
    d = np.where(near[None, rows_near], d, np.inf)
    j_near = np.argmin(d, axis=1)                                          # (K, m)
    dmin = np.take_along_axis(d, j_near[:, None], axis=1)[:, 0]
    # A column without a near segment takes the first one (all are infinitely far).
    j = np.where(near.any(axis=0)[None], rows_near[j_near], 0)
    # Highest candidate whose circle stays off the shell (K runs downward from z_j).
    ok = dmin >= big
    k_hit = np.where(ok.any(axis=0), np.argmax(ok, axis=0), len(zc) - 1)
    z0 = zc[k_hit, c]
    j_hit = j[k_hit, c]
    _, touch, t_hit = point_segment_distance(centre[k_hit, c], seg_a[j_hit, c],
                                             seg_b[j_hit, c])
    cen = np.stack([np.full(m, r_b + big), z0], axis=-1)
    phi_t = np.arctan2(touch[:, 1] - cen[:, 1], touch[:, 0] - cen[:, 0])   # about 90-180 deg
    phi_t = np.where(phi_t < 0, phi_t + 2 * np.pi, phi_t)
    phi = np.pi + (phi_t - np.pi)[None] * np.linspace(0.0, 1.0, k)[:, None]  # (k, m)
    arc_r = cen[None, :, 0] + big * np.cos(phi)
    arc_z = cen[None, :, 1] + big * np.sin(phi)
    arc_r[-1], arc_z[-1] = touch[:, 0], touch[:, 1]
    # Start just inside the block: a ring lying exactly on its (faceted) side would touch
    # it along an edge, and the union would pinch there.
    arc_r[0] -= 0.3
    # Close the profile inside the shell (just above the touching point) and the block.
    top_z = (touch[:, 1] + 0.5)[None]
    inner_r = np.full((1, m), r_b - 1.0)
    prof_r = np.concatenate([inner_r, arc_r, touch[None, :, 0], inner_r])
    prof_z = np.concatenate([z0[None], arc_z, top_z, top_z])
    # The columns turn a little with height: each profile is laid at the angle of the point
    # of its column where the arc touches the wall, so that the arc ends on the wall (laid
    # at the junction's angle, the end lay up to 0.4 mm off the wall on the sample limb).
    on_wall = rows[j_hit, c] + t_hit[:, None] * (rows[j_hit + 1, c] - rows[j_hit, c])
    theta = np.arctan2(on_wall[:, 1], on_wall[:, 0])
    ring_pts = np.stack([prof_r * np.cos(theta), prof_r * np.sin(theta), prof_z], axis=-1)
    n = ring_pts.shape[0]
    jj = np.arange(m)
    jn = (jj + 1) % m
    faces = []
    for r in range(n):                                            # the profile is closed
        a0, b0 = r * m + jj, r * m + jn
        a1, b1 = ((r + 1) % n) * m + jj, ((r + 1) % n) * m + jn
        faces += [np.column_stack([a0, b0, b1]), np.column_stack([a0, b1, a1])]
    return closed_oriented(ring_pts.reshape(-1, 3), np.vstack(faces))


#: How far the cavity is pushed out (mm) when the booleans over the shell's inner face, which
#: the cavity's surface shares, pinch the body there: the join made again cuts the shell's
#: inner face 0.01 mm deeper, far below anything a printer makes.
CAVITY_NUDGE_MM = 0.01
#: The wall (mm) that must stand between a pinch and the socket's outer surface for the
#: pinch to be taken for the shared face's artefact (and the join made again); a pinch
#: closer to the outside is the outer wall folding into the cavity, and is refused.
PINCH_WALL_MM = 1.0


def join_interface(shell: trimesh.Trimesh, cavity: trimesh.Trimesh, block: trimesh.Trimesh,
                   cutters: trimesh.Trimesh, extra: list | tuple = (),
                   holes=None) -> trimesh.Trimesh:
    """(shell + extra + block) - cavity - cutters - holes as one closed body (manifold3d).

    ``holes`` is a manifold3d Manifold (the ventilation holes' union) or None.  The shell's
    inner face is the cavity's surface: where manifold3d pinches the body on that shared
    face (two sheets touching along an edge; seen on a whole leg whose calf bulges over a
    narrower distal end) while the wall there is sound (:data:`PINCH_WALL_MM` or more to the
    outer surface), the join is made again with the cavity pushed out by
    :data:`CAVITY_NUDGE_MM`.

    Raises
    ------
    GeometryError
        When a part is not closed or the result is not one body.
    ParameterError
        When the result is not closed and the outer wall folds into the cavity (or the join
        made again is still not closed).
    """
    mesh = _joined(shell, cavity, block, cutters, extra, holes)
    if mesh.is_watertight:
        return mesh
    ends = _pinch_ends(mesh)
    if _wall_near(shell, cavity, ends) >= PINCH_WALL_MM:
        nudged = trimesh.Trimesh(cavity.vertices + CAVITY_NUDGE_MM * cavity.vertex_normals,
                                 cavity.faces, process=False)
        mesh = _joined(shell, nudged, block, cutters, extra, holes)
        # Where the cavity folds over itself (a dimpled distal dome) the second join is
        # closed but leaves a fin a hundredth of a millimetre thick: refused too.
        if mesh.is_watertight and _thinnest_near(mesh, ends) >= PINCH_WALL_MM:
            return mesh
    # Seen when thick offsets fold the outer wall over itself (a thick distal wall plus
    # a thick liner allowance over a small dome): the union pinches where it folds.
    raise ParameterError.of(N_(
        "the socket's outer wall folds over itself (the union is not a closed surface); "
        "reduce %(distal)s, %(wall)s or %(liner)s, or the distal blend"),
        distal="distal_wall_thickness_mm", wall="wall_thickness_mm", liner="liner_offset_mm")


def _pinch_ends(mesh: trimesh.Trimesh) -> np.ndarray:
    """The ends (n, 3) of ``mesh``'s edges not shared by exactly two faces."""
    edges, counts = np.unique(mesh.edges_sorted, axis=0, return_counts=True)
    return mesh.vertices[np.unique(edges[counts != 2])]


def _wall_near(shell: trimesh.Trimesh, cavity: trimesh.Trimesh, points: np.ndarray) -> float:
    """The least distance (mm) from ``points`` to the shell's outer surface (its faces off
    the cavity's surface); 0 when there are no points or no such face."""
    off = SurfaceQuery(cavity).distance(shell.vertices) > CAVITY_NUDGE_MM
    outer = shell.faces[np.all(off[shell.faces], axis=1)]
    if not len(points) or not len(outer):
        return 0.0
    return float(SurfaceQuery(trimesh.Trimesh(shell.vertices, outer, process=False))
                 .distance(points).min())


def _thinnest_near(mesh: trimesh.Trimesh, points: np.ndarray, radius_mm: float = 10.0) -> float:
    """The thinnest material (mm) under ``mesh``'s faces within ``radius_mm`` of ``points``:
    from each face's centre, inward along its normal to the next surface."""
    from scipy.spatial import cKDTree

    centres = mesh.triangles_center
    near = np.flatnonzero(cKDTree(points).query(centres, distance_upper_bound=radius_mm)[0]
                          < np.inf)
    if not len(near):
        return np.inf
    n = mesh.face_normals[near]
    start = centres[near] - 1e-4 * n
    return float(SurfaceQuery(mesh).cast(start, -n).min() + 1e-4)


def _joined(shell: trimesh.Trimesh, cavity: trimesh.Trimesh, block: trimesh.Trimesh,
            cutters: trimesh.Trimesh, extra, holes) -> trimesh.Trimesh:
    """The booleans of :func:`join_interface`, as a mesh (closed or not)."""
    try:
        body = to_manifold(shell) + to_manifold(block)
        for e in extra:
            body = body + to_manifold(e)
        body = body - to_manifold(cavity) - to_manifold(cutters)
        if holes is not None:
            body = body - holes
    except ValueError as exc:
        raise GeometryError.of(N_("socket shell is not a closed surface (%(error)s); try a "
                                  "smaller %(wall)s or more %(rows)s"), error=exc,
                               wall="wall_thickness_mm", rows="grid_rows") from None
    pieces = body.decompose()
    if len(pieces) > 1:
        # Booleans over nearly coincident faces can leave slivers and crumbs (zero or tiny
        # volume, nothing a printer could make): drop pieces under 0.1 % of the largest.
        largest = max(pc.volume() for pc in pieces)
        solid = [pc for pc in pieces if pc.volume() > max(1.0, 1e-3 * largest)]
        if len(solid) == 1:
            body = solid[0]
            pieces = solid
    if len(pieces) != 1:
        vols = sorted((pc.volume() for pc in pieces), reverse=True)
        raise GeometryError.of(N_("socket came out as %(count)s bodies (volumes %(volumes)s); "
                                  "check the adapter parameters against the limb's size"),
                               count=len(pieces),
                               volumes=f"{', '.join(f'{v / 1000:.1f}' for v in vols[:4])} ml")
    return from_manifold(body)
