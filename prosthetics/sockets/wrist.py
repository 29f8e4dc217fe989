"""The wrist coupler at the distal end of an upper-limb socket, built with CadQuery.

:class:`WristCoupler` is a disc for a wrist unit or a terminal device, held by a threaded
insert or by a bolted flange (:class:`CouplerKind`); like every distal interface it is a
frozen dataclass in the limb frame (mm, z up, the bed face at ``bottom_z_mm``) with
``solid()`` and ``cutters(top_z_mm)`` (see :mod:`prosthetics.sockets.adapters`).  Its
parameters are :class:`prosthetics.sockets.interfaces.WristCouplerParams`.

CadQuery is imported inside the builders: it takes over a second to import, and a
design that reuses its interface meshes (the live preview) or finds them in the geometry
cache (:func:`prosthetics.sockets.adapters.interface_meshes`) never needs it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from prosthetics.sockets.mounts import BELOW_MM, BoltHoles, union_all, vertical_cylinder


class CouplerKind(enum.Enum):
    """How a terminal device or wrist unit is held at the end of an upper-limb socket."""

    THREADED = "threaded"
    BOLTED = "bolted"


@dataclass(frozen=True, kw_only=True)
class WristCoupler:
    """The distal end of an upper-limb socket: a disc for a wrist unit or terminal device.

    ``threaded``: a pocket from the bed face for a metal threaded insert or wrist-unit
    nut (``insert_diameter_mm`` x ``insert_depth_mm``; the common terminal-device stud is
    1/2-20 UNF, whose inserts are about 16 mm across) and the stud's clearance through the
    rest.  ``bolted``: a flange of ``bolts`` on a circle (with counterbores inside) and a
    central bore for cables or the stud.  Lengths mm, limb frame.
    """

    kind: CouplerKind
    diameter_mm: float
    thickness_mm: float
    insert_diameter_mm: float
    insert_depth_mm: float
    bore_diameter_mm: float
    bolts: BoltHoles | None
    bottom_z_mm: float
    pedestal_top_z_mm: float
    chamfer_mm: float = 0.8

    def hole_centres(self) -> np.ndarray:
        return self.bolts.centres() if self.bolts is not None else np.zeros((0, 2))

    @property
    def opening_radius_mm(self) -> float:
        """Radius of the widest hole that opens into the cavity, mm."""
        return max(3.0, self.bore_diameter_mm / 2.0)

    def opening_centres(self) -> np.ndarray:
        """(k, 2) centres of the holes that open into the cavity (bolts, central bore)."""
        c = self.hole_centres()
        return np.vstack([c, [[0.0, 0.0]]]) if self.bore_diameter_mm > 0 else c

    def solid(self):
        import cadquery as cq

        wp = (cq.Workplane("XY").workplane(offset=self.bottom_z_mm)
              .circle(self.diameter_mm / 2.0).extrude(self.pedestal_top_z_mm - self.bottom_z_mm))
        return wp.faces("<Z").edges().chamfer(self.chamfer_mm) if self.chamfer_mm > 0 else wp

    def cutters(self, top_z_mm: float):
        z0 = self.bottom_z_mm
        parts = []
        if self.bore_diameter_mm > 0:
            parts.append(vertical_cylinder(0.0, 0.0, z0 - BELOW_MM, top_z_mm,
                                           self.bore_diameter_mm))
        if self.kind is CouplerKind.THREADED:
            parts.append(vertical_cylinder(0.0, 0.0, z0 - BELOW_MM, z0 + self.insert_depth_mm,
                                           self.insert_diameter_mm))
        elif self.bolts is not None:
            parts.append(self.bolts.cutters(z0, top_z_mm))
        return union_all(parts)

