"""Lower-limb distal mounts built with CadQuery, and the parts every distal interface shares.

The 4-hole plate (:class:`FourHoleAdapter`), the lamination-collar block
(:class:`CollarBlock`), the cut-outs of a pin-lock liner's shuttle lock
(:class:`ShuttleLock`) and a mount combined with further cutters (:class:`Stack`), each a
frozen dataclass in its own frame (mm, z up along the pylon, the bed face at
``bottom_z_mm``; the limb frame when the socket is square over it) with ``solid()`` and
``cutters(top_z_mm)`` as described in :mod:`prosthetics.sockets.adapters`; with them the
bolt-hole circle (:class:`BoltHoles`), the CadQuery primitives that the wrist coupler
(:mod:`prosthetics.sockets.wrist`) uses as well, and :class:`PlacedInterface`: any of them
placed under the socket by a rigid transform (the socket's alignment).

CadQuery is imported inside the builders: it takes over a second to import, and a
design that reuses its interface meshes (the live preview) or finds them in the geometry
cache (:func:`prosthetics.sockets.adapters.interface_meshes`) never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prosthetics.errors import N_, ParameterError

#: How far a cutter starts below the bed face, so the boolean leaves no skin, mm.
BELOW_MM = 1.0


def vertical_cylinder(x: float, y: float, z0: float, z1: float, diameter: float):
    """A vertical cylinder (CadQuery workplane) from ``z0`` to ``z1`` at (``x``, ``y``).

    Parameters
    ----------
    x, y : float, mm
        Centre of the cylinder's axis.
    z0, z1 : float, mm
        Bottom and top heights.
    diameter : float, mm

    Returns
    -------
    cadquery.Workplane
    """
    import cadquery as cq

    return (cq.Workplane("XY").workplane(offset=z0).center(x, y)
            .circle(diameter / 2.0).extrude(z1 - z0))


def union_all(parts):
    """The union of CadQuery workplanes, ``None`` entries skipped.

    Parameters
    ----------
    parts : sequence of cadquery.Workplane or None
        At least one not ``None``.

    Returns
    -------
    cadquery.Workplane
    """
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
            raise ParameterError.of(N_("bolt count = %(count)s; give at least 1"), count=self.count)
        if self.counterbore_diameter_mm and self.counterbore_diameter_mm <= self.clearance_diameter_mm:
            raise ParameterError.of(
                N_("counterbore diameter %(counterbore)s mm is not larger than the bolt clearance "
                   "%(clearance)s mm; make it larger or 0 (none)"),
                counterbore=f"{self.counterbore_diameter_mm:g}",
                clearance=f"{self.clearance_diameter_mm:g}")
        if self.insert_diameter_mm and self.insert_depth_mm <= 0:
            raise ParameterError.of(N_("insert_diameter_mm is set but insert_depth_mm is 0; give the "
                                       "heat-set insert's length"))

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
        start = bottom_z_mm - BELOW_MM
        parts = []
        for x, y in self.centres():
            if self.insert_diameter_mm > 0:
                parts.append(vertical_cylinder(x, y, start, bottom_z_mm + self.insert_depth_mm,
                                               self.insert_diameter_mm))
                continue
            parts.append(vertical_cylinder(x, y, start, top_z_mm, self.clearance_diameter_mm))
            if self.counterbore_diameter_mm > 0:
                parts.append(vertical_cylinder(x, y, bottom_z_mm + self.grip_mm, top_z_mm,
                                               self.counterbore_diameter_mm))
        return union_all(parts)


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

    def opening_centres(self) -> np.ndarray:
        """(k, 2) centres of the holes that open into the cavity: the bolt holes, unless the
        bolts come from below into heat-set inserts (blind pockets: none)."""
        return self.hole_centres() if self.insert_diameter_mm <= 0 else np.zeros((0, 2))

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
            start = self.bottom_z_mm - BELOW_MM
            holes = holes.union(vertical_cylinder(0.0, 0.0, start,
                                                  self.bottom_z_mm + self.recess_depth_mm,
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
            raise ParameterError.of(N_("spigot diameter %(spigot)s mm is not smaller than the block "
                                       "(%(block)s mm); reduce it"),
                                    spigot=f"{self.spigot_diameter_mm:g}",
                                    block=f"{self.block_diameter_mm:g}")
        if self.bore_diameter_mm and self.bore_diameter_mm + 4.0 > self.spigot_diameter_mm:
            raise ParameterError.of(N_("bore diameter %(bore)s mm leaves under 2 mm of spigot wall; "
                                       "make it below %(limit)s"), bore=f"{self.bore_diameter_mm:g}",
                                    limit=f"{self.spigot_diameter_mm - 4:g}")
        if self.insert_depth_mm + 1.5 > (self.spigot_diameter_mm - self.bore_diameter_mm) / 2:
            raise ParameterError.of(N_("insert depth %(depth)s mm goes through the spigot's wall; "
                                       "make it shorter or the bore smaller"),
                                    depth=f"{self.insert_depth_mm:g}")
        if not (self.insert_diameter_mm / 2 + 1.0 <= self.screw_height_mm
                <= self.spigot_length_mm - self.insert_diameter_mm / 2 - 1.0):
            raise ParameterError.of(N_("set-screw height %(height)s mm puts the inserts outside the "
                                       "%(length)s mm spigot; keep it inside by half the "
                                       "insert's diameter plus 1 mm"),
                                    height=f"{self.screw_height_mm:g}",
                                    length=f"{self.spigot_length_mm:g}")

    def hole_centres(self) -> np.ndarray:
        """(screw_count, 2) directions of the set screws on the spigot's surface, mm."""
        return _ring_points(self.screw_count, self.spigot_diameter_mm / 2.0, self.rotation_deg)

    def opening_centres(self) -> np.ndarray:
        """(0, 2): none of the block's holes opens into the cavity (the set screws are
        radial, the bore ends in the spigot)."""
        return np.zeros((0, 2))

    def hole_points(self) -> np.ndarray:
        """(screw_count, 3) centres of the set screws' holes on the spigot's surface, mm."""
        c = self.hole_centres()
        return np.column_stack([c, np.full(len(c), self.bottom_z_mm + self.screw_height_mm)])

    @property
    def solid_top_z_mm(self) -> float:
        """Height of the top of :meth:`solid` (the block reaches past its shoulder), mm."""
        shoulder = (self.block_diameter_mm - self.spigot_diameter_mm) / 2.0
        return max(self.pedestal_top_z_mm,
                   self.bottom_z_mm + self.spigot_length_mm + shoulder + 1.0)

    def solid(self):
        import cadquery as cq

        r_s, r_b = self.spigot_diameter_mm / 2.0, self.block_diameter_mm / 2.0
        z0, z1 = self.bottom_z_mm, self.bottom_z_mm + self.spigot_length_mm
        z2 = z1 + (r_b - r_s)   # 45 degree shoulder: prints without support
        top = self.solid_top_z_mm
        c = self.chamfer_mm
        # Revolved profile in the XZ plane (x = radius).
        pts = [(0.0, z0), (r_s - c, z0), (r_s, z0 + c), (r_s, z1), (r_b, z2), (r_b, top), (0.0, top)]
        return (cq.Workplane("XZ").polyline(pts).close()
                .revolve(360.0, (0, 0, 0), (0, 1, 0)))

    def cutters(self, top_z_mm: float):
        import cadquery as cq

        parts = []
        if self.bore_diameter_mm > 0:
            parts.append(vertical_cylinder(0.0, 0.0, self.bottom_z_mm - BELOW_MM,
                                           self.bottom_z_mm + self.spigot_length_mm,
                                           self.bore_diameter_mm))
        r_out = self.spigot_diameter_mm / 2.0
        for ang in np.radians(self.rotation_deg + 360.0 / self.screw_count
                              * np.arange(self.screw_count)):
            d = (float(np.cos(ang)), float(np.sin(ang)), 0.0)
            start = r_out + BELOW_MM
            plane = cq.Plane(origin=(d[0] * start, d[1] * start,
                                     self.bottom_z_mm + self.screw_height_mm),
                             xDir=(-d[1], d[0], 0.0), normal=(-d[0], -d[1], 0.0))
            parts.append(cq.Workplane(plane).circle(self.insert_diameter_mm / 2.0)
                         .extrude(BELOW_MM + self.insert_depth_mm))
        return union_all(parts)


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
            raise ParameterError.of(N_("pin hole %(pin)s mm is not smaller than the lock body "
                                       "(%(body)s mm)"), pin=f"{self.pin_hole_diameter_mm:g}",
                                    body=f"{self.body_diameter_mm:g}")

    def hole_centres(self) -> np.ndarray:
        return self.bolts.centres() if self.bolts is not None else np.zeros((0, 2))

    def cutters(self, top_z_mm: float):
        import cadquery as cq

        z0 = self.bottom_z_mm
        parts = [vertical_cylinder(0.0, 0.0, z0 - BELOW_MM, z0 + self.body_height_mm,
                                   self.body_diameter_mm),
                 vertical_cylinder(0.0, 0.0, z0 + self.body_height_mm - 0.5, top_z_mm,
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
        return union_all(parts)


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
        """The mount's openings and the shuttle lock's pin channel: they open into the cavity."""
        mount = getattr(self.mount, "opening_centres", self.mount.hole_centres)()
        return np.vstack([np.asarray(mount).reshape(-1, 2), [[0.0, 0.0]]])

    def solid(self):
        return self.mount.solid()

    def cutters(self, top_z_mm: float):
        return union_all([self.mount.cutters(top_z_mm)]
                         + [e.cutters(top_z_mm) for e in self.extra])


_PLACED_FIELDS = frozenset({"interface", "interface_to_design", "bottom_z_mm",
                            "pedestal_top_z_mm", "alignment"})


@dataclass(frozen=True, kw_only=True, eq=False)
class PlacedInterface:
    """A distal interface built in its own frame and placed under the socket (mm).

    ``interface`` (a :class:`FourHoleAdapter`, :class:`CollarBlock`, :class:`Stack` or
    wrist coupler) is built on its own axis, z along the pylon, the bed face at
    ``interface.bottom_z_mm``; ``interface_to_design`` (4, 4) is the rigid transform that
    places it in the limb (design) frame (the socket's alignment,
    :class:`~prosthetics.sockets.interfaces.Alignment`; the identity when the socket is
    square over it).  Sizes are the interface's (``plate_diameter_mm``,
    ``bolt_circle_radius_mm``... are read through); positions are in the design frame:

    Attributes
    ----------
    bottom_z_mm : float
        The interface's lowest point (the bed face's lowest edge), design frame.
    pedestal_top_z_mm : float
        The highest point of its block and pedestal, design frame: the shell's wall is
        measured above it.
    alignment : dict or None
        The alignment's record for the report (None: a template without alignment).
    """

    interface: object
    interface_to_design: np.ndarray
    bottom_z_mm: float
    pedestal_top_z_mm: float
    alignment: dict | None = None

    def __getattr__(self, name):
        # Sizes come from the interface; the fields above (and dunders, while unpickling)
        # never do.
        if name in _PLACED_FIELDS or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.interface, name)

    @property
    def axis(self) -> np.ndarray:
        """(3,) unit vector: the interface's (the pylon's) axis, +Z of its frame, design frame."""
        return self.interface_to_design[:3, 2].copy()

    @property
    def bed_normal(self) -> np.ndarray:
        """(3,) unit outward normal of the bed face (the face on the adapter), design frame."""
        return -self.axis

    @property
    def bed_centre_mm(self) -> np.ndarray:
        """(3,) the bed face's centre (on the interface's axis), design frame."""
        return _transform(np.array([[0.0, 0.0, self.interface.bottom_z_mm]]),
                          self.interface_to_design)[0]

    def hole_centres(self) -> np.ndarray:
        """(n, 3) the holes' centres, design frame, mm: where each bolt hole's axis meets
        the bed face (plate, coupler), or each set screw's hole on the spigot (collar)."""
        points = getattr(self.interface, "hole_points", None)
        if points is not None:
            pts = np.asarray(points(), dtype=float).reshape(-1, 3)
        else:
            c = np.asarray(self.interface.hole_centres(), dtype=float).reshape(-1, 2)
            pts = np.column_stack([c, np.full(len(c), self.interface.bottom_z_mm)])
        return _transform(pts, self.interface_to_design)

    def solid(self):
        """The interface's material (CadQuery), placed in the design frame."""
        return _placed(self.interface.solid(), self.interface_to_design)

    def cutters(self, top_z_mm: float):
        """The interface's cutters up to ``top_z_mm`` (in the interface's own frame), placed
        in the design frame (CadQuery)."""
        return _placed(self.interface.cutters(top_z_mm), self.interface_to_design)


def _transform(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Points (n, 3) moved by the 4x4 transform ``m``."""
    return points @ m[:3, :3].T + m[:3, 3]


def _placed(wp, m: np.ndarray):
    """A CadQuery workplane's objects moved rigidly by the 4x4 transform ``m`` (a turn about
    an axis through the origin, then a shift: OCC refuses a matrix that is orthogonal only
    to rounding)."""
    import cadquery as cq

    r, t = m[:3, :3], m[:3, 3]
    angle = float(np.arccos(np.clip((np.trace(r) - 1.0) / 2.0, -1.0, 1.0)))
    axis = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    shapes = wp.vals()
    if angle > 1e-12 and np.linalg.norm(axis) > 1e-12:
        shapes = [v.rotate(cq.Vector(0, 0, 0), cq.Vector(*axis), float(np.degrees(angle)))
                  for v in shapes]
    return cq.Workplane("XY").newObject([v.translate(cq.Vector(*t)) for v in shapes])

