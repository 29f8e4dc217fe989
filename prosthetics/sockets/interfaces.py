"""Parameters of the distal interfaces and the choice of the interface they describe.

:class:`DistalInterfaceParams` (the parameters every lower-limb socket template inherits:
the mount, its plate or collar, an optional shuttle lock, and the socket's alignment over
it) with :func:`make_interface`, which builds the CadQuery interface they describe
(:mod:`prosthetics.sockets.mounts`), and :func:`socket_alignment`, which places it under
the socket (:class:`Alignment`); :class:`WristCouplerParams` (upper-limb sockets), whose
``make_coupler`` builds the wrist coupler (:mod:`prosthetics.sockets.wrist`).  Lengths mm,
angles degrees, limb frame.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from prosthetics.errors import N_, ParameterError
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
    # The socket's alignment over the interface (bench alignment): the socket stays in the
    # limb frame and the interface is turned and shifted under it (see Alignment).
    socket_flexion_deg: float = param(
        5.0, label="Socket flexion", unit="deg", min=-15.0, max=15.0,
        help="Socket flexed relative to the distal interface (the pylon): + tilts the "
             "socket's proximal end anteriorly, - is extension. Bench alignment: 5 degrees "
             "plus the limb's own flexion contracture")
    socket_adduction_deg: float = param(
        0.0, label="Socket adduction", unit="deg", min=-15.0, max=15.0,
        help="Socket adducted relative to the distal interface: + tilts the socket's "
             "proximal end laterally (its distal end medially), - is abduction; set the "
             "limb's natural adduction. Follows limb_side (lateral is +X on a right limb)")
    socket_anterior_offset_mm: float = param(
        0.0, label="Socket anterior offset", unit="mm", min=-30.0, max=30.0,
        help="Socket shifted anteriorly over the distal interface, - posteriorly (the "
             "interface moves the other way under the socket's distal end)")
    socket_medial_offset_mm: float = param(
        0.0, label="Socket medial offset", unit="mm", min=-30.0, max=30.0,
        help="Socket shifted medially over the distal interface, - laterally (the "
             "interface moves the other way under the socket's distal end). Follows "
             "limb_side (medial is -X on a right limb)")

    def __post_init__(self) -> None:
        super().__post_init__()
        r_plate = self.adapter_plate_diameter_mm / 2.0
        hole_r = max(self.adapter_bolt_hole_diameter_mm, self.adapter_insert_diameter_mm) / 2.0
        if self.adapter_mount is Mount.COLLAR:
            if self.adapter_collar_spigot_diameter_mm + 4.0 > self.adapter_plate_diameter_mm:
                raise ParameterError.of(
                    N_("%(setting)s leaves under 2 mm of shoulder on a %(block)s block; make "
                       "the block larger"),
                    setting=f"adapter_collar_spigot_diameter_mm = "
                            f"{self.adapter_collar_spigot_diameter_mm:g}",
                    block=f"{self.adapter_plate_diameter_mm:g} mm")
            if self.adapter_shuttle_lock:
                raise ParameterError.of(N_("%(lock)s needs %(mount)s (the lock is held by the 4 "
                                           "bolts); change one of them"),
                                        lock="adapter_shuttle_lock",
                                        mount="adapter_mount = four_hole")
            return
        if self.adapter_bolt_circle_radius_mm + hole_r + 2.0 > r_plate:
            raise ParameterError.of(
                N_("%(setting)s puts the holes within 2 mm of the disc edge (%(radius)s "
                   "radius); use a smaller circle or a larger %(plate)s"),
                setting=f"adapter_bolt_circle_radius_mm = {self.adapter_bolt_circle_radius_mm:g}",
                radius=f"{r_plate:g} mm", plate="adapter_plate_diameter_mm")
        if self.adapter_recess_diameter_mm / 2.0 + 1.0 > self.adapter_bolt_circle_radius_mm - hole_r:
            raise ParameterError.of(
                N_("%(setting)s reaches the bolt holes; make it smaller than %(limit)s"),
                setting=f"adapter_recess_diameter_mm = {self.adapter_recess_diameter_mm:g}",
                limit=f"{2 * (self.adapter_bolt_circle_radius_mm - hole_r - 1.0):.1f} mm")
        if self.adapter_recess_depth_mm >= self.adapter_plate_thickness_mm:
            raise ParameterError.of(
                N_("%(setting)s is not less than %(other)s; reduce it"),
                setting=f"adapter_recess_depth_mm = {self.adapter_recess_depth_mm:g}",
                other=f"adapter_plate_thickness_mm = {self.adapter_plate_thickness_mm:g}")
        if self.adapter_counterbore_diameter_mm:
            if self.adapter_counterbore_diameter_mm <= self.adapter_bolt_hole_diameter_mm:
                raise ParameterError.of(
                    N_("%(setting)s is not larger than the bolt hole (%(hole)s); make it "
                       "larger, or 0 for none"),
                    setting=f"adapter_counterbore_diameter_mm = "
                            f"{self.adapter_counterbore_diameter_mm:g}",
                    hole=f"{self.adapter_bolt_hole_diameter_mm:g} mm")
            if self.adapter_insert_diameter_mm:
                raise ParameterError.of(N_("%(counterbore)s and %(insert)s are both set: bolts "
                                           "come from above (counterbore) or below (inserts); "
                                           "set one to 0"),
                                        counterbore="adapter_counterbore_diameter_mm",
                                        insert="adapter_insert_diameter_mm")
            hole_r = max(hole_r, self.adapter_counterbore_diameter_mm / 2.0)
            if self.adapter_bolt_circle_radius_mm + hole_r + 1.0 > r_plate:
                raise ParameterError.of(
                    N_("%(setting)s reaches within 1 mm of the disc edge; make it smaller"),
                    setting=f"adapter_counterbore_diameter_mm = "
                            f"{self.adapter_counterbore_diameter_mm:g}")
        if self.adapter_insert_diameter_mm and \
                self.adapter_insert_depth_mm + 2.0 > self.adapter_plate_thickness_mm + 8.0:
            raise ParameterError.of(
                N_("%(setting)s is deeper than the disc plus 6 mm of the wall above it; use a "
                   "thicker disc or shorter inserts"),
                setting=f"adapter_insert_depth_mm = {self.adapter_insert_depth_mm:g}")
        if self.adapter_shuttle_lock:
            lock_r = self.adapter_lock_body_diameter_mm / 2.0
            if lock_r + 1.0 > self.adapter_bolt_circle_radius_mm - hole_r:
                raise ParameterError.of(
                    N_("%(setting)s reaches the bolt holes; make it below %(limit)s"),
                    setting=f"adapter_lock_body_diameter_mm = "
                            f"{self.adapter_lock_body_diameter_mm:g}",
                    limit=f"{2 * (self.adapter_bolt_circle_radius_mm - hole_r - 1.0):.1f} mm")
            if self.adapter_lock_pin_hole_diameter_mm + 4.0 > self.adapter_lock_body_diameter_mm:
                raise ParameterError.of(
                    N_("%(setting)s is not at least 4 mm smaller than the lock body; reduce it"),
                    setting=f"adapter_lock_pin_hole_diameter_mm = "
                            f"{self.adapter_lock_pin_hole_diameter_mm:g}")

    @property
    def adapter_block_height_mm(self) -> float:
        """Height of the interface below the distal wall (disc, lock pocket or spigot), mm."""
        if self.adapter_mount is Mount.COLLAR:
            shoulder = (self.adapter_plate_diameter_mm - self.adapter_collar_spigot_diameter_mm) / 2
            return self.adapter_collar_spigot_length_mm + shoulder + self.adapter_plate_thickness_mm
        if self.adapter_shuttle_lock:
            return max(self.adapter_plate_thickness_mm, self.adapter_lock_body_height_mm + 2.0)
        return self.adapter_plate_thickness_mm


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """The socket's alignment over its distal interface (bench alignment), degrees and mm.

    The socket stays in the limb frame; the interface is built on its own axis (z along
    the pylon, the bed face down) and placed under the socket by
    :meth:`interface_to_design`: turned about a pivot on the limb's axis at the socket's
    distal end (where the interface meets the socket) and shifted.

    The angles are those seen in the sagittal and frontal views: in the interface's frame
    the socket's axis runs along ``(lateral * tan(adduction), tan(flexion), 1)``, reached
    from the pylon's axis by the smallest turn (no twist about the axis, so the bolt
    pattern keeps ``adapter_rotation_deg``).  The offsets move the socket's pivot across
    the pylon's axis, in the interface's frame.

    Attributes
    ----------
    flexion_deg : float
        + tilts the socket's proximal end anteriorly (+Y) relative to the pylon.
    adduction_deg : float
        + tilts the socket's proximal end laterally (+X on a right limb, -X on a left one).
    anterior_offset_mm, medial_offset_mm : float
        + puts the socket anterior of, medial of, the pylon's axis.
    side : str
        ``"right"`` or ``"left"``: which way lateral and medial are.
    """

    flexion_deg: float = 0.0
    adduction_deg: float = 0.0
    anterior_offset_mm: float = 0.0
    medial_offset_mm: float = 0.0
    side: str = "right"

    @property
    def lateral_sign(self) -> float:
        """+1 when lateral is +X (a right limb), -1 when it is -X."""
        return -1.0 if self.side == "left" else 1.0

    @property
    def is_identity(self) -> bool:
        return not (self.flexion_deg or self.adduction_deg or self.anterior_offset_mm
                    or self.medial_offset_mm)

    def socket_axis_in_interface(self) -> np.ndarray:
        """(3,) unit vector: the socket's axis (+Z of the limb frame) in the interface's frame."""
        v = np.array([self.lateral_sign * np.tan(np.radians(self.adduction_deg)),
                      np.tan(np.radians(self.flexion_deg)), 1.0])
        return v / np.linalg.norm(v)

    def rotation_interface_to_design(self) -> np.ndarray:
        """(3, 3) rotation from the interface's frame to the limb (design) frame."""
        n = self.socket_axis_in_interface()
        # The smallest turn taking the interface's +Z to the socket's axis (Rodrigues).
        v = np.cross([0.0, 0.0, 1.0], n)
        k = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
        socket_to_interface = np.eye(3) + k + k @ k / (1.0 + n[2])
        return socket_to_interface.T

    def interface_to_design(self, pivot_z_mm: float, drop_mm: float = 0.0) -> np.ndarray:
        """(4, 4) transform from the interface's frame to the limb (design) frame, mm.

        ``pivot_z_mm``: height of the pivot on the axis (the same point in both frames when
        the offsets are 0); ``drop_mm``: how far the interface is then moved down its own
        axis (to keep a turned distal end from sinking into its block).
        """
        r = self.rotation_interface_to_design()
        pivot = np.array([0.0, 0.0, pivot_z_mm])
        # Where the socket's pivot sits in the interface's frame.
        offset = np.array([-self.lateral_sign * self.medial_offset_mm,
                           self.anterior_offset_mm, drop_mm])
        m = np.eye(4)
        m[:3, :3] = r
        m[:3, 3] = pivot - r @ (pivot + offset)
        return m

    def as_dict(self, pivot_z_mm: float, drop_mm: float = 0.0) -> dict:
        """The record for the report: the four values, the pivot, the drop along the
        interface's axis, the pylon's axis and the transform (design frame, mm)."""
        m = self.interface_to_design(pivot_z_mm, drop_mm)
        return {"socket_flexion_deg": self.flexion_deg,
                "socket_adduction_deg": self.adduction_deg,
                "socket_anterior_offset_mm": self.anterior_offset_mm,
                "socket_medial_offset_mm": self.medial_offset_mm,
                "limb_side": self.side,
                "pivot_mm": [0.0, 0.0, round(float(pivot_z_mm), 6)],
                "dropped_along_axis_mm": round(float(drop_mm), 6),
                "interface_axis": np.round(m[:3, 2], 9).tolist(),
                "transform_interface_to_design": np.round(m, 9).tolist()}


