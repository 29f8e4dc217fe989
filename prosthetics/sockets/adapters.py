"""Distal interfaces of a socket: a small parametric library built with CadQuery.

Every interface is a frozen dataclass in the limb frame (mm, z up, the part's bed face at
``bottom_z_mm``) with two CadQuery methods:

- ``solid()``: material added under the socket (a disc or block and the pedestal that joins
  it to the shell), no holes;
- ``cutters(top_z_mm)``: material removed (bolt holes with their clearances, counterbores or
  insert pockets, recesses, a pin channel), reaching up to ``top_z_mm`` so a hole can run
  through the distal wall into the cavity.

The socket builders tessellate both (:func:`interface_meshes`, checked against the B-reps)
and join them to the shell's mesh with manifold3d; the B-reps themselves are exact and can be
exported on their own.

Interfaces
----------
:class:`FourHoleAdapter`
    The common 4-hole distal plate.  Defaults follow one published parametric model (62 mm
    disc, four 5 mm holes on a 21.5 mm radius, 32.5 mm central recess); check them against
    the adapter's instructions for use.  Optional counterbores inside the socket (bolt heads
    below the cavity floor) or heat-set insert pockets from the bed side (bolts from below).
:class:`CollarBlock`
    A lamination-collar style block: a round block under the socket ending in a spigot that a
    tube clamp or lamination collar grips (30 mm is the common pylon tube), held by radial
    set screws into heat-set inserts.
:class:`WristCoupler`
    The wrist end of an upper-limb socket: a disc with a pocket for a threaded insert (the
    terminal device's stud) or a bolted flange for a wrist unit.
:class:`ShuttleLock`
    Cutters only: the pocket of a pin-lock liner's shuttle lock body in the distal block, the
    pin channel into the cavity, the release-button hole out to the side and the lock's
    mounting bolts with counterbores.  Combined with a 4-hole plate or a collar block
    (:class:`Stack`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.geometry.brep import ANGULAR_TOLERANCE_RAD, tessellate
from prosthetics.params import Params, param

#: Chordal tolerance of the tessellation of CadQuery parts, mm (absolute).  0.02 mm keeps
#: the bolt holes round to well under a printer's resolution at a few thousand triangles.
TESSELLATION_TOLERANCE_MM = 0.02
TESSELLATION_ANGLE_RAD = ANGULAR_TOLERANCE_RAD

#: How far a cutter starts below the bed face, so the boolean leaves no skin, mm.
_BELOW_MM = 1.0


def _cylinder(x: float, y: float, z0: float, z1: float, diameter: float):
    """A vertical cylinder (CadQuery workplane) from z0 to z1 at (x, y)."""
    import cadquery as cq

    return (cq.Workplane("XY").workplane(offset=z0).center(x, y)
            .circle(diameter / 2.0).extrude(z1 - z0))


def _union(parts):
    parts = [p for p in parts if p is not None]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


def _ring_points(n: int, radius: float, rotation_deg: float) -> np.ndarray:
    """(n, 2) points equally spaced on a circle, the first at ``rotation_deg`` from +X."""
    ang = np.radians(rotation_deg + 360.0 / n * np.arange(n))
    return radius * np.column_stack([np.cos(ang), np.sin(ang)])


@dataclass(frozen=True, kw_only=True)
class BoltHoles:
    """Vertical bolt holes on a circle, with their clearance and head/insert provisions (mm).

    ``clearance_diameter_mm`` is the through hole (a 5 mm bolt wants about 5.3-5.5 mm printed;
    FDM holes come out undersize).  With ``counterbore_diameter_mm`` > 0 the hole widens from
    ``grip_mm`` above the bed face upward (the bolt head sits below the cavity floor, the bolt
    clamps ``grip_mm`` of plate).  With ``insert_diameter_mm`` > 0 the bolts come from below
    into heat-set inserts: a blind pocket ``insert_depth_mm`` deep from the bed face replaces
    the through hole.
    """

    count: int = 4
    circle_radius_mm: float
    clearance_diameter_mm: float
    rotation_deg: float = 45.0
    counterbore_diameter_mm: float = 0.0
    grip_mm: float = 0.0
    insert_diameter_mm: float = 0.0
    insert_depth_mm: float = 0.0

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ParameterError(f"bolt count = {self.count}; give at least 1")
        if self.counterbore_diameter_mm and self.counterbore_diameter_mm <= self.clearance_diameter_mm:
            raise ParameterError(
                f"counterbore diameter {self.counterbore_diameter_mm:g} mm is not larger than the "
                f"bolt clearance {self.clearance_diameter_mm:g} mm; make it larger or 0 (none)")
        if self.insert_diameter_mm and self.insert_depth_mm <= 0:
            raise ParameterError("insert_diameter_mm is set but insert_depth_mm is 0; give the "
                                 "heat-set insert's length")

    def centres(self) -> np.ndarray:
        """(count, 2) hole centres, mm."""
        return _ring_points(self.count, self.circle_radius_mm, self.rotation_deg)

    @property
    def widest_mm(self) -> float:
        """Largest diameter any part of a hole takes, mm."""
        return max(self.clearance_diameter_mm, self.counterbore_diameter_mm,
                   self.insert_diameter_mm)

    def cutters(self, bottom_z_mm: float, top_z_mm: float):
        """The holes from below the bed face to ``top_z_mm`` (one CadQuery workplane)."""
        start = bottom_z_mm - _BELOW_MM
        parts = []
        for x, y in self.centres():
            if self.insert_diameter_mm > 0:
                parts.append(_cylinder(x, y, start, bottom_z_mm + self.insert_depth_mm,
                                       self.insert_diameter_mm))
                continue
            parts.append(_cylinder(x, y, start, top_z_mm, self.clearance_diameter_mm))
            if self.counterbore_diameter_mm > 0:
                parts.append(_cylinder(x, y, bottom_z_mm + self.grip_mm, top_z_mm,
                                       self.counterbore_diameter_mm))
        return _union(parts)


@dataclass(frozen=True, kw_only=True)
class FourHoleAdapter:
    """A 4-hole distal plate and the pedestal that joins it to the socket.

    All lengths mm, angles degrees, in the limb frame (z up, distal plate at ``bottom_z_mm``).
    ``counterbore_*`` and ``insert_*`` are off (0) by default: plain through holes.
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
    counterbore_diameter_mm: float = 0.0
    insert_diameter_mm: float = 0.0
    insert_depth_mm: float = 0.0

    @property
    def bolts(self) -> BoltHoles:
        return BoltHoles(count=4, circle_radius_mm=self.bolt_circle_radius_mm,
                         clearance_diameter_mm=self.bolt_hole_diameter_mm,
                         rotation_deg=self.rotation_deg,
                         counterbore_diameter_mm=self.counterbore_diameter_mm,
                         grip_mm=self.plate_thickness_mm,
                         insert_diameter_mm=self.insert_diameter_mm,
                         insert_depth_mm=self.insert_depth_mm)

    def hole_centres(self) -> np.ndarray:
        """(4, 2) bolt hole centres, mm."""
        return self.bolts.centres()

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
        holes = self.bolts.cutters(self.bottom_z_mm, top_z_mm)
        if self.recess_diameter_mm > 0 and self.recess_depth_mm > 0:
            start = self.bottom_z_mm - _BELOW_MM
            holes = holes.union(_cylinder(0.0, 0.0, start, self.bottom_z_mm + self.recess_depth_mm,
                                          self.recess_diameter_mm))
        return holes


