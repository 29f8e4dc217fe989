"""A tape measure on a surface: the straight and the along-the-surface (geodesic) distance
between two points, and the path the tape takes (for drawing).

The geodesic is potpourri3d's edge-flip solver (Sharp and Crane, "You can find geodesic
paths in triangle meshes by just flipping edges", 2020): it starts from the shortest path
along the mesh edges and straightens it into the exact shortest path on the triangulated
surface between two *vertices*.  A picked point is rarely a vertex, so each point is first
laid on the surface (its closest surface point) and joined to the nearest corner of the
triangle it lies in; the tape starts and ends at the points themselves, which take the place
of those corners in the path.  The path's first and last segments are then chords within one
ring of triangles: exact when the points are vertices, and otherwise long by a fraction of an
edge length at each end (measured half-way round a 40 mm cylinder of 2 mm triangles, both
ends half a row from the nearest vertices: 0.5 mm, +0.4 %; tests/test_sections_tape.py).
A limb of 80,000 triangles has edges of about 1.5 mm.

A surface that is not manifold (an edge shared by three triangles, as an uncleaned scan may
have) cannot be flipped: the tape then follows the shortest path along the mesh's edges
(Dijkstra), an upper bound that runs a few per cent long on a regular mesh; ``Tape.method``
says which was used.

The solver's set-up takes about 0.2 s on an 80,000-triangle limb, each path then about
15 ms: keep one :class:`TapeMeasure` per surface.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import potpourri3d as pp3d
import scipy.sparse as sp
import trimesh
from scipy.sparse.csgraph import connected_components, dijkstra

from prosthetics.errors import N_, GeometryError
from prosthetics.geometry.meshing import SurfaceQuery

__all__ = ["Tape", "TapeMeasure", "tape"]

#: ``Tape.method`` values.
EDGE_FLIP = "edge_flip"
EDGES = "edges"


@dataclass(frozen=True, kw_only=True)
class Tape:
    """A measurement between two points of a surface (mm).

    Attributes
    ----------
    a_mm, b_mm : (3,) float, mm
        The two ends, laid on the surface.
    straight_mm : float
        The straight distance between the ends (as callipers measure).
    geodesic_mm : float
        The length of the shortest path along the surface (as a tape measure lies).
    path_mm : (k, 3) float, mm
        That path, from ``a_mm`` to ``b_mm``, on the surface.
    off_surface_mm : (2,) float, mm
        How far the given points were from the surface before they were laid on it.
    method : str
        ``"edge_flip"``: the exact geodesic on the triangulated surface;
        ``"edges"``: the shortest path along the mesh's edges (the surface is not
        manifold), which runs a few per cent long.
    """

    a_mm: np.ndarray
    b_mm: np.ndarray
    straight_mm: float
    geodesic_mm: float
    path_mm: np.ndarray
    off_surface_mm: np.ndarray
    method: str

    def as_dict(self) -> dict:
        return {"a_mm": [round(float(v), 2) for v in self.a_mm],
                "b_mm": [round(float(v), 2) for v in self.b_mm],
                "straight_mm": round(self.straight_mm, 2),
                "geodesic_mm": round(self.geodesic_mm, 2),
                "method": self.method}


class TapeMeasure:
    """Measures between points of one surface; keeps the solver between measurements.

    Parameters
    ----------
    mesh
        The surface (mm), e.g. the aligned limb.  Its vertices and faces are copied, so the
        measure does not share the mesh's caches with other threads.
    """

    def __init__(self, mesh: trimesh.Trimesh):
        self.vertices = np.array(mesh.vertices, dtype=np.float64)
        self.faces = np.array(mesh.faces, dtype=np.int64)
        if not len(self.faces):
            raise GeometryError.of(N_("the surface has no triangles: nothing to measure on"))
        self._query: SurfaceQuery | None = None
        self._solver = None
        self._manifold: bool | None = None
        self._edges: sp.csr_matrix | None = None
        self._component: np.ndarray | None = None

    # -- parts made on first use ------------------------------------------------------
    def _surface(self) -> SurfaceQuery:
        if self._query is None:
            self._query = SurfaceQuery(trimesh.Trimesh(self.vertices, self.faces, process=False))
        return self._query

    def _edge_graph(self) -> sp.csr_matrix:
        if self._edges is None:
            f = self.faces
            e = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
            i, j = np.unique(e, axis=0).T           # each edge once (shared by two faces)
            w = np.linalg.norm(self.vertices[i] - self.vertices[j], axis=1)
            n = len(self.vertices)
            g = sp.coo_matrix((w, (i, j)), shape=(n, n)).tocsr()
            self._edges = g + g.T
            self._component = connected_components(g, directed=False)[1]
        return self._edges

    def _flip_solver(self):
        """potpourri3d's solver, or None where the surface is not manifold."""
        if self._manifold is None:
            try:
                self._solver = pp3d.EdgeFlipGeodesicSolver(self.vertices, self.faces)
                self._manifold = True
            except RuntimeError:
                self._manifold = False
        return self._solver

    def prepare(self) -> TapeMeasure:
        """Build what a measurement needs now (about 0.25 s on an 80k-triangle limb)."""
        self._surface().closest_points(self.vertices[:1])     # builds the search tree
        self._flip_solver()
        return self

    # -- measuring ---------------------------------------------------------------------
    def _on_surface(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Closest surface points (2, 3), their distances (2,) and the nearest corner of
        each one's triangle (2,) int."""
        on, tri = self._surface().closest_points(points)
        corners = self.faces[tri]                                   # (2, 3)
        d = np.linalg.norm(self.vertices[corners] - on[:, None, :], axis=2)
        nearest = corners[np.arange(len(corners)), np.argmin(d, axis=1)]
        return on, np.linalg.norm(on - points, axis=1), nearest

    def _vertex_path(self, va: int, vb: int) -> tuple[np.ndarray, str]:
        """The shortest path (k, 3) from vertex ``va`` to ``vb`` and the method used."""
        solver = self._flip_solver()
        if solver is not None:
            try:
                path = solver.find_geodesic_path(int(va), int(vb))
                return np.asarray(path, dtype=np.float64), EDGE_FLIP
            except RuntimeError:
                pass            # separate pieces: said below, with the edges' own check
        self._edge_graph()
        if self._component[va] != self._component[vb]:
            raise GeometryError.of(N_("the two points lie on separate pieces of the surface: pick "
                                      "both on the same piece"))
        _, pred = dijkstra(self._edges, directed=False, indices=int(va),
                           return_predecessors=True)
        chain = [int(vb)]
        while chain[-1] != va:
            chain.append(int(pred[chain[-1]]))
        return self.vertices[chain[::-1]], EDGES

    def measure(self, a_mm, b_mm) -> Tape:
        """The tape between two points (3,) mm, normally on the surface (picked on it).

        A point off the surface is first moved to its closest surface point; how far it
        moved is in ``Tape.off_surface_mm``.
        """
        pts = np.array([a_mm, b_mm], dtype=np.float64).reshape(2, 3)
        if not np.all(np.isfinite(pts)):
            raise GeometryError(f"tape ends must be finite points in mm, got {pts.tolist()}")
        on, off, (va, vb) = self._on_surface(pts)
        a, b = on
        if va == vb:
            path, method = np.array([a, b]), EDGE_FLIP
        else:
            inner, method = self._vertex_path(va, vb)
            # The ends take the place of the corners they were joined to (see the module's
            # docstring): chords within one ring of triangles.
            path = np.vstack([a, inner[1:-1], b])
        length = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
        return Tape(a_mm=a, b_mm=b, straight_mm=float(np.linalg.norm(b - a)),
                    geodesic_mm=length, path_mm=path, off_surface_mm=off, method=method)


def tape(mesh: trimesh.Trimesh, a_mm, b_mm) -> Tape:
    """The straight and geodesic distance between two points of ``mesh`` (mm), with the
    path along the surface.  For several measurements on one surface keep a
    :class:`TapeMeasure`."""
    return TapeMeasure(mesh).measure(a_mm, b_mm)
