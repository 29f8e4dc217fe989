"""Parameters of the distal interfaces and the choice of the interface they describe.

:class:`DistalInterfaceParams` (the parameters every lower-limb socket template inherits:
the mount, its plate or collar, an optional shuttle lock) with :func:`make_interface`, which
builds the CadQuery interface they describe (:mod:`prosthetics.sockets.mounts`), and
:class:`WristCouplerParams` (upper-limb sockets), whose ``make_coupler`` builds the wrist
coupler (:mod:`prosthetics.sockets.wrist`).  Lengths mm, angles degrees, limb frame.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from prosthetics.errors import ParameterError
from prosthetics.params import Params, param
from prosthetics.sockets.mounts import (
    BoltHoles,
    CollarBlock,
    FourHoleAdapter,
    ShuttleLock,
    Stack,
)
from prosthetics.sockets.wrist import CouplerKind, WristCoupler


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