@dataclass(frozen=True, kw_only=True)
class CollarBlock:
    """A lamination-collar style block: a round block ending in a spigot for a tube clamp.

    From the bed face up: a spigot (``spigot_diameter_mm`` x ``spigot_length_mm``) that a
    tube clamp or lamination collar grips, a 45 degree shoulder out to the block's
    diameter, the block up to ``pedestal_top_z_mm``.  ``screw_count`` radial set screws go
    into heat-set inserts (``insert_diameter_mm`` x ``insert_depth_mm``) at
    ``screw_height_mm`` above the bed face; a central bore (0: none) saves material and lets
    a shuttle lock's pin through.
    """

    block_diameter_mm: float
    spigot_diameter_mm: float
    spigot_length_mm: float
    screw_count: int
    screw_height_mm: float
    insert_diameter_mm: float
    insert_depth_mm: float
    bore_diameter_mm: float
    rotation_deg: float
    bottom_z_mm: float
    pedestal_top_z_mm: float
    chamfer_mm: float = 0.8

    def __post_init__(self) -> None:
        if self.spigot_diameter_mm >= self.block_diameter_mm:
            raise ParameterError(f"spigot diameter {self.spigot_diameter_mm:g} mm is not smaller "
                                 f"than the block ({self.block_diameter_mm:g} mm); reduce it")
        if self.bore_diameter_mm and self.bore_diameter_mm + 4.0 > self.spigot_diameter_mm:
            raise ParameterError(f"bore diameter {self.bore_diameter_mm:g} mm leaves under 2 mm "
                                 f"of spigot wall; make it below {self.spigot_diameter_mm - 4:g}")
        if self.insert_depth_mm + 1.5 > (self.spigot_diameter_mm - self.bore_diameter_mm) / 2:
            raise ParameterError(f"insert depth {self.insert_depth_mm:g} mm goes through the "
                                 f"spigot's wall; make it shorter or the bore smaller")
        if not (self.insert_diameter_mm / 2 + 1.0 <= self.screw_height_mm
                <= self.spigot_length_mm - self.insert_diameter_mm / 2 - 1.0):
            raise ParameterError(f"set-screw height {self.screw_height_mm:g} mm puts the inserts "
                                 f"outside the {self.spigot_length_mm:g} mm spigot; keep it "
                                 f"inside by half the insert's diameter plus 1 mm")

    def hole_centres(self) -> np.ndarray:
        """(screw_count, 2) directions of the set screws on the spigot's surface, mm."""
        return _ring_points(self.screw_count, self.spigot_diameter_mm / 2.0, self.rotation_deg)

    def solid(self):
        import cadquery as cq

        r_s, r_b = self.spigot_diameter_mm / 2.0, self.block_diameter_mm / 2.0
        z0, z1 = self.bottom_z_mm, self.bottom_z_mm + self.spigot_length_mm
        z2 = z1 + (r_b - r_s)   # 45 degree shoulder: prints without support
        top = max(self.pedestal_top_z_mm, z2 + 1.0)
        c = self.chamfer_mm
        # Revolved profile in the XZ plane (x = radius).
        pts = [(0.0, z0), (r_s - c, z0), (r_s, z0 + c), (r_s, z1), (r_b, z2), (r_b, top), (0.0, top)]
        return (cq.Workplane("XZ").polyline(pts).close()
                .revolve(360.0, (0, 0, 0), (0, 1, 0)))

    def cutters(self, top_z_mm: float):
        import cadquery as cq

        parts = []
        if self.bore_diameter_mm > 0:
            parts.append(_cylinder(0.0, 0.0, self.bottom_z_mm - _BELOW_MM,
                                   self.bottom_z_mm + self.spigot_length_mm,
                                   self.bore_diameter_mm))
        r_out = self.spigot_diameter_mm / 2.0
        for ang in np.radians(self.rotation_deg + 360.0 / self.screw_count
                              * np.arange(self.screw_count)):
            d = (float(np.cos(ang)), float(np.sin(ang)), 0.0)
            start = r_out + _BELOW_MM
            plane = cq.Plane(origin=(d[0] * start, d[1] * start,
                                     self.bottom_z_mm + self.screw_height_mm),
                             xDir=(-d[1], d[0], 0.0), normal=(-d[0], -d[1], 0.0))
            parts.append(cq.Workplane(plane).circle(self.insert_diameter_mm / 2.0)
                         .extrude(_BELOW_MM + self.insert_depth_mm))
        return _union(parts)


