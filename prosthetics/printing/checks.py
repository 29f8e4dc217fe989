"""Printability checks measured on the final mesh."""

from __future__ import annotations

import numpy as np
import trimesh
from scipy.spatial import cKDTree

from prosthetics.geometry.meshing import SurfaceQuery


def sample_with_normals(mesh: trimesh.Trimesh, n: int, seed: int = 0):
    """Area-uniform points on a mesh and their face normals, (n, 3), (n, 3)."""
    pts, face = trimesh.sample.sample_surface(mesh, n, seed=seed)
    return pts, mesh.face_normals[face]


def measure_wall(final: trimesh.Trimesh, inner_surface: trimesh.Trimesh, above_z_mm: float,
                 brim_clearance_mm: float, n: int = 60_000,
                 on_surface_tol_mm: float = 1e-3, openings=None,
                 opening_rim_mm: float = 1.0) -> dict:
    """Thinnest wall of a socket, measured on the final mesh.

    Points are sampled on the final mesh and sorted by where they lie:

    - points on the inner (limb side) surface: a ray from each, into the wall along the
      final mesh's normal, to the first hit on the final mesh ("through");
    - all other points: the distance to the nearest point of the inner surface
      ("across").

    Points within ``brim_clearance_mm`` of the inner surface's top edge are left out of
    both: the brim there is a half round as thick as the wall, and rays or distances
    through it read thinner on a slant (under a sloped brim over a flaring limb).

    Only the shell above ``above_z_mm`` (the adapter pedestal's top) is measured; the
    pedestal is solid.  ``openings`` (the socket's
    :class:`~prosthetics.sockets.fenestrations.Fenestrations`, or None) are meant holes: points on
    their bores are left out, and so are the through rays starting within
    ``opening_rim_mm`` of a bore (a ray along the cavity's normal there can leave through
    the bore rather than the outside); the wall around every hole is still measured
    across, from the outside.

    Returns
    -------
    dict
        ``min_wall_mm`` (the smaller of the two minima), ``through_min_mm``,
        ``across_min_mm``, ``p01_mm``, ``samples``.
    """
    q_final = SurfaceQuery(final)
    q_inner = SurfaceQuery(inner_surface)
    pts, nrm = sample_with_normals(final, n, seed=1)
    up = pts[:, 2] > above_z_mm
    pts, nrm = pts[up], nrm[up]
    if openings is not None:
        keep = ~openings.near(pts, 0.05)
        pts, nrm = pts[keep], nrm[keep]
    d_in = q_inner.distance(pts)
    on_inner = d_in < on_surface_tol_mm
    if openings is not None:
        on_inner_rim = on_inner & openings.near(pts, opening_rim_mm)
        keep = ~on_inner_rim
        pts, nrm, d_in, on_inner = pts[keep], nrm[keep], d_in[keep], on_inner[keep]

    # The top edge of the inner surface (its edges used by one triangle: a hash grouping,
    # not a sort), densely resampled.
    edges = inner_surface.edges_sorted
    rim = inner_surface.vertices[edges[trimesh.grouping.group_rows(edges, require_count=1)]]
    k = np.linspace(0.0, 1.0, 12)[:, None, None]
    rim_pts = (rim[None, :, 0] * (1 - k) + rim[None, :, 1] * k).reshape(-1, 3)
    # Only "nearer than the clearance" matters: the search stops at it (the distances
    # under it are the same, the others come back infinite), which spares the long
    # searches from the points far from the rim.
    near_rim = cKDTree(rim_pts).query(pts, distance_upper_bound=brim_clearance_mm)[0] \
        < brim_clearance_mm

    eps = 1e-3
    # Through rays from near the rim leave through the brim's rounding (a half round as
    # thick as the wall) on a slant, and read thinner than the wall where the limb flares
    # under a sloped brim; they are left out like the across points there.
    pin, nin = pts[on_inner & ~near_rim], -nrm[on_inner & ~near_rim]
    through = q_final.cast(pin + eps * nin, nin) + eps
    rays_missed = int((~np.isfinite(through)).sum())
    through = through[np.isfinite(through)]
    across = d_in[~on_inner & ~near_rim]

    both = np.concatenate([through, across])
    if not len(both):
        return {"min_wall_mm": None, "samples": 0}
    return {"min_wall_mm": round(float(both.min()), 3),
            "through_min_mm": round(float(through.min()), 3) if len(through) else None,
            "across_min_mm": round(float(across.min()), 3) if len(across) else None,
            "p01_mm": round(float(np.percentile(both, 1)), 3),
            "samples": int(len(both)),
            "rays_without_hit": rays_missed}


def body_count(mesh: trimesh.Trimesh) -> int:
    """How many bodies (groups of triangles joined by shared edges) ``mesh`` has: the
    number of meshes ``mesh.split(only_watertight=False)`` would make, without making
    them."""
    return len(trimesh.graph.connected_components(
        edges=mesh.face_adjacency, nodes=np.arange(len(mesh.faces)), min_len=1))


def solid_checks(mesh: trimesh.Trimesh) -> dict:
    """Watertight, one body, positive volume, consistent winding."""
    return {"watertight": bool(mesh.is_watertight),
            "winding_consistent": bool(mesh.is_winding_consistent),
            "bodies": body_count(mesh),
            "volume_positive": bool(mesh.volume > 0),
            "volume_ml": round(float(mesh.volume) / 1000.0, 3),
            "triangles": int(len(mesh.faces))}