def socket_alignment(p: DistalInterfaceParams) -> Alignment:
    """The :class:`Alignment` that ``p`` asks for (its ``socket_*`` values and ``limb_side``)."""
    side = getattr(getattr(p, "limb_side", None), "value", "right")
    return Alignment(flexion_deg=p.socket_flexion_deg, adduction_deg=p.socket_adduction_deg,
                     anterior_offset_mm=p.socket_anterior_offset_mm,
                     medial_offset_mm=p.socket_medial_offset_mm, side=side)


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
                raise ParameterError.of(
                    N_("%(setting)s is not at least 3 mm smaller than the insert pocket "
                       "(%(pocket)s): the insert would fall through; make the bore smaller"),
                    setting=f"coupler_bore_diameter_mm = {self.coupler_bore_diameter_mm:g}",
                    pocket=f"{self.coupler_insert_diameter_mm:g} mm")
            if self.coupler_insert_diameter_mm / 2.0 + 2.0 > r:
                raise ParameterError.of(
                    N_("%(setting)s leaves under 2 mm of wall in a %(disc)s disc; make the disc "
                       "larger or the insert smaller"),
                    setting=f"coupler_insert_diameter_mm = {self.coupler_insert_diameter_mm:g}",
                    disc=f"{self.coupler_diameter_mm:g} mm")
            if self.coupler_insert_depth_mm + 2.0 > self.coupler_thickness_mm:
                raise ParameterError.of(
                    N_("%(setting)s leaves under 2 mm above the insert in a %(disc)s disc; make "
                       "the disc thicker"),
                    setting=f"coupler_insert_depth_mm = {self.coupler_insert_depth_mm:g}",
                    disc=f"{self.coupler_thickness_mm:g} mm")
            return
        hole_r = max(self.coupler_bolt_hole_diameter_mm, self.coupler_counterbore_diameter_mm) / 2
        if self.coupler_bolt_circle_radius_mm + hole_r + 1.5 > r:
            raise ParameterError.of(
                N_("%(setting)s puts the bolts within 1.5 mm of the disc edge; use a smaller "
                   "circle"),
                setting=f"coupler_bolt_circle_radius_mm = {self.coupler_bolt_circle_radius_mm:g}")
        if self.coupler_bore_diameter_mm / 2.0 + 1.0 > self.coupler_bolt_circle_radius_mm - hole_r:
            raise ParameterError.of(
                N_("%(setting)s reaches the flange bolts; make it smaller"),
                setting=f"coupler_bore_diameter_mm = {self.coupler_bore_diameter_mm:g}")
        if self.coupler_counterbore_diameter_mm and \
                self.coupler_counterbore_diameter_mm <= self.coupler_bolt_hole_diameter_mm:
            raise ParameterError.of(N_("%(setting)s is not larger than the bolt clearance; make "
                                       "it larger, or 0 for none"),
                                    setting="coupler_counterbore_diameter_mm")

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
