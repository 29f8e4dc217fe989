"""Distal adapter interfaces, built with CadQuery.

The common distal interface of a lower-limb socket is a 4-hole adapter: a disc bolted to the
socket's distal end.  The defaults follow one published parametric model (62 mm disc, four
5 mm holes on a 21.5 mm radius, 32.5 mm central recess); check them against the adapter's
instructions for use and set the parameters to match.

The adapter is a B-rep (exact, exportable as STEP) and is tessellated at a stated chordal
tolerance to join the socket's mesh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

#: Chordal tolerance of the tessellation of CadQuery parts, mm.  0.02 mm keeps the bolt
#: holes round to well under a printer's resolution at a few thousand triangles.
TESSELLATION_TOLERANCE_MM = 0.02
TESSELLATION_ANGLE_RAD = 0.2


@dataclass(frozen=True, kw_only=True)
class FourHoleAdapter:
    """A 4-hole distal plate and the pedestal that joins it to the socket.

    All lengths mm, angles degrees, in the limb frame (z up, distal plate at ``bottom_z_mm``).
    """

    plate_diameter_mm: float
    plate_thickness_mm: float
    bolt_hole_diameter_mm: float
    bolt_circle_radius_mm: float
    recess_diameter_mm: float
    recess_depth_mm: float
    rotation_deg: float
    bottom_z_mm: float
    pedestal_top_z_mm: float
    chamfer_mm: float = 0.8

    def hole_centres(self) -> np.ndarray:
        """(4, 2) bolt hole centres, mm."""
        ang = np.radians(self.rotation_deg + 90.0 * np.arange(4))
        return self.bolt_circle_radius_mm * np.column_stack([np.cos(ang), np.sin(ang)])

    def solid(self):
        """The plate and pedestal as one CadQuery solid (no holes)."""
        import cadquery as cq

        height = self.pedestal_top_z_mm - self.bottom_z_mm
        wp = (cq.Workplane("XY").workplane(offset=self.bottom_z_mm)
              .circle(self.plate_diameter_mm / 2.0).extrude(height))
        if self.chamfer_mm > 0:
            # A small chamfer on the bed edge keeps the first layers' squash inside the disc.
            wp = wp.faces("<Z").edges().chamfer(self.chamfer_mm)
        return wp

    def cutters(self, top_z_mm: float):
        """Bolt holes (through to ``top_z_mm``) and the central recess, one CadQuery solid."""
        import cadquery as cq

        start = self.bottom_z_mm - 1.0
        holes = (cq.Workplane("XY").workplane(offset=start)
                 .pushPoints([tuple(p) for p in self.hole_centres()])
                 .circle(self.bolt_hole_diameter_mm / 2.0).extrude(top_z_mm - start))
        if self.recess_diameter_mm > 0 and self.recess_depth_mm > 0:
            recess = (cq.Workplane("XY").workplane(offset=start)
                      .circle(self.recess_diameter_mm / 2.0)
                      .extrude(1.0 + self.recess_depth_mm))
            holes = holes.union(recess)
        return holes


def tessellate(wp, tolerance_mm: float = TESSELLATION_TOLERANCE_MM,
               angular_tolerance_rad: float = TESSELLATION_ANGLE_RAD) -> trimesh.Trimesh:
    """A CadQuery workplane's solid as a closed trimesh (absolute tolerance in mm).

    The B-rep's volume is checked against the tessellation's, as OCC has been seen to call
    garbage solids valid.
    """
    shape = wp.val() if hasattr(wp, "val") else wp
    verts, tris = shape.tessellate(tolerance_mm, angular_tolerance_rad)
    v = np.array([(p.x, p.y, p.z) for p in verts], dtype=np.float64)
    mesh = trimesh.Trimesh(v, np.asarray(tris, dtype=np.int64), process=True)
    mesh.merge_vertices()
    if mesh.volume < 0:
        mesh.invert()
    brep_volume = shape.Volume()
    if not mesh.is_watertight or abs(mesh.volume - brep_volume) > 0.01 * abs(brep_volume) + 1.0:
        raise RuntimeError(f"tessellation of a CadQuery part is not a closed solid matching "
                           f"its B-rep ({mesh.volume:.1f} vs {brep_volume:.1f} mm^3)")
    return mesh