@dataclass(frozen=True, kw_only=True)
class ShuttleLock:
    """The cut-outs for a pin-lock liner's shuttle lock (mm, limb frame).

    A cylindrical pocket for the lock body, open at the bed face (the lock is fitted from
    below and bolted), the pin channel on the axis from the pocket up to ``top_z_mm`` (into the
    cavity), a lateral hole for the release button at the pocket's mid-height, and the lock's
    mounting bolts (:class:`BoltHoles`, with counterbores inside).
    """

    body_diameter_mm: float
    body_height_mm: float
    pin_hole_diameter_mm: float
    release_hole_diameter_mm: float
    release_direction_deg: float
    bolts: BoltHoles | None
    bottom_z_mm: float

    def __post_init__(self) -> None:
        if self.pin_hole_diameter_mm >= self.body_diameter_mm:
            raise ParameterError(f"pin hole {self.pin_hole_diameter_mm:g} mm is not smaller than "
                                 f"the lock body ({self.body_diameter_mm:g} mm)")

    def hole_centres(self) -> np.ndarray:
        return self.bolts.centres() if self.bolts is not None else np.zeros((0, 2))

    def cutters(self, top_z_mm: float):
        import cadquery as cq

        z0 = self.bottom_z_mm
        parts = [_cylinder(0.0, 0.0, z0 - _BELOW_MM, z0 + self.body_height_mm,
                           self.body_diameter_mm),
                 _cylinder(0.0, 0.0, z0 + self.body_height_mm - 0.5, top_z_mm,
                           self.pin_hole_diameter_mm)]
        if self.release_hole_diameter_mm > 0:
            a = np.radians(self.release_direction_deg)
            d = (float(np.cos(a)), float(np.sin(a)), 0.0)
            plane = cq.Plane(origin=(0.0, 0.0, z0 + self.body_height_mm / 2.0),
                             xDir=(-d[1], d[0], 0.0), normal=d)
            parts.append(cq.Workplane(plane).circle(self.release_hole_diameter_mm / 2.0)
                         .extrude(200.0))
        if self.bolts is not None:
            parts.append(self.bolts.cutters(z0, top_z_mm))
        return _union(parts)


