"""CadQuery / OCC B-reps as triangle meshes: one tessellation, checked against the B-rep.

Every CadQuery part that becomes a mesh (a socket's distal interface and its cutters, the
label's text, the insole's outline and heel cup wall) goes through :func:`tessellate`.

Two things it guards against, both seen here:

- ``Shape.tessellate`` reuses a triangulation left on the shape by an earlier call, and
  CadQuery meshes with a tolerance *relative* to each edge's size; a coarse triangulation
  reused that way gave an insole outline 15 % too small.  The shape is therefore copied,
  its triangulation removed (``BRepTools.Clean``) and meshed afresh at the asked absolute
  tolerance.
- OCC has been seen to call garbage solids valid, so the mesh must be closed and its
  volume must match the B-rep's own to within what the tolerance allows.

CadQuery and OCP take seconds to import and the socket and insole modules import this one
when they load, so the functions import them: they are loaded once a part is built.
"""

from __future__ import annotations

import numpy as np
import trimesh

from prosthetics.errors import GeometryError

#: Angular tolerance of the tessellation, radians: curves get a segment at least every
#: 0.2 rad (11.5 degrees) however small they are, so small holes stay round.
ANGULAR_TOLERANCE_RAD = 0.2


def _as_shape(part):
    """A CadQuery Shape from a Workplane (its objects, as one compound when several) or a
    Shape."""
    if not hasattr(part, "vals"):
        return part
    objs = part.vals()
    if len(objs) == 1:
        return objs[0]
    import cadquery as cq  # slow to import: see the module docstring

    return cq.Compound.makeCompound(objs)


def tessellate(shape, tol_mm: float, angular_rad: float = ANGULAR_TOLERANCE_RAD, *,
               what: str = "CadQuery part",
               fix: str = "check the parameters that shape it") -> trimesh.Trimesh:
    """A B-rep as a closed, outward-wound triangle mesh at an absolute tolerance.

    Parameters
    ----------
    shape : cadquery.Workplane or cadquery.Shape
        The solid (a workplane's objects are taken together, as one compound), mm.
    tol_mm : float, mm
        Largest distance between the mesh and the B-rep's surface (absolute, not relative
        to the size of the edges).
    angular_rad : float, radians
        Largest angle between neighbouring segments of a curve.
    what, fix : str
        Name of the part and what the user can change, for the error message.

    Returns
    -------
    trimesh.Trimesh
        Vertices (n, 3) float, mm; faces (m, 3) int, wound outward; watertight.

    Raises
    ------
    GeometryError
        OCC built an invalid solid or could not mesh it, or the mesh is not closed, or its
        volume differs from the B-rep's by more than the surface area times ``tol_mm`` (the
        most a mesh within ``tol_mm`` of the surface can differ by).
    """
    # Slow to import: see the module docstring.
    from OCP.BRepMesh import BRepMesh_IncrementalMesh
    from OCP.BRepTools import BRepTools

    if not tol_mm > 0:
        raise GeometryError(f"tessellation tolerance {tol_mm!r} mm of the {what} must be above "
                            f"0 mm")
    shape = _as_shape(shape)
    try:
        valid = shape.isValid()
        s = shape.copy()
        BRepTools.Clean_s(s.wrapped)
        BRepMesh_IncrementalMesh(s.wrapped, tol_mm, False, angular_rad, True)
        verts, tris = s.tessellate(tol_mm, angular_rad)
        v_brep, area = float(shape.Volume()), float(shape.Area())
    except Exception as exc:  # noqa: BLE001 - OCC raises its own types (Standard_Failure...)
        raise GeometryError(f"OCC could not mesh the {what} ({type(exc).__name__}: {exc}); "
                            f"{fix}") from exc
    if not valid:
        raise GeometryError(f"OCC built an invalid {what}; {fix}")
    if not len(tris):
        raise GeometryError(f"OCC gave no triangles for the {what}; {fix}")
    mesh = trimesh.Trimesh(np.array([p.toTuple() for p in verts], dtype=np.float64),
                           np.asarray(tris, dtype=np.int64), process=True)
    # OCC meshes each face on its own: the shared edges' vertices come once per face.
    mesh.merge_vertices(digits_vertex=6)
    mesh.update_faces(mesh.nondegenerate_faces())
    mesh.remove_unreferenced_vertices()
    trimesh.repair.fix_normals(mesh)
    v_mesh = float(mesh.volume)
    allowed = tol_mm * area
    if not mesh.is_watertight or v_mesh <= 0 or abs(v_mesh - v_brep) > allowed:
        raise GeometryError(f"the {what}'s mesh ({v_mesh / 1000:.3f} ml, watertight "
                            f"{mesh.is_watertight}) does not match its B-rep "
                            f"({v_brep / 1000:.3f} ml, {allowed / 1000:.3f} ml allowed at "
                            f"{tol_mm:g} mm); {fix}")
    return mesh


__all__ = ["ANGULAR_TOLERANCE_RAD", "tessellate"]
