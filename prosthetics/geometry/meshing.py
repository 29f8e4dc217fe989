"""Mesh helpers shared by the templates: ring meshes, conversions, booleans, queries.

Open3D (over a second to import) is imported by the two functions that use it, the surface
queries and ICP, so that importing the design layer does not load it.
"""

from __future__ import annotations

import manifold3d
import numpy as np
import trimesh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


def ring_faces(n_rings: int, m: int, *, pole_start: bool, pole_end: bool) -> np.ndarray:
    """Triangles of a closed surface made of rings of ``m`` points.

    Vertices are laid out as an optional start pole (one vertex), then ``n_rings`` rings of
    ``m`` vertices each, then an optional end pole.  Consecutive rings are joined by quads
    (two triangles each), poles by fans.  Returns (k, 3) int64.
    """
    off = 1 if pole_start else 0
    j = np.arange(m)
    jn = (j + 1) % m
    faces = []
    if pole_start:
        faces.append(np.column_stack([np.zeros(m, int), off + jn, off + j]))
    for r in range(n_rings - 1):
        a = off + r * m + j
        b = off + r * m + jn
        c = off + (r + 1) * m + j
        d = off + (r + 1) * m + jn
        faces.append(np.column_stack([a, b, d]))
        faces.append(np.column_stack([a, d, c]))
    if pole_end:
        end = off + n_rings * m
        last = off + (n_rings - 1) * m
        faces.append(np.column_stack([np.full(m, end), last + j, last + jn]))
    return np.vstack(faces).astype(np.int64)


def to_manifold(mesh: trimesh.Trimesh):
    """trimesh -> manifold3d.Manifold (raises ValueError if the mesh is not a closed manifold)."""
    m = manifold3d.Mesh(vert_properties=np.asarray(mesh.vertices, dtype=np.float32),
                        tri_verts=np.asarray(mesh.faces, dtype=np.uint32))
    man = manifold3d.Manifold(m)
    if man.status() != manifold3d.Error.NoError:
        raise ValueError(f"mesh is not a closed manifold ({man.status()})")
    return man


def _weld_close(mesh: trimesh.Trimesh, tol: float) -> None:
    """Merge vertices closer than ``tol`` (mm) in place, dropping the triangles that collapse."""
    # The pairs within ``tol`` are the same whatever the tree's shape; an unbalanced tree
    # builds ten times faster (its pairs query takes about as long).
    tree = cKDTree(mesh.vertices, balanced_tree=False, compact_nodes=False)
    pairs = tree.query_pairs(tol, output_type="ndarray")
    if not len(pairs):
        return
    n = len(mesh.vertices)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _k, label = connected_components(graph, directed=False)
    # Each cluster keeps its lowest-index vertex.
    first = np.full(label.max() + 1, n)
    np.minimum.at(first, label, np.arange(n))
    faces = first[label][mesh.faces]
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    mesh.faces = faces[keep]


def from_manifold(man, weld_mm: float = 1e-4) -> trimesh.Trimesh:
    """manifold3d.Manifold -> trimesh (float64 vertices), ready to write as STL.

    Booleans over coincident surfaces can leave two topologically distinct vertices at the
    same float32 position joined by zero-area triangles.  An STL reader welds them and the
    file is no longer watertight, so they are welded here, the zero-area triangles dropped,
    and the result checked.  Positions a few float32 steps apart (a pin channel cut through
    a ring grid's pole, letters grazing a wall) are welded too: vertices closer than
    ``weld_mm`` are merged.
    """
    m = man.to_mesh()
    mesh = trimesh.Trimesh(np.asarray(m.vert_properties[:, :3], dtype=np.float64),
                           np.asarray(m.tri_verts, dtype=np.int64), process=False)
    mesh.merge_vertices(digits_vertex=5)
    _weld_close(mesh, weld_mm)
    mesh.update_faces(mesh.nondegenerate_faces(height=1e-9))
    mesh.remove_unreferenced_vertices()
    return mesh


def closed_oriented(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    """A closed mesh with outward normals (inverted if its signed volume is negative)."""
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    if mesh.volume < 0:
        mesh.invert()
    return mesh


class SurfaceQuery:
    """Distances and ray hits against a triangle mesh (Open3D's ray-casting scene)."""

    def __init__(self, mesh: trimesh.Trimesh):
        import open3d as o3d  # slow to import: see the module docstring

        self._o3d = o3d
        self.scene = o3d.t.geometry.RaycastingScene()
        self.scene.add_triangles(
            o3d.core.Tensor(np.asarray(mesh.vertices, dtype=np.float32)),
            o3d.core.Tensor(np.asarray(mesh.faces, dtype=np.uint32)))

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Unsigned distance (n,) from points (n, 3) to the surface."""
        q = self._o3d.core.Tensor(np.asarray(points, dtype=np.float32))
        return self.scene.compute_distance(q).numpy().astype(np.float64)

    def closest_points(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest surface points (n, 3) and the index (n,) of their triangles."""
        q = self._o3d.core.Tensor(np.asarray(points, dtype=np.float32))
        ans = self.scene.compute_closest_points(q)
        return (ans["points"].numpy().astype(np.float64),
                ans["primitive_ids"].numpy().astype(np.int64))

    def closest(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance (n,) to the surface and the index (n,) of the nearest triangle."""
        nearest, tri = self.closest_points(points)
        return np.linalg.norm(nearest - points, axis=1), tri

    def cast(self, origins: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """Distance along each unit direction to the first hit (inf where none), (n,)."""
        rays = np.hstack([origins, directions]).astype(np.float32)
        ans = self.scene.cast_rays(self._o3d.core.Tensor(rays))
        return ans["t_hit"].numpy().astype(np.float64)


def icp_point_to_plane(source: np.ndarray, target: trimesh.Trimesh, max_distance_mm: float,
                       iterations: int) -> tuple[np.ndarray, float, float]:
    """Rigid point-to-plane ICP of points (n, 3) onto a surface (Open3D).

    Returns
    -------
    (4, 4) transform moving the points onto the surface, inlier rms (mm), fitness (0-1).
    """
    import open3d as o3d  # slow to import: see the module docstring

    src = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(source, dtype=float)))
    tgt_pts, face = trimesh.sample.sample_surface(target, max(20_000, len(source)), seed=3)
    tgt = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(tgt_pts))
    tgt.normals = o3d.utility.Vector3dVector(target.face_normals[face])
    reg = o3d.pipelines.registration.registration_icp(
        src, tgt, max_distance_mm, np.eye(4),
        o3d.pipelines.registration.TransformationEstimationPointToPlane(),
        o3d.pipelines.registration.ICPConvergenceCriteria(max_iteration=iterations,
                                                          relative_fitness=1e-9,
                                                          relative_rmse=1e-9))
    return np.asarray(reg.transformation), float(reg.inlier_rmse), float(reg.fitness)


def proximal_rim_z(mesh: trimesh.Trimesh) -> float:
    """Lowest z of the open proximal boundary (the top edge of the scan), mm."""
    # Boundary edges are the ones used by a single triangle (hash grouping, not a sort).
    boundary = mesh.edges_sorted[trimesh.grouping.group_rows(mesh.edges_sorted, require_count=1)]
    if not len(boundary):
        return float(mesh.vertices[:, 2].max())
    bz = mesh.vertices[np.unique(boundary), 2]
    top = bz[bz > 0.5 * mesh.vertices[:, 2].max()]
    return float(top.min()) if len(top) else float(mesh.vertices[:, 2].max())