@dataclass(frozen=True, kw_only=True)
class Stack:
    """A mount (4-hole plate or collar block) with further cutters (e.g. a shuttle lock)."""

    mount: FourHoleAdapter | CollarBlock
    extra: tuple = ()

    def __getattr__(self, name):
        # bottom_z_mm, pedestal_top_z_mm, plate_thickness_mm... come from the mount.
        if name in ("mount", "extra"):
            raise AttributeError(name)
        return getattr(self.mount, name)

    def hole_centres(self) -> np.ndarray:
        return self.mount.hole_centres()

    def opening_centres(self) -> np.ndarray:
        """Bolt holes and the shuttle lock's pin channel: they open into the cavity."""
        return np.vstack([self.mount.hole_centres(), [[0.0, 0.0]]])

    def solid(self):
        return self.mount.solid()

    def cutters(self, top_z_mm: float):
        return _union([self.mount.cutters(top_z_mm)] + [e.cutters(top_z_mm) for e in self.extra])


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
            parts.append(_cylinder(0.0, 0.0, z0 - _BELOW_MM, top_z_mm, self.bore_diameter_mm))
        if self.kind is CouplerKind.THREADED:
            parts.append(_cylinder(0.0, 0.0, z0 - _BELOW_MM, z0 + self.insert_depth_mm,
                                   self.insert_diameter_mm))
        elif self.bolts is not None:
            parts.append(self.bolts.cutters(z0, top_z_mm))
        return _union(parts)


