"""Measurements of a limb surface in the limb frame: sections, circumferences, widths, volume.

The limb frame has +Z proximal along the long axis with the distal end at z = 0 and +Y
anterior, so a circumference "at z" is the section of the plane ``z = const``.

Each level has two circumferences: the true perimeter of the section, which follows every
hollow of the skin, and the one a tape measure reads, which bridges the hollows: the
perimeter of the section's convex hull.  On a convex section they are equal; where the skin
dips (between the tibial crest and the calf, a scar, a fold) the tape reads less.

The volume below every level is kept too (``volume_by_level`` in report.json), so scans that
end at different heights can be compared below one common level without their meshes
(:mod:`prosthetics.cases.trends`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh
from scipy.spatial import ConvexHull, QhullError

from prosthetics.errors import GeometryError
from prosthetics.geometry.meshing import proximal_rim_z  # noqa: F401  (part of this module's API)
from prosthetics.params import Params, param

#: One sock ply is about 1.1 % of the limb's volume (Sanders 2007).
SOCK_PLY_PERCENT = 1.1


@dataclass(frozen=True, kw_only=True)
class MeasureParams(Params):
    circumference_spacing_mm: float = param(10.0, label="Circumference spacing", unit="mm",
                                            min=2.0, max=100.0,
                                            help="Levels from the distal end at this spacing")


@dataclass(frozen=True, kw_only=True)
class Section:
    """The largest closed loop of a horizontal section.

    Attributes
    ----------
    z_mm : float
    perimeter_mm, area_mm2 : float
    centroid_xy : (2,) float, mm
    ap_mm, ml_mm : float
        Antero-posterior (y) and medio-lateral (x) widths.
    loop : (k, 2) float, mm
        The loop's x, y coordinates, its first point repeated at the end.
    tape_mm : float
        The circumference as a tape measure reads it: the perimeter of the loop's convex
        hull (a tape bridges the hollows).  At most ``perimeter_mm``; equal on a convex loop.
    """

    z_mm: float
    perimeter_mm: float
    area_mm2: float
    centroid_xy: np.ndarray
    ap_mm: float
    ml_mm: float
    loop: np.ndarray
    tape_mm: float = float("nan")


def _edge_crossings(vertices: np.ndarray, faces: np.ndarray, z: float):
    """Where the plane ``z`` crosses the faces: per crossing face, the keys of the two edges
    it crosses (each edge a pair of vertex ids, lower first), (m, 2) int, and each edge's
    crossing point, keyed."""
    above = vertices[:, 2] >= z
    fa = above[faces]
    n_above = fa.sum(axis=1)
    cross = (n_above == 1) | (n_above == 2)
    f, fa = faces[cross], fa[cross]
    if not len(f):
        return None
    # Each crossing face crosses exactly two of its edges (0-1, 1-2, 2-0).
    starts = f
    ends = np.roll(f, -1, axis=1)
    crossed = fa != np.roll(fa, -1, axis=1)
    lo, hi = np.minimum(starts, ends)[crossed], np.maximum(starts, ends)[crossed]
    n = len(vertices)
    keys = (lo * n + hi).reshape(-1, 2)
    # The same edge gives the same point from both of its faces: computed from the edge's
    # lower-id end.
    zl, zh = vertices[lo, 2], vertices[hi, 2]
    t = ((z - zl) / (zh - zl))[:, None]
    pts = vertices[lo, :2] + t * (vertices[hi, :2] - vertices[lo, :2])
    return keys, pts


def _closed_loops(keys: np.ndarray, pts: np.ndarray) -> list[np.ndarray]:
    """The closed loops of a section (each an ordered (k + 1, 2) array of x, y ending where
    it starts); chains that do not close (an open edge of the surface) and junctions are
    left out."""
    flat = keys.ravel()
    uniq, first, inv = np.unique(flat, return_index=True, return_inverse=True)
    node_xy = pts[first]
    seg = inv.reshape(-1, 2)
    deg = np.bincount(seg.ravel(), minlength=len(uniq))
    # The (first two) neighbours of each node: the other ends of the segments it is in.
    ends, other = seg.ravel(), seg[:, ::-1].ravel()
    order = np.argsort(ends, kind="stable")
    at = np.searchsorted(ends[order], np.arange(len(uniq)))
    nb = np.full((len(uniq), 2), -1)
    nb[deg >= 1, 0] = other[order[at[deg >= 1]]]
    nb[deg >= 2, 1] = other[order[at[deg >= 2] + 1]]
    seen = np.zeros(len(uniq), dtype=bool)
    loops = []
    for start in range(len(uniq)):
        if seen[start] or deg[start] != 2:
            continue
        order, prev, cur, closed = [start], -1, start, False
        seen[start] = True
        while True:
            nxt = nb[cur, 0] if nb[cur, 0] != prev else nb[cur, 1]
            if nxt < 0 or deg[nxt] != 2:
                break
            if nxt == start:
                closed = True
                break
            if seen[nxt]:
                break
            seen[nxt] = True
            order.append(nxt)
            prev, cur = cur, nxt
        if closed and len(order) >= 3:
            loops.append(node_xy[order + [start]])         # closed: the first point again
    return loops


def _polygon(loop: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Perimeter, area and centroid of a closed loop (any direction; the first point may be
    repeated at the end)."""
    x, y = loop[:, 0], loop[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    a2 = cross.sum()
    perimeter = float(np.hypot(xn - x, yn - y).sum())
    if abs(a2) < 1e-12:
        return perimeter, 0.0, loop.mean(axis=0)
    c = np.array([((x + xn) * cross).sum(), ((y + yn) * cross).sum()]) / (3.0 * a2)
    return perimeter, abs(a2) / 2.0, c


def tape_perimeter(loop: np.ndarray) -> float:
    """The circumference a tape measure reads around a closed loop: the perimeter of its
    convex hull (mm).

    Parameters
    ----------
    loop : (k, 2) float, mm
        The loop's points (the first may be repeated at the end).
    """
    pts = np.asarray(loop, dtype=float)[:, :2]
    try:
        # In two dimensions Qhull's "area" is the hull's perimeter.
        return float(ConvexHull(pts).area)
    except (QhullError, ValueError):       # fewer than three points, or all on one line
        return float(2.0 * np.ptp(pts, axis=0).max()) if len(pts) else 0.0


def sections(mesh: trimesh.Trimesh, z_levels: np.ndarray) -> list[Section | None]:
    """Horizontal sections of ``mesh`` at ``z_levels`` (mm); None where nothing closes.

    Each section is the largest closed loop the plane cuts from the surface.  The loops are
    chained by the mesh edges they cross, on vertices merged by position, so a surface
    whose triangles do not share vertex indices still closes (trimesh's own sections build
    a 2D path per level, four to ten times slower).
    """
    z_levels = np.asarray(z_levels, dtype=float)
    vertices = np.asarray(mesh.vertices, dtype=float)
    # Vertices at the same position are one vertex: the chains follow shared edges.
    _u, canon = np.unique(np.round(vertices, 6), axis=0, return_inverse=True)
    canon = canon.ravel()
    first = np.full(canon.max() + 1, len(vertices))
    np.minimum.at(first, canon, np.arange(len(vertices)))
    faces = first[canon][np.asarray(mesh.faces)]
    zf = vertices[:, 2][faces]
    zmin, zmax = zf.min(axis=1), zf.max(axis=1)
    out: list[Section | None] = []
    for z in z_levels:
        near = (zmin <= z) & (zmax >= z)
        crossing = _edge_crossings(vertices, faces[near], float(z)) if near.any() else None
        loops = _closed_loops(*crossing) if crossing is not None else []
        if not loops:
            out.append(None)
            continue
        shapes = [_polygon(lp) for lp in loops]
        i = int(np.argmax([a for _p, a, _c in shapes]))
        loop, (perimeter, area, c) = loops[i], shapes[i]
        out.append(Section(z_mm=float(z), perimeter_mm=perimeter, area_mm2=area,
                           centroid_xy=c, ap_mm=float(np.ptp(loop[:, 1])),
                           ml_mm=float(np.ptp(loop[:, 0])), loop=loop,
                           tape_mm=tape_perimeter(loop)))
    return out


def volume_below(mesh: trimesh.Trimesh, z_top_mm: float) -> float:
    """Volume (mm^3) enclosed by an open surface and the plane ``z = z_top_mm``.

    The surface is cut at the plane and closed by it.  By the divergence theorem with the
    field (0, 0, z - z_top), which vanishes on the plane, the cap contributes nothing, so the
    volume is the sum over triangles of (z_centroid - z_top) * area * n_z.  Needs outward
    normals; exact for a triangulated surface.
    """
    part = mesh.slice_plane([0.0, 0.0, z_top_mm], [0.0, 0.0, -1.0])
    if part is None or not len(part.faces):
        return 0.0
    zc = part.triangles_center[:, 2] - z_top_mm
    # area * unit normal = half the cross product, so this is exact.
    an = part.area_faces * part.face_normals[:, 2]
    return float(abs(np.sum(zc * an)))


def volumes_below(mesh: trimesh.Trimesh, z_levels) -> np.ndarray:
    """Volume (mm^3) enclosed by an open surface and each plane ``z = h`` of ``z_levels``:
    :func:`volume_below` at many levels at once, exactly (the same divergence-theorem sum).

    Triangles wholly below a level add (z_centroid - h) * area * n_z, summed for all levels
    at once from running sums over the triangles sorted by their highest corner; a triangle
    the plane crosses adds the integral over its part below the plane (its corner on one
    side and the two crossing points make a small triangle: that triangle, or the whole
    less it).

    Parameters
    ----------
    mesh
        Outward normals, in the limb frame (mm).
    z_levels : (k,) float, mm

    Returns
    -------
    (k,) float, mm^3
    """
    levels = np.atleast_1d(np.asarray(z_levels, dtype=float))
    tri = np.asarray(mesh.triangles, dtype=float)
    z = tri[:, :, 2]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = 0.5 * np.linalg.norm(cross, axis=1)
    nz = np.divide(cross[:, 2], 2.0 * area, out=np.zeros(len(tri)), where=area > 0)
    an = area * nz
    zc = z.mean(axis=1)
    zmin, zmax = z.min(axis=1), z.max(axis=1)
    order = np.argsort(zmax, kind="stable")
    c1 = np.concatenate([[0.0], np.cumsum((zc * an)[order])])
    c2 = np.concatenate([[0.0], np.cumsum(an[order])])
    k = np.searchsorted(zmax[order], levels, side="right")
    out = c1[k] - levels * c2[k]
    for i, h in enumerate(levels):
        f = np.flatnonzero((zmin < h) & (zmax > h))
        if not len(f):
            continue
        below = z[f] < h
        lone_below = below.sum(axis=1) == 1
        # The corner alone on its side of the plane, and the other two.
        lone = np.where(lone_below, np.argmax(below, axis=1), np.argmin(below, axis=1))
        rows = np.arange(len(f))
        v = tri[f]
        p0 = v[rows, lone]
        p1, p2 = v[rows, (lone + 1) % 3], v[rows, (lone + 2) % 3]
        q1 = p0 + ((h - p0[:, 2]) / (p1[:, 2] - p0[:, 2]))[:, None] * (p1 - p0)
        q2 = p0 + ((h - p0[:, 2]) / (p2[:, 2] - p0[:, 2]))[:, None] * (p2 - p0)
        small = 0.5 * np.linalg.norm(np.cross(q1 - p0, q2 - p0), axis=1)
        # Over the small triangle (p0, q1, q2), z - h averages (z0 - h) / 3.
        part = (p0[:, 2] - h) / 3.0 * small * nz[f]
        whole = (zc[f] - h) * an[f]
        out[i] += np.sum(np.where(lone_below, part, whole - part))
    return np.abs(out)


@dataclass(frozen=True, kw_only=True)
class Measurements:
    """Limb measurements in the limb frame (mm, ml).

    ``volumes_below_ml`` holds, for each of ``levels``, the volume below that level (ml).
    """

    length_mm: float
    volume_ml: float
    volume_top_z_mm: float
    levels: list = field(default_factory=list)
    volumes_below_ml: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "length_mm": round(self.length_mm, 2),
            "volume_ml": round(self.volume_ml, 2),
            "volume_top_z_mm": round(self.volume_top_z_mm, 2),
            "circumferences": [{"z_mm": round(s.z_mm, 2), "mm": round(s.perimeter_mm, 2)}
                               for s in self.levels],
            "widths": [{"z_mm": round(s.z_mm, 2), "ap_mm": round(s.ap_mm, 2),
                        "ml_mm": round(s.ml_mm, 2)} for s in self.levels],
            "tape_circumferences": [{"z_mm": round(s.z_mm, 2), "tape_mm": round(s.tape_mm, 2),
                                     "perimeter_mm": round(s.perimeter_mm, 2)}
                                    for s in self.levels],
            "volume_by_level": [{"z_mm": round(s.z_mm, 2), "volume_below_ml": round(v, 3),
                                 "area_mm2": round(float(s.area_mm2), 1)}
                                for s, v in zip(self.levels, self.volumes_below_ml)],
        }


def measure_limb(mesh: trimesh.Trimesh, params: MeasureParams | None = None) -> Measurements:
    """Length, volume and per-level circumferences and widths of an aligned limb.

    Parameters
    ----------
    mesh
        Limb surface in the limb frame, outward normals, open proximally.
    """
    params = params or MeasureParams()
    z = mesh.vertices[:, 2]
    if z.min() < -1.0:
        raise GeometryError(f"limb is not aligned (lowest point z = {z.min():.1f} mm)")
    top = proximal_rim_z(mesh)
    spacing = params.circumference_spacing_mm
    levels = np.arange(spacing, top - 0.5 * spacing + 1e-9, spacing)
    secs = [s for s in sections(mesh, levels) if s is not None] if len(levels) else []
    below = volumes_below(mesh, [s.z_mm for s in secs]) / 1000.0 if secs else []
    return Measurements(length_mm=float(z.max() - z.min()),
                        volume_ml=volume_below(mesh, top) / 1000.0,
                        volume_top_z_mm=top, levels=secs,
                        volumes_below_ml=[float(v) for v in below])
