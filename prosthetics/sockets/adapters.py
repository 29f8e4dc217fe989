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
exported on their own.  The tessellations are kept in the per-user geometry cache
(:mod:`prosthetics.cache`), keyed by every field of the interface and the builders' source
files: a design whose interface was built before neither builds it again nor imports
CadQuery.

An interface is built on its own axis (z along the pylon) and placed under the socket by a
rigid transform, the socket's alignment (:class:`Alignment`, :class:`PlacedInterface`).
The builders tessellate it once, tall (:func:`interface_meshes` with its pedestal and
cutters reaching :func:`tall_top_z`), and :func:`placed_meshes` cuts those meshes to the
heights a socket needs and moves them into place: a new alignment, or a new pedestal
height, costs a plane cut and a transform, not a CadQuery rebuild.

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

import dataclasses
import enum
import math
from pathlib import Path

import manifold3d
import numpy as np
import trimesh

from prosthetics import cache
from prosthetics.geometry import brep
from prosthetics.geometry.brep import ANGULAR_TOLERANCE_RAD, tessellate
from prosthetics.geometry.meshing import from_manifold, to_manifold
from prosthetics.sockets import mounts, wrist
from prosthetics.sockets.interfaces import (
    Alignment,
    DistalInterfaceParams,
    Mount,
    WristCouplerParams,
    make_interface,
    socket_alignment,
)
from prosthetics.sockets.mounts import (
    BoltHoles,
    CollarBlock,
    FourHoleAdapter,
    PlacedInterface,
    ShuttleLock,
    Stack,
)
from prosthetics.sockets.wrist import CouplerKind, WristCoupler

__all__ = ["CADQUERY_LIBRARIES", "INTERFACE_SOURCES", "TALL_STEP_MM", "TESSELLATION_ANGLE_RAD",
           "TESSELLATION_TOLERANCE_MM", "TEXT_FONT", "TEXT_KIND", "Alignment", "BoltHoles",
           "CollarBlock", "CouplerKind", "DistalInterfaceParams", "FourHoleAdapter", "Mount",
           "PlacedInterface", "ShuttleLock", "Stack", "WristCoupler", "WristCouplerParams",
           "interface_meshes", "make_interface", "placed_meshes", "socket_alignment",
           "tall_top_z", "text_solid"]

#: Chordal tolerance of the tessellation of CadQuery parts, mm (absolute).  0.02 mm keeps
#: the bolt holes round to well under a printer's resolution at a few thousand triangles.
TESSELLATION_TOLERANCE_MM = 0.02
TESSELLATION_ANGLE_RAD = ANGULAR_TOLERANCE_RAD


#: The font of the label's text, as CadQuery names it (OCC picks the nearest font
#: installed), and its style.
TEXT_FONT, TEXT_KIND = "Arial", "bold"


def text_solid(text: str, size: float = 10.0, depth: float = 1.0):
    """One line of bold sans text as a CadQuery workplane, centred, ``depth`` deep (mm)."""
    import cadquery as cq

    return cq.Workplane("XY").text(text, size, depth, font=TEXT_FONT, kind=TEXT_KIND,
                                   halign="center", valign="center")


#: Libraries whose versions key the cached tessellations of CadQuery parts.
CADQUERY_LIBRARIES = ("cadquery", "cadquery-ocp")
#: The code that builds an interface's meshes: a change to any of these files is a new
#: cache entry.
INTERFACE_SOURCES = tuple(str(Path(m.__file__)) for m in (mounts, wrist, brep)) + (__file__,)


def _describe(part):
    """A JSON description of an interface: its class and every field, recursively (floats
    exactly, as ``repr`` writes them)."""
    if dataclasses.is_dataclass(part):
        return {"class": type(part).__name__,
                **{f.name: _describe(getattr(part, f.name)) for f in dataclasses.fields(part)}}
    if isinstance(part, enum.Enum):
        return part.value
    if isinstance(part, np.ndarray):
        return _describe(part.tolist())
    if isinstance(part, dict):
        return {str(k): _describe(v) for k, v in part.items()}
    if isinstance(part, (tuple, list)):
        return [_describe(p) for p in part]
    if part is None or isinstance(part, (bool, str)):
        return part
    if isinstance(part, (int, np.integer)):
        return int(part)
    if isinstance(part, (float, np.floating)):
        return float(part)
    raise TypeError(f"cannot key an interface on {type(part).__name__} {part!r}")