@dataclass(frozen=True, kw_only=True)
class WristCouplerParams(Params):
    """Parameters of the wrist / terminal-device coupler (upper-limb sockets)."""

    coupler_kind: CouplerKind = param(
        CouplerKind.THREADED, label="Coupler",
        help="threaded: pocket for a threaded insert (terminal-device stud); bolted: a "
             "flange of bolts for a wrist unit")
    coupler_diameter_mm: float = param(45.0, label="Coupler disc diameter", unit="mm",
                                       min=25.0, max=70.0,
                                       help="Outer diameter of the wrist end (wrist units: "
                                            "40-50 mm for adults, 30-40 mm for children)")
    coupler_thickness_mm: float = param(12.0, label="Coupler disc thickness", unit="mm",
                                        min=4.0, max=30.0)
    coupler_insert_diameter_mm: float = param(
        16.0, label="Threaded insert diameter", unit="mm", min=5.0, max=40.0,
        help="Pocket for the metal insert or nut (1/2-20 UNF inserts: about 16 mm)")
    coupler_insert_depth_mm: float = param(10.0, label="Threaded insert depth", unit="mm",
                                           min=3.0, max=28.0)
    coupler_bore_diameter_mm: float = param(
        13.0, label="Central bore", unit="mm", min=0.0, max=40.0,
        help="Through the disc into the socket (the stud's clearance, cables); 0: none")
    coupler_bolt_count: int = param(4, label="Flange bolts", min=2, max=8)
    coupler_bolt_circle_radius_mm: float = param(16.0, label="Flange bolt circle radius",
                                                 unit="mm", min=6.0, max=32.0)
    coupler_bolt_hole_diameter_mm: float = param(3.4, label="Flange bolt clearance",
                                                 unit="mm", min=2.0, max=8.0,
                                                 help="M3: 3.4 mm")
    coupler_counterbore_diameter_mm: float = param(6.5, label="Flange bolt counterbore",
                                                   unit="mm", min=0.0, max=14.0,
                                                   help="For the heads inside; 0: none")

    def __post_init__(self) -> None:
        super().__post_init__()
        r = self.coupler_diameter_mm / 2.0
        if self.coupler_kind is CouplerKind.THREADED:
            if self.coupler_bore_diameter_mm > self.coupler_insert_diameter_mm - 3.0:
                raise ParameterError(
                    f"coupler_bore_diameter_mm = {self.coupler_bore_diameter_mm:g} is not at "
                    f"least 3 mm smaller than the insert pocket "
                    f"({self.coupler_insert_diameter_mm:g} mm): the insert would fall through; "
                    f"make the bore smaller")
            if self.coupler_insert_diameter_mm / 2.0 + 2.0 > r:
                raise ParameterError(
                    f"coupler_insert_diameter_mm = {self.coupler_insert_diameter_mm:g} leaves "
                    f"under 2 mm of wall in a {self.coupler_diameter_mm:g} mm disc; make the "
                    f"disc larger or the insert smaller")
            if self.coupler_insert_depth_mm + 2.0 > self.coupler_thickness_mm:
                raise ParameterError(
                    f"coupler_insert_depth_mm = {self.coupler_insert_depth_mm:g} leaves under "
                    f"2 mm above the insert in a {self.coupler_thickness_mm:g} mm disc; "
                    f"make the disc thicker")
            return
        hole_r = max(self.coupler_bolt_hole_diameter_mm, self.coupler_counterbore_diameter_mm) / 2
        if self.coupler_bolt_circle_radius_mm + hole_r + 1.5 > r:
            raise ParameterError(
                f"coupler_bolt_circle_radius_mm = {self.coupler_bolt_circle_radius_mm:g} puts "
                f"the bolts within 1.5 mm of the disc edge; use a smaller circle")
        if self.coupler_bore_diameter_mm / 2.0 + 1.0 > self.coupler_bolt_circle_radius_mm - hole_r:
            raise ParameterError(
                f"coupler_bore_diameter_mm = {self.coupler_bore_diameter_mm:g} reaches the "
                f"flange bolts; make it smaller")
        if self.coupler_counterbore_diameter_mm and \
                self.coupler_counterbore_diameter_mm <= self.coupler_bolt_hole_diameter_mm:
            raise ParameterError("coupler_counterbore_diameter_mm is not larger than the bolt "
                                 "clearance; make it larger, or 0 for none")

    def make_coupler(self, bottom_z_mm: float, pedestal_top_z_mm: float) -> WristCoupler:
        """The CadQuery coupler these parameters describe."""
        bolts = None
        if self.coupler_kind is CouplerKind.BOLTED:
            bolts = BoltHoles(count=self.coupler_bolt_count,
                              circle_radius_mm=self.coupler_bolt_circle_radius_mm,
                              clearance_diameter_mm=self.coupler_bolt_hole_diameter_mm,
                              rotation_deg=0.0,
                              counterbore_diameter_mm=self.coupler_counterbore_diameter_mm,
                              grip_mm=min(6.0, self.coupler_thickness_mm))
        return WristCoupler(kind=self.coupler_kind, diameter_mm=self.coupler_diameter_mm,
                            thickness_mm=self.coupler_thickness_mm,
                            insert_diameter_mm=self.coupler_insert_diameter_mm,
                            insert_depth_mm=self.coupler_insert_depth_mm,
                            bore_diameter_mm=self.coupler_bore_diameter_mm, bolts=bolts,
                            bottom_z_mm=bottom_z_mm, pedestal_top_z_mm=pedestal_top_z_mm)


class Mount(enum.Enum):
    """How the socket meets the rest of the prosthesis at its distal end."""

    FOUR_HOLE = "four_hole"
    COLLAR = "collar"


