"""Measurements of a limb surface in the limb frame: sections, circumferences, widths, volume.

The limb frame has +Z proximal along the long axis with the distal end at z = 0 and +Y
anterior, so a circumference "at z" is the section of the plane ``z = const``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh
from shapely.geometry import Polygon

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
        The loop's x, y coordinates.
    """

    z_mm: float
    perimeter_mm: float
    area_mm2: float
    centroid_xy: np.ndarray
    ap_mm: float
    ml_mm: float
    loop: np.ndarray


def sections(mesh: trimesh.Trimesh, z_levels: np.ndarray) -> list[Section | None]:
    """Horizontal sections of ``mesh`` at ``z_levels`` (mm); None where nothing closes."""
    z_levels = np.asarray(z_levels, dtype=float)
    paths = mesh.section_multiplane(plane_origin=[0.0, 0.0, 0.0], plane_normal=[0.0, 0.0, 1.0],
                                    heights=z_levels)
    out: list[Section | None] = []
    for z, path in zip(z_levels, paths):
        if path is None:
            out.append(None)
            continue
        # Origin at 0 and normal +Z: the 2D path coordinates are the frame's x, y
        # (up to the path's to_3D transform, which is applied to be safe).
        polys = path.polygons_full
        if not len(polys):
            out.append(None)
            continue
        poly = max(polys, key=lambda p: p.area)
        xy = np.asarray(poly.exterior.coords)
        xyz = trimesh.transform_points(np.column_stack([xy, np.zeros(len(xy))]),
                                       path.metadata.get("to_3D", np.eye(4)))
        loop = xyz[:, :2]
        p3 = Polygon(loop)
        c = np.asarray(p3.centroid.coords[0])
        out.append(Section(z_mm=float(z), perimeter_mm=float(p3.exterior.length),
                           area_mm2=float(p3.area), centroid_xy=c,
                           ap_mm=float(np.ptp(loop[:, 1])), ml_mm=float(np.ptp(loop[:, 0])),
                           loop=loop))
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