def interface_meshes(iface, top_z_mm: float) -> tuple[trimesh.Trimesh, trimesh.Trimesh]:
    """An interface's material and its cutters as closed meshes (mm, limb frame).

    Kept in the geometry cache (:func:`prosthetics.cache.cached_meshes`), keyed by every
    field of the interface (its heights included: OCC triangulates a part moved up or down
    with other diagonals), ``top_z_mm``, the tolerances and the builders' source files: a
    cached interface imports no CadQuery, and its meshes are the ones built, array for
    array.

    Parameters
    ----------
    iface
        Any distal interface (``solid()`` and ``cutters(top_z_mm)``), or one placed under
        a socket (:class:`PlacedInterface`).
    top_z_mm : float, mm
        Height the cutters reach up to (see ``cutters``).

    Returns
    -------
    (solid, cutters) : trimesh.Trimesh
        Tessellated at :data:`TESSELLATION_TOLERANCE_MM` and checked against the B-reps
        (:func:`prosthetics.geometry.brep.tessellate`) when built.

    Raises
    ------
    GeometryError
        OCC could not build or mesh a part.
    """
    fix = "check the adapter_* parameters"

    def build() -> dict[str, trimesh.Trimesh]:
        return {"solid": tessellate(iface.solid(), TESSELLATION_TOLERANCE_MM,
                                    TESSELLATION_ANGLE_RAD, what="distal interface", fix=fix),
                "cutters": tessellate(iface.cutters(top_z_mm=top_z_mm),
                                      TESSELLATION_TOLERANCE_MM, TESSELLATION_ANGLE_RAD,
                                      what="distal interface's holes", fix=fix)}

    meshes, _hit = cache.cached_meshes(
        "interface", {"interface": _describe(iface), "top_z_mm": float(top_z_mm),
                      "tolerance_mm": TESSELLATION_TOLERANCE_MM,
                      "angle_rad": TESSELLATION_ANGLE_RAD},
        build, sources=INTERFACE_SOURCES, libraries=CADQUERY_LIBRARIES)
    return meshes["solid"], meshes["cutters"]


#: The cached parts' holes reach a whole number of these above the bed face, mm: the
#: cached parts stay the same while the holes' heights move below that.
TALL_STEP_MM = 100.0


def tall_top_z(bottom_z_mm: float, *heights_mm: float) -> float:
    """The height (mm) the cached interface parts' holes reach: a whole number of
    :data:`TALL_STEP_MM` above ``bottom_z_mm`` and at least 1 mm above every height given."""
    need = max(heights_mm, default=bottom_z_mm) - bottom_z_mm + 1.0
    return bottom_z_mm + TALL_STEP_MM * max(1, math.ceil(need / TALL_STEP_MM))


def placed_meshes(solid: trimesh.Trimesh, cutters: trimesh.Trimesh, *,
                  interface_to_design: np.ndarray, base_z_mm: float, openings: np.ndarray,
                  tops_z_mm: np.ndarray, clip_radius_mm: float
                  ) -> tuple[trimesh.Trimesh, trimesh.Trimesh]:
    """An interface's meshes with each hole cut to its own height, placed in the design frame.

    Parameters
    ----------
    solid, cutters : trimesh.Trimesh
        The interface's material and cutters (:func:`interface_meshes`), in its own frame,
        the holes reaching higher than any asks (:func:`tall_top_z`).
    interface_to_design : (4, 4) float
        The rigid transform that places the interface (:class:`PlacedInterface`).
    base_z_mm : float, mm
        The block's top (interface frame): the cutters below it are kept whole.
    openings : (k, 2) float, mm
        The openings' centres (the holes, a shuttle lock's pin channel), interface frame.
    tops_z_mm : (k,) float, mm
        How high each opening's cutters reach (into the cavity over it, or the block's top).
    clip_radius_mm : float, mm
        Radius of the column kept round each opening above the block's top: wider than
        its hole and counterbore, narrower than the gap to the next opening.

    Returns
    -------
    (solid, cutters) : trimesh.Trimesh
        Closed meshes in the design frame (mm).
    """
    m = np.asarray(interface_to_design, dtype=float)[:3]
    lo = float(cutters.bounds[0, 2]) - 1.0
    reach = float(np.max(np.abs(cutters.bounds[:, :2]))) + 1.0
    keep = manifold3d.Manifold.cube([2 * reach, 2 * reach, base_z_mm - lo]) \
        .translate([-reach, -reach, lo])
    for (x, y), top in zip(np.asarray(openings, dtype=float).reshape(-1, 2),
                           np.asarray(tops_z_mm, dtype=float).ravel()):
        if top > base_z_mm:
            column = manifold3d.Manifold.cylinder(top - lo, clip_radius_mm,
                                                  circular_segments=48)
            keep = keep + column.translate([x, y, lo])
    cut = to_manifold(cutters) ^ keep
    return (from_manifold(to_manifold(solid).transform(m)), from_manifold(cut.transform(m)))