@dataclass(frozen=True, kw_only=True)
class DistalInterfaceParams(Params):
    """Parameters of the distal interface, shared by every lower-limb socket template.

    A template's parameter class inherits these; :func:`make_interface` builds the CadQuery
    interface from them.  Lengths mm, angles degrees.
    """

    adapter_mount: Mount = param(
        Mount.FOUR_HOLE, label="Distal mount",
        help="four_hole: a disc for a 4-hole adapter; collar: a block ending in a spigot "
             "for a tube clamp or lamination collar")
    adapter_plate_diameter_mm: float = param(62.0, label="Adapter disc diameter", unit="mm",
                                             min=30.0, max=100.0,
                                             help="Disc (four_hole) or block (collar) diameter")
    adapter_plate_thickness_mm: float = param(6.0, label="Adapter disc thickness", unit="mm",
                                              min=2.0, max=25.0)
    adapter_bolt_hole_diameter_mm: float = param(5.0, label="Bolt hole diameter", unit="mm",
                                                 min=2.0, max=10.0,
                                                 help="Clearance of the 4 bolts as printed "
                                                      "(FDM holes shrink: add 0.3-0.5 mm)")
    adapter_bolt_circle_radius_mm: float = param(21.5, label="Bolt circle radius", unit="mm",
                                                 min=8.0, max=45.0)
    adapter_recess_diameter_mm: float = param(32.5, label="Central recess diameter", unit="mm",
                                              min=0.0, max=80.0)
    adapter_recess_depth_mm: float = param(1.5, label="Central recess depth", unit="mm",
                                           min=0.0, max=10.0)
    adapter_rotation_deg: float = param(45.0, label="Bolt pattern rotation", unit="deg",
                                        min=-180.0, max=180.0,
                                        help="Angle of the first hole from +X (medio-lateral)")
    adapter_counterbore_diameter_mm: float = param(
        0.0, label="Bolt counterbore diameter", unit="mm", min=0.0, max=20.0,
        help="Counterbore for the bolt heads from inside, starting the disc's thickness "
             "above the bed face; 0: plain holes")
    adapter_insert_diameter_mm: float = param(
        0.0, label="Heat-set insert hole diameter", unit="mm", min=0.0, max=12.0,
        help="Bolts from below into heat-set inserts (M5: about 6.4 mm): blind pockets "
             "replace the through holes; 0: through holes")
    adapter_insert_depth_mm: float = param(8.0, label="Heat-set insert depth", unit="mm",
                                           min=2.0, max=25.0)
    adapter_collar_spigot_diameter_mm: float = param(
        30.0, label="Collar spigot diameter", unit="mm", min=16.0, max=60.0,
        help="Outer diameter of the spigot a tube clamp grips (30 mm: the common pylon tube)")
    adapter_collar_spigot_length_mm: float = param(25.0, label="Collar spigot length",
                                                   unit="mm", min=10.0, max=60.0)
    adapter_collar_screw_count: int = param(2, label="Collar set screws", min=1, max=6)
    adapter_collar_screw_height_mm: float = param(
        12.0, label="Collar screw height", unit="mm", min=4.0, max=50.0,
        help="Height of the set screws' axes above the spigot's end")
    adapter_collar_insert_diameter_mm: float = param(6.4, label="Collar insert hole diameter",
                                                     unit="mm", min=3.0, max=10.0)
    adapter_collar_insert_depth_mm: float = param(7.0, label="Collar insert depth", unit="mm",
                                                  min=2.0, max=15.0)
    adapter_collar_bore_diameter_mm: float = param(0.0, label="Collar central bore",
                                                   unit="mm", min=0.0, max=40.0)
    adapter_shuttle_lock: bool = param(
        False, label="Shuttle lock (pin-lock liner)",
        help="Cut a pocket for a shuttle lock's body from the bed face, the pin channel into "
             "the cavity and the release-button hole (four_hole mount; the lock is held by "
             "the 4 bolts)")
    adapter_lock_body_diameter_mm: float = param(30.0, label="Lock body diameter", unit="mm",
                                                 min=10.0, max=60.0)
    adapter_lock_body_height_mm: float = param(
        12.0, label="Lock body height", unit="mm", min=4.0, max=40.0,
        help="The disc grows to this plus 2 mm when it is thinner")
    adapter_lock_pin_hole_diameter_mm: float = param(8.0, label="Pin channel diameter",
                                                     unit="mm", min=3.0, max=20.0)
    adapter_lock_release_hole_diameter_mm: float = param(
        8.0, label="Release button hole", unit="mm", min=0.0, max=15.0, help="0: none")
    adapter_lock_release_direction_deg: float = param(
        0.0, label="Release button direction", unit="deg", min=-180.0, max=180.0,
        help="From +X (medio-lateral); +90 is anterior")

    def __post_init__(self) -> None:
        super().__post_init__()
        r_plate = self.adapter_plate_diameter_mm / 2.0
        hole_r = max(self.adapter_bolt_hole_diameter_mm, self.adapter_insert_diameter_mm) / 2.0
        if self.adapter_mount is Mount.COLLAR:
            if self.adapter_collar_spigot_diameter_mm + 4.0 > self.adapter_plate_diameter_mm:
                raise ParameterError(
                    f"adapter_collar_spigot_diameter_mm = "
                    f"{self.adapter_collar_spigot_diameter_mm:g} leaves under 2 mm of shoulder "
                    f"on a {self.adapter_plate_diameter_mm:g} mm block; make the block larger")
            if self.adapter_shuttle_lock:
                raise ParameterError("adapter_shuttle_lock needs adapter_mount = four_hole (the "
                                     "lock is held by the 4 bolts); change one of them")
            return
        if self.adapter_bolt_circle_radius_mm + hole_r + 2.0 > r_plate:
            raise ParameterError(
                f"adapter_bolt_circle_radius_mm = {self.adapter_bolt_circle_radius_mm:g} puts "
                f"the holes within 2 mm of the disc edge ({r_plate:g} mm radius); use a smaller "
                f"circle or a larger adapter_plate_diameter_mm")
        if self.adapter_recess_diameter_mm / 2.0 + 1.0 > self.adapter_bolt_circle_radius_mm - hole_r:
            raise ParameterError(
                f"adapter_recess_diameter_mm = {self.adapter_recess_diameter_mm:g} reaches the "
                f"bolt holes; make it smaller than "
                f"{2 * (self.adapter_bolt_circle_radius_mm - hole_r - 1.0):.1f} mm")
        if self.adapter_recess_depth_mm >= self.adapter_plate_thickness_mm:
            raise ParameterError(
                f"adapter_recess_depth_mm = {self.adapter_recess_depth_mm:g} is not less than "
                f"adapter_plate_thickness_mm = {self.adapter_plate_thickness_mm:g}; reduce it")
        if self.adapter_counterbore_diameter_mm:
            if self.adapter_counterbore_diameter_mm <= self.adapter_bolt_hole_diameter_mm:
                raise ParameterError(
                    f"adapter_counterbore_diameter_mm = {self.adapter_counterbore_diameter_mm:g} "
                    f"is not larger than the bolt hole ({self.adapter_bolt_hole_diameter_mm:g}"
                    f" mm); make it larger, or 0 for none")
            if self.adapter_insert_diameter_mm:
                raise ParameterError("adapter_counterbore_diameter_mm and "
                                     "adapter_insert_diameter_mm are both set: bolts come from "
                                     "above (counterbore) or below (inserts); set one to 0")
            hole_r = max(hole_r, self.adapter_counterbore_diameter_mm / 2.0)
            if self.adapter_bolt_circle_radius_mm + hole_r + 1.0 > r_plate:
                raise ParameterError(
                    f"adapter_counterbore_diameter_mm = {self.adapter_counterbore_diameter_mm:g}"
                    f" reaches within 1 mm of the disc edge; make it smaller")
        if self.adapter_insert_diameter_mm and \
                self.adapter_insert_depth_mm + 2.0 > self.adapter_plate_thickness_mm + 8.0:
            raise ParameterError(
                f"adapter_insert_depth_mm = {self.adapter_insert_depth_mm:g} is deeper than the "
                f"disc plus 6 mm of the wall above it; use a thicker disc or shorter inserts")
        if self.adapter_shuttle_lock:
            lock_r = self.adapter_lock_body_diameter_mm / 2.0
            if lock_r + 1.0 > self.adapter_bolt_circle_radius_mm - hole_r:
                raise ParameterError(
                    f"adapter_lock_body_diameter_mm = {self.adapter_lock_body_diameter_mm:g} "
                    f"reaches the bolt holes; make it below "
                    f"{2 * (self.adapter_bolt_circle_radius_mm - hole_r - 1.0):.1f} mm")
            if self.adapter_lock_pin_hole_diameter_mm + 4.0 > self.adapter_lock_body_diameter_mm:
                raise ParameterError(
                    f"adapter_lock_pin_hole_diameter_mm = "
                    f"{self.adapter_lock_pin_hole_diameter_mm:g} is not at least 4 mm smaller "
                    f"than the lock body; reduce it")

    @property
    def adapter_block_height_mm(self) -> float:
        """Height of the interface below the distal wall (disc, lock pocket or spigot), mm."""
        if self.adapter_mount is Mount.COLLAR:
            shoulder = (self.adapter_plate_diameter_mm - self.adapter_collar_spigot_diameter_mm) / 2
            return self.adapter_collar_spigot_length_mm + shoulder + self.adapter_plate_thickness_mm
        if self.adapter_shuttle_lock:
            return max(self.adapter_plate_thickness_mm, self.adapter_lock_body_height_mm + 2.0)
        return self.adapter_plate_thickness_mm


