"""Measurements of a limb surface in the limb frame: sections, circumferences, widths, volume.

The limb frame has +Z proximal along the long axis with the distal end at z = 0 and +Y
anterior, so a circumference "at z" is the section of the plane ``z = const``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh

from prosthetics.errors import GeometryError
from prosthetics.geometry.meshing import proximal_rim_z  # noqa: F401  (part of this module's API)
from prosthetics.params import Params, param


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
    """

    z_mm: float
    perimeter_mm: float
    area_mm2: float
    centroid_xy: np.ndarray
    ap_mm: float
    ml_mm: float
    loop: np.ndarray


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
                           ml_mm=float(np.ptp(loop[:, 0])), loop=loop))
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


@dataclass(frozen=True, kw_only=True)
class Measurements:
    """Limb measurements in the limb frame (mm, ml)."""

    length_mm: float
    volume_ml: float
    volume_top_z_mm: float
    levels: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "length_mm": round(self.length_mm, 2),
            "volume_ml": round(self.volume_ml, 2),
            "volume_top_z_mm": round(self.volume_top_z_mm, 2),
            "circumferences": [{"z_mm": round(s.z_mm, 2), "mm": round(s.perimeter_mm, 2)}
                               for s in self.levels],
            "widths": [{"z_mm": round(s.z_mm, 2), "ap_mm": round(s.ap_mm, 2),
                        "ml_mm": round(s.ml_mm, 2)} for s in self.levels],
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
    return Measurements(length_mm=float(z.max() - z.min()),
                        volume_ml=volume_below(mesh, top) / 1000.0,
                        volume_top_z_mm=top, levels=secs)
