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

The parameters and the choice of interface are in :mod:`prosthetics.sockets.interfaces`,
the lower-limb builders in :mod:`prosthetics.sockets.mounts`, the wrist coupler in
:mod:`prosthetics.sockets.wrist`; every name is also importable from here.

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

import trimesh

from prosthetics.geometry.brep import ANGULAR_TOLERANCE_RAD, tessellate
from prosthetics.sockets.interfaces import (
    DistalInterfaceParams,
    Mount,
    WristCouplerParams,
    make_interface,
)
from prosthetics.sockets.mounts import BoltHoles, CollarBlock, FourHoleAdapter, ShuttleLock, Stack
from prosthetics.sockets.wrist import CouplerKind, WristCoupler

__all__ = ["TESSELLATION_ANGLE_RAD", "TESSELLATION_TOLERANCE_MM", "BoltHoles", "CollarBlock",
           "CouplerKind", "DistalInterfaceParams", "FourHoleAdapter", "Mount", "ShuttleLock",
           "Stack", "WristCoupler", "WristCouplerParams", "interface_meshes", "make_interface",
           "text_solid"]

#: Chordal tolerance of the tessellation of CadQuery parts, mm (absolute).  0.02 mm keeps
#: the bolt holes round to well under a printer's resolution at a few thousand triangles.
TESSELLATION_TOLERANCE_MM = 0.02
TESSELLATION_ANGLE_RAD = ANGULAR_TOLERANCE_RAD


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
        Any distal interface (``solid()`` and ``cutters(top_z_mm)``).
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