def make_interface(p: DistalInterfaceParams, bottom_z_mm: float, pedestal_top_z_mm: float):
    """The CadQuery distal interface described by ``p`` (limb frame, mm).

    Returns a :class:`FourHoleAdapter`, :class:`CollarBlock` or :class:`Stack` (a plate with
    a shuttle lock); each has ``solid()``, ``cutters(top_z_mm)``, ``hole_centres()``,
    ``bottom_z_mm`` and ``pedestal_top_z_mm``.
    """
    if p.adapter_mount is Mount.COLLAR:
        return CollarBlock(
            block_diameter_mm=p.adapter_plate_diameter_mm,
            spigot_diameter_mm=p.adapter_collar_spigot_diameter_mm,
            spigot_length_mm=p.adapter_collar_spigot_length_mm,
            screw_count=p.adapter_collar_screw_count,
            screw_height_mm=p.adapter_collar_screw_height_mm,
            insert_diameter_mm=p.adapter_collar_insert_diameter_mm,
            insert_depth_mm=p.adapter_collar_insert_depth_mm,
            bore_diameter_mm=p.adapter_collar_bore_diameter_mm,
            rotation_deg=p.adapter_rotation_deg, bottom_z_mm=bottom_z_mm,
            pedestal_top_z_mm=pedestal_top_z_mm)
    plate = FourHoleAdapter(
        plate_diameter_mm=p.adapter_plate_diameter_mm,
        plate_thickness_mm=p.adapter_block_height_mm,
        bolt_hole_diameter_mm=p.adapter_bolt_hole_diameter_mm,
        bolt_circle_radius_mm=p.adapter_bolt_circle_radius_mm,
        recess_diameter_mm=p.adapter_recess_diameter_mm,
        recess_depth_mm=p.adapter_recess_depth_mm,
        rotation_deg=p.adapter_rotation_deg, bottom_z_mm=bottom_z_mm,
        pedestal_top_z_mm=pedestal_top_z_mm,
        counterbore_diameter_mm=p.adapter_counterbore_diameter_mm,
        insert_diameter_mm=p.adapter_insert_diameter_mm,
        insert_depth_mm=p.adapter_insert_depth_mm)
    if not p.adapter_shuttle_lock:
        return plate
    lock = ShuttleLock(body_diameter_mm=p.adapter_lock_body_diameter_mm,
                       body_height_mm=p.adapter_lock_body_height_mm,
                       pin_hole_diameter_mm=p.adapter_lock_pin_hole_diameter_mm,
                       release_hole_diameter_mm=p.adapter_lock_release_hole_diameter_mm,
                       release_direction_deg=p.adapter_lock_release_direction_deg,
                       bolts=None, bottom_z_mm=bottom_z_mm)
    return Stack(mount=plate, extra=(lock,))


