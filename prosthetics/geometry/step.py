"""STEP export of a socket's mesh as one closed B-rep solid, and the re-import check.

The socket body is a triangle mesh (the ring-mesh shell joined to the CadQuery interface
with manifold3d), so its STEP is a faceted solid: one planar face per triangle.  The B-rep
is built with shared topology (one OCC vertex per mesh vertex, one edge per mesh edge,
each face a wire of three shared edges) instead of sewing loose triangles, so no tolerance
is involved and the build is linear in the triangle count.  Measured on the sample socket
(30k triangles): 1.2 s to build, 5.6 s to write, 32 MB; 11.5 s to read back, read back by CadQuery as one valid
solid with the mesh's volume to 1e-12.  Sewing (BRepBuilderAPI_Sewing) of the same faces is
what OCC offers for loose triangles; shared edges make it unnecessary.

Fitting B-spline faces through the ring grid would give a lighter file but needs the
adapter's booleans redone on B-reps, which were slow and unreliable here (docs/design.md).

Written without pcurves (``write.surfacecurve.mode = 0``): planar faces do not need them
and they doubled the file.

The socket's smooth B-rep (B-spline faces, the interface's exact faces:
:mod:`prosthetics.sockets.brep_socket`) is written by :func:`write_solid_step`, with a header
that names the case and the program (not OCC's default "Author").

This module imports CadQuery and OCP, which take seconds; the design layer imports it only
when a STEP file is asked for.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import cadquery as cq
import numpy as np
import trimesh
from OCP.APIHeaderSection import APIHeaderSection_MakeHeader
from OCP.BRep import BRep_Builder
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeEdge,
    BRepBuilderAPI_MakeFace,
    BRepBuilderAPI_MakeVertex,
    BRepBuilderAPI_MakeWire,
)
from OCP.gp import gp_Dir, gp_Pln, gp_Pnt
from OCP.IFSelect import IFSelect_RetDone
from OCP.Interface import Interface_Static
from OCP.STEPControl import STEPControl_AsIs, STEPControl_Writer
from OCP.TCollection import TCollection_HAsciiString
from OCP.TopoDS import TopoDS_Shell, TopoDS_Solid

from prosthetics.errors import N_, GeometryError, OutputError
from prosthetics.geometry.part21 import share_repeated_geometry

log = logging.getLogger(__name__)

#: Relative volume difference allowed between the B-rep and the mesh it was built from.
VOLUME_TOLERANCE = 0.005


def mesh_to_solid(mesh: trimesh.Trimesh):
    """A closed, consistently wound mesh as one OCC solid (``cadquery.Solid``) of planar faces.

    Parameters
    ----------
    mesh
        Watertight triangle mesh, mm, (n, 3) vertices and (f, 3) faces wound outward.

    Raises
    ------
    GeometryError
        When the mesh is not watertight or the solid is invalid or has another volume.
    """
    if not mesh.is_watertight or not mesh.is_winding_consistent:
        raise GeometryError.of(N_("the socket mesh is not closed and consistently wound; it "
                                  "cannot be written as a STEP solid"))
    v = np.asarray(mesh.vertices, dtype=np.float64)
    f = np.asarray(mesh.faces)
    normals = np.asarray(mesh.face_normals, dtype=np.float64)
    verts = [BRepBuilderAPI_MakeVertex(gp_Pnt(*p)).Vertex() for p in v.tolist()]
    edges = [BRepBuilderAPI_MakeEdge(verts[a], verts[b]).Edge()
             for a, b in mesh.edges_unique.tolist()]
    builder = BRep_Builder()
    shell = TopoDS_Shell()
    builder.MakeShell(shell)
    # The face's plane carries the triangle's outward normal, so each face is oriented
    # like the mesh and the shell bounds a positive volume.
    for (i, j, k), corner, n in zip(mesh.faces_unique_edges.tolist(), v[f[:, 0]].tolist(),
                                    normals.tolist()):
        wire = BRepBuilderAPI_MakeWire(edges[i], edges[j], edges[k]).Wire()
        builder.Add(shell, BRepBuilderAPI_MakeFace(gp_Pln(gp_Pnt(*corner), gp_Dir(*n)),
                                                   wire, True).Face())
    shell.Closed(True)
    solid = TopoDS_Solid()
    builder.MakeSolid(solid)
    builder.Add(solid, shell)
    out = cq.Solid(solid)
    # The volume and bounds, not BRepCheck (4.5 s on 30k faces): built from a closed,
    # consistently wound mesh with shared edges, a wrong face shows in the signed volume.
    # tests/test_step.py checks the file's solid with BRepCheck after re-import.
    vol = out.Volume()
    bb = out.BoundingBox()
    lo, hi = mesh.bounds
    if abs(vol / mesh.volume - 1.0) > VOLUME_TOLERANCE or not np.allclose(
            [bb.xmin, bb.ymin, bb.zmin, bb.xmax, bb.ymax, bb.zmax], [*lo, *hi], atol=1e-3):
        raise GeometryError.of(N_("the STEP solid of the socket does not match its mesh "
                                  "(%(solid)s vs %(mesh)s ml); export STL instead and report "
                                  "the scan"), solid=f"{vol / 1000:.2f}",
                               mesh=f"{mesh.volume / 1000:.2f}")
    return out


def write_step(mesh: trimesh.Trimesh, path: str | os.PathLike) -> dict:
    """Write ``mesh`` as a STEP (AP214) file of one solid; returns faces, bytes, seconds."""
    t = time.perf_counter()
    solid = mesh_to_solid(mesh)
    t_build = time.perf_counter() - t
    writer = STEPControl_Writer()   # initialises the STEP statics set below
    Interface_Static.SetCVal_s("write.step.schema", "AP214IS")
    Interface_Static.SetCVal_s("write.step.unit", "MM")
    Interface_Static.SetIVal_s("write.surfacecurve.mode", 0)
    writer.Transfer(solid.wrapped, STEPControl_AsIs)
    if writer.Write(str(path)) != IFSelect_RetDone:
        raise OutputError.of(N_("could not write the STEP file %(path)s; check the folder"),
                             path=repr(str(path)))
    return {"faces": int(len(mesh.faces)), "bytes": Path(path).stat().st_size,
            "build_s": round(t_build, 3), "seconds": round(time.perf_counter() - t, 3),
            "volume_ml": round(solid.Volume() / 1000.0, 3)}


def write_solid_step(solid, path: str | os.PathLike, *, case_id: str, program: str,
                     description: str = "prosthetic socket",
                     surface_curves: bool = True, share_geometry: bool = True) -> dict:
    """Write one B-rep solid as a STEP (AP214) file whose header names the case.

    Parameters
    ----------
    solid : cadquery.Shape
        The part, mm.
    path : path-like
    case_id : str
        The case ID (or an anonymous scan ID): the file's name in the header, its product
        and its author field.
    program : str
        The program and its version ("prosthetics 0.1.0"): originating system and
        preprocessor in the header.
    description : str
        The header's description.
    surface_curves : bool
        Write each face's boundary in its parameter space too (CAD wants them on B-spline
        faces; a solid of flat faces is written faster and smaller without).
    share_geometry : bool
        Write each surface, curve and point once however many faces, edges and vertices
        use it (:func:`~prosthetics.geometry.part21.share_repeated_geometry`; OCC writes a
        copy for each).

    Returns
    -------
    dict
        ``bytes``, ``seconds``, and ``entities_before`` / ``entities_after`` when the
        geometry was shared.
    """
    t = time.perf_counter()
    writer = STEPControl_Writer()   # initialises the STEP statics set below
    Interface_Static.SetCVal_s("write.step.schema", "AP214IS")
    Interface_Static.SetCVal_s("write.step.unit", "MM")
    Interface_Static.SetCVal_s("write.step.product.name", f"socket {case_id}")
    # Faces keep their curves in parameter space: CAD reads B-spline faces with them.
    Interface_Static.SetIVal_s("write.surfacecurve.mode", 1 if surface_curves else 0)
    writer.Transfer(solid.wrapped, STEPControl_AsIs)
    header = APIHeaderSection_MakeHeader(writer.WS().Model())
    header.SetName(TCollection_HAsciiString(f"socket {case_id}"))
    header.SetAuthorValue(1, TCollection_HAsciiString(case_id))
    header.SetOrganizationValue(1, TCollection_HAsciiString(program.split()[0]))
    header.SetOriginatingSystem(TCollection_HAsciiString(program))
    header.SetPreprocessorVersion(TCollection_HAsciiString(program))
    header.SetAuthorisation(TCollection_HAsciiString(""))
    header.SetDescriptionValue(1, TCollection_HAsciiString(f"{description}, case {case_id}"))
    if writer.Write(str(path)) != IFSelect_RetDone:
        raise OutputError.of(N_("could not write the STEP file %(path)s; check the folder"),
                             path=repr(str(path)))
    out: dict = {}
    if share_geometry:
        # Latin-1 reads and writes back any byte unchanged (the file is ASCII, its text
        # escaped as the format asks).
        text = Path(path).read_text(encoding="latin-1")
        try:
            shared, out = share_repeated_geometry(text)
        except ValueError as exc:       # the writer's own text: kept as written
            log.warning("the STEP file's geometry is left as written: %s", exc)
        else:
            Path(path).write_text(shared, encoding="latin-1", newline="\n")
    return {"bytes": Path(path).stat().st_size, "seconds": round(time.perf_counter() - t, 3),
            **out}


def read_step_solids(path: str | os.PathLike) -> list:
    """The solids of a STEP file as CadQuery reads them (``cadquery.Solid`` list)."""
    return cq.importers.importStep(str(path)).solids().vals()