def text_solid(text: str, size: float = 10.0, depth: float = 1.0):
    """One line of bold sans text as a CadQuery workplane, centred, ``depth`` deep (mm)."""
    import cadquery as cq

    return cq.Workplane("XY").text(text, size, depth, kind="bold", halign="center",
                                   valign="center")


def interface_meshes(iface, top_z_mm: float) -> tuple[trimesh.Trimesh, trimesh.Trimesh]:
    """An interface's material and its cutters as closed meshes (mm, limb frame).

    Parameters
    ----------
    iface
        Any interface of this module (``solid()`` and ``cutters(top_z_mm)``).
    top_z_mm : float, mm
        Height the cutters reach up to (see ``cutters``).

    Returns
    -------
    (solid, cutters) : trimesh.Trimesh
        Tessellated at :data:`TESSELLATION_TOLERANCE_MM` and checked against the B-reps
        (:func:`prosthetics.geometry.brep.tessellate`).

    Raises
    ------
    GeometryError
        OCC could not build or mesh a part.
    """
    fix = "check the adapter_* parameters"
    return (tessellate(iface.solid(), TESSELLATION_TOLERANCE_MM, TESSELLATION_ANGLE_RAD,
                       what="distal interface", fix=fix),
            tessellate(iface.cutters(top_z_mm=top_z_mm), TESSELLATION_TOLERANCE_MM,
                       TESSELLATION_ANGLE_RAD, what="distal interface's holes", fix=fix))
